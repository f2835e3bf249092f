"""Sheet text on its way out: never a terminal control code, never a wall of text.

A cell can hold anything: ``ESC [2J`` that clears a terminal, an OSC sequence that sets the window
title, plants a hyperlink or writes the clipboard, a 50,000-character paste. :func:`printable` strips
escape sequences and control characters (C0, DEL and C1) from text, keeping tabs and newlines only
where asked; :func:`quoted` quotes a value inside a one-line message, capped at :data:`QUOTE_LIMIT`
characters with the full length said. The full value is kept where a program reads it (the JSON
``value`` field).
"""

from __future__ import annotations

import re

#: Characters of a value quoted in a message before it is cut with "…".
QUOTE_LIMIT = 60

# Escape sequences, 7-bit (ESC ...) and 8-bit (CSI U+009B, OSC U+009D, DCS U+0090, ...): CSI with its
# parameters and final byte; OSC, DCS, SOS, PM and APC up to their terminator (BEL or ST); any other
# two-character escape.
_SEQUENCES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?"
    r"|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"
    r"|\x1b[ -/]*[0-~]?"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CONTROLS_AND_BREAKS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def printable(text: str, *, keep_lines: bool = True) -> str:
    """``text`` without escape sequences or control characters; tabs and newlines stay when
    ``keep_lines`` (our own layout), else each becomes a space (sheet text inside one line)."""
    text = _SEQUENCES.sub("", text)
    return _CONTROLS.sub("", text) if keep_lines else _CONTROLS_AND_BREAKS.sub(" ", text)


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``value`` in single quotes for a one-line message: printable, on one line, and cut after
    ``limit`` characters with the full length said: 'abc'… (50,000 characters)."""
    whole = str(value)
    text = printable(whole, keep_lines=False)
    if len(text) <= limit:
        return f"'{text}'"
    return f"'{text[:limit].rstrip()}'… ({len(whole):,} characters)"
