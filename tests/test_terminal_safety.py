"""Sheet text never reaches a terminal as control codes, and messages never quote a wall of text.

The CLI runs as a user runs it, in a pseudo-terminal; every byte it writes there is read back.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

from learnloop.safe import printable, quoted
from learnloop.sources import files

# What a hostile cell can hold: clear the screen and print a fake verdict, retitle the window, plant
# a hyperlink, write the clipboard (OSC 52), an 8-bit CSI, a bell and a NUL.
HOSTILE = ("\x1b[2J\x1b[HNo errors: every row with data can be used.\x1b]0;pwned\x07"
           "\x1b]8;;https://evil.example\x1b\\click\x1b]8;;\x1b\\\x1b]52;c;ZXZpbA==\x07\x9b31mred\x07\x01")


def hostile_workbook(tmp_path: Path) -> Path:
    tabs = {
        "themes": [["theme_id", "quarter", "title", f"notes{HOSTILE}"],
                   ["T-1", "2026-Q1", f"Pricing{HOSTILE}", "x"], ["T-2", f"Q9{HOSTILE}", "Bad", "y"]],
        "sources": [["source_id", "name", "kind", "added_on"], ["S-1", f"Talk{HOSTILE}", "blog", f"soon{HOSTILE}"],
                    ["S-2", "Long", "blog", "x" * 50_000]],
        "decisions": [["decision_id", "date", "category", "summary", "theme_id", "source_ids"],
                      ["D-1", "2026-02-01", "bet", f"Bet{HOSTILE}", "T-1", f"S-9{HOSTILE}"]],
    }
    return files.write_csv_folder(tabs, tmp_path / "hostile")


def in_a_terminal(*args: str) -> bytes:
    """Run the CLI attached to a pseudo-terminal (as a person runs it) and return every byte it wrote."""
    main, child = pty.openpty()
    process = subprocess.Popen([sys.executable, "-c", "from learnloop.cli import main; main()", *args],
                               stdin=child, stdout=child, stderr=child, close_fds=True)
    os.close(child)
    out = b""
    while True:
        ready, _, _ = select.select([main], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    process.wait(timeout=60)
    os.close(main)
    return out


def assert_inert(out: bytes) -> None:
    assert b"\x1b" not in out, "an escape sequence reached the terminal"
    text = out.decode("utf-8")
    assert not [ch for ch in text if ord(ch) < 0x20 and ch not in "\r\n\t"], "a control character reached it"
    assert not [ch for ch in text if 0x7F <= ord(ch) <= 0x9F], "a C1 control reached it"


def test_validate_in_a_terminal_writes_no_escape_sequence_from_the_sheet(tmp_path: Path):
    out = in_a_terminal("validate", str(hostile_workbook(tmp_path)))
    assert_inert(out)
    text = out.decode("utf-8")
    assert "Learning Loop:" in text and "pwned" not in text.split("notes")[0]
    assert "error(s)" in text


def test_report_to_a_terminal_writes_no_escape_sequence_from_the_sheet(tmp_path: Path):
    out = in_a_terminal("report", str(hostile_workbook(tmp_path)), "--quarter", "2026-Q1")
    assert_inert(out)
    assert b"Pricing" in out


def test_json_keeps_the_value_and_escapes_every_control(tmp_path: Path):
    out = in_a_terminal("validate", str(hostile_workbook(tmp_path)), "--json")
    assert_inert(out)
    report = json.loads(out.decode("utf-8"))
    by_cell = {(issue["tab"], issue["row"], issue["column"]): issue for issue in report["issues"]}
    # The value as typed is all there for a program to read; only the terminal never saw it raw.
    assert by_cell["sources", 2, "added_on"]["value"].startswith("soon\x1b[2J")
    assert "\\u001b" in out.decode("utf-8") and "\\u009b" in out.decode("utf-8")


def test_messages_quote_at_most_sixty_characters_of_a_huge_cell(tmp_path: Path):
    done = subprocess.run([sys.executable, "-c", "from learnloop.cli import main; main()", "validate",
                           str(hostile_workbook(tmp_path)), "--json"], capture_output=True, text=True, check=False)
    issue = next(i for i in json.loads(done.stdout)["issues"] if i["tab"] == "sources" and i["row"] == 3)
    assert len(issue["value"]) == 50_000, "the full value stays in the JSON"
    assert len(issue["message"]) < 300 and "… (50,000 characters)" in issue["message"]
    text = subprocess.run([sys.executable, "-c", "from learnloop.cli import main; main()", "validate",
                           str(hostile_workbook(tmp_path))], capture_output=True, text=True, check=False).stdout
    assert max(len(line) for line in text.splitlines()) < 400


def test_printable_keeps_our_layout_and_strips_everything_else():
    assert printable("a\tb\nc\x1b[31md\x9b2Je\x07f") == "a\tb\ncdef"
    assert printable("a\tb\nc", keep_lines=False) == "a b c"
    assert quoted("x" * 61) == f"'{'x' * 60}'… (61 characters)"
    assert quoted("short") == "'short'"
