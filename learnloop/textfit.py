"""Fitting chart text into a width: how wide a line is drawn, and wrapping or shortening it to fit.

Plotly never wraps a title, a subtitle or a Sankey label: a line longer than its chart is cut off at
the chart's edge. Charts therefore break their text into lines before plotly sees it. Widths are
measured with the advance widths of Helvetica and Arial (Liberation Sans on Linux has the same
metrics): the widest of the sans-serif fonts the charts name, so text measured to fit here also fits
when a narrower one (Source Sans, Segoe UI) is drawn. Letters outside the table count at their base
letter's width (é as e); wide East Asian characters and emoji at a full em.

Everything here works on the text as it is displayed: unescape plotly's HTML entities before
measuring, and escape each line again after (see ``charts._fit_text``).
"""

from __future__ import annotations

import unicodedata

#: Helvetica's advance widths, in thousandths of an em, for printable ASCII (space to ~).
_ASCII = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,   # space to /
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,   # 0 to ?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # @ to O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,   # P to _
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,   # ` to o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,        # p to ~
)
#: Punctuation the charts themselves write, and a few common ones sheets hold.
_OTHER = {"…": 1000, "→": 1000, "—": 1000, "–": 556, "·": 278, "×": 584, "✓": 800, "✗": 800, "’": 222,
          "‘": 222, "“": 333, "”": 333, "«": 556, "»": 556, "€": 556, "£": 556, "°": 400, "\u00a0": 278}
#: A character of unknown shape: wider than any Latin letter but W and M.
_UNKNOWN = 780
ELLIPSIS = "…"


def char_width(char: str) -> int:
    """The advance width of one character, in thousandths of an em."""
    code = ord(char)
    if 32 <= code < 127:
        return _ASCII[code - 32]
    if char in _OTHER:
        return _OTHER[char]
    if unicodedata.combining(char) or unicodedata.category(char) in {"Mn", "Me", "Cf"}:
        return 0
    if unicodedata.east_asian_width(char) in {"W", "F"}:
        return 1000
    base = unicodedata.normalize("NFKD", char)[:1]
    if base and base != char and 32 <= ord(base) < 127:
        return _ASCII[ord(base) - 32]
    if unicodedata.category(char) == "So":  # symbols and emoji
        return 1000
    return _UNKNOWN


def text_width(text: str, size: float) -> float:
    """How wide ``text`` is drawn on one line at a font ``size`` (px), in px."""
    return sum(char_width(char) for char in text) * size / 1000


def shorten(text: str, width: float, size: float) -> str:
    """``text`` if it fits ``width`` px, else as much of it as fits followed by "…"."""
    text = " ".join(text.split())
    if text_width(text, size) <= width:
        return text
    room = width - text_width(ELLIPSIS, size)
    kept, used = [], 0.0
    for char in text:
        used += char_width(char) * size / 1000
        if used > room:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def _pieces(word: str, width: float, size: float) -> list[str]:
    """A word wider than a line, cut into pieces that each fit (there is nowhere better to break it)."""
    pieces, current, used = [], "", 0.0
    for char in word:
        advance = char_width(char) * size / 1000
        if current and used + advance > width:
            pieces.append(current)
            current, used = "", 0.0
        current += char
        used += advance
    return [*pieces, current] if current else pieces


def wrap(text: str, width: float, size: float, *, max_lines: int | None = None,
         cut_words: bool = True) -> list[str]:
    """``text`` broken between words into lines no wider than ``width`` px at font ``size``. A word
    longer than a line is cut across lines (with ``cut_words``, for text that must all be seen) or
    ends the text, shortened with "…" (for a label, whose full text is a hover away). With
    ``max_lines``, the last line kept ends in "…" when text is left over. Runs of whitespace
    (newlines too) count as one space."""
    words = text.split()
    lines: list[str] = []
    current = ""
    for position, word in enumerate(words):
        candidate = f"{current} {word}" if current else word
        if text_width(candidate, size) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        if text_width(word, size) <= width:
            current = word
        elif cut_words:
            *full, current = _pieces(word, width, size)
            lines.extend(full)
        else:
            current = shorten(" ".join(words[position:]), width, size)
            break
    if current:
        lines.append(current)
    if max_lines is not None and len(lines) > max_lines:
        # Greedy breaking leaves the rest wider than a line, so shortening it always adds the "…".
        lines = [*lines[:max_lines - 1], shorten(" ".join(lines[max_lines - 1:]), width, size)]
    return lines or [""]
