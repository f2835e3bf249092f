"""A1 notation as the Sheets API reads and echoes it.

Google's parsing has a few traps that a stand-in must reproduce, or clients that pass against it
fail against the real service:

* an unquoted name that is also a valid cell reference (``tab01`` = column TAB, row 1) is read as a
  cell of the *first* sheet, not as the sheet called ``tab01``;
* ranges without a sheet name refer to the first sheet;
* echoed ranges quote the sheet name only when it needs quoting (``Sheet1!A1:B2`` but
  ``'Peer circle'!A1:B2``), and a single cell is echoed without a colon (``Sheet1!A1``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Google Sheets' widest grid is 18,278 columns (ZZZ); anything longer is not a column reference.
MAX_COLUMN_LETTERS = 3
# Sheets caps a spreadsheet at 10 million cells, so no row number has more than 8 digits.
MAX_ROW_DIGITS = 8

_ENDPOINT = re.compile(r"^\$?([A-Za-z]{0,3})\$?([0-9]{0,8})$")
_UNQUOTED_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class RangeSyntaxError(ValueError):
    """The text is not A1 notation (Google answers "Unable to parse range: ...")."""


def column_letters(index: int) -> str:
    """0 -> "A", 25 -> "Z", 26 -> "AA"."""
    if index < 0:
        raise ValueError(f"negative column index {index}")
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """"A" -> 0, "AA" -> 26 (case-insensitive)."""
    n = 0
    for ch in letters.upper():
        if not "A" <= ch <= "Z":
            raise ValueError(f"not a column: {letters!r}")
        n = n * 26 + (ord(ch) - ord("A") + 1)
    return n - 1


@dataclass(frozen=True)
class Area:
    """A rectangle in zero-based, end-exclusive coordinates; an end of ``None`` is open.

    ``A:C`` has an open end row, ``2:5`` an open end column, ``A1:1`` too.
    """

    start_row: int
    end_row: int | None
    start_col: int
    end_col: int | None


@dataclass(frozen=True)
class ParsedRange:
    """What a range string names: a sheet title (``None`` = the first sheet) and an area
    (``None`` = the whole sheet). ``text`` is the original, for Google's error messages."""

    sheet_title: str | None
    area: Area | None
    text: str


@dataclass(frozen=True)
class Rect:
    """A concrete rectangle on a sheet: zero-based, end-exclusive, never open."""

    start_row: int
    end_row: int
    start_col: int
    end_col: int

    @property
    def rows(self) -> int:
        return self.end_row - self.start_row

    @property
    def cols(self) -> int:
        return self.end_col - self.start_col


def _parse_endpoint(text: str) -> tuple[int | None, int | None] | None:
    """``"B7"`` -> (row 6, col 1); ``"B"`` -> (None, 1); ``"7"`` -> (6, None); junk -> None."""
    m = _ENDPOINT.match(text)
    if not m or not (m.group(1) or m.group(2)):
        return None
    letters, digits = m.group(1), m.group(2)
    row = int(digits) - 1 if digits else None
    if row is not None and row < 0:  # "A0" is not a cell
        return None
    col = column_index(letters) if letters else None
    return row, col


def parse_area(text: str) -> Area | None:
    """Parse the part after ``!``; ``None`` if it is not A1 notation.

    A lone endpoint must be a full cell (``A1``): Google does not read ``A`` or ``7`` alone as
    a range, which is also why sheet titles made of letters only stay titles.
    """
    parts = text.strip().split(":")
    if len(parts) == 1:
        ends = _parse_endpoint(parts[0])
        if ends is None or ends[0] is None or ends[1] is None:
            return None
        row, col = ends
        return Area(row, row + 1, col, col + 1)
    if len(parts) != 2:
        return None
    first, second = _parse_endpoint(parts[0]), _parse_endpoint(parts[1])
    if first is None or second is None:
        return None
    (r0, c0), (r1, c1) = first, second
    # "A:1" and "1:A" mix a column with a row; Google rejects them.
    if (r0 is None and c1 is None) or (c0 is None and r1 is None):
        return None
    # Google normalises reversed corners ("B2:A1" is "A1:B2").
    if r0 is not None and r1 is not None and r1 < r0:
        r0, r1 = r1, r0
    if c0 is not None and c1 is not None and c1 < c0:
        c0, c1 = c1, c0
    start_row = r0 if r0 is not None else 0
    start_col = c0 if c0 is not None else 0
    # An end without a row ("A1:C") runs to the last row; without a column ("A1:1") to the last column.
    end_row = r1 + 1 if r1 is not None else None
    end_col = c1 + 1 if c1 is not None else None
    return Area(start_row, end_row, start_col, end_col)


def _unquote_title(text: str) -> tuple[str, str]:
    """Split ``'It''s here'!A1`` into (``It's here``, ``!A1``); raises on an unterminated quote."""
    i = 1
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "'":
            if i + 1 < len(text) and text[i + 1] == "'":  # '' is an escaped quote
                out.append("'")
                i += 2
                continue
            return "".join(out), text[i + 1 :]
        out.append(ch)
        i += 1
    raise RangeSyntaxError(text)


def parse_range(text: str) -> ParsedRange:
    """Parse a range as the Sheets API does. Sheet existence is checked by the caller."""
    stripped = text.strip()
    if not stripped:
        raise RangeSyntaxError(text)
    if stripped.startswith("'"):
        title, rest = _unquote_title(stripped)
        if not rest:
            return ParsedRange(title, None, text)
        if not rest.startswith("!"):
            raise RangeSyntaxError(text)
        area = parse_area(rest[1:])
        if area is None:
            raise RangeSyntaxError(text)
        return ParsedRange(title, area, text)
    # A bare cell reference wins over a sheet of the same name (see the module docstring).
    area = parse_area(stripped)
    if area is not None:
        return ParsedRange(None, area, text)
    if "!" in stripped:
        title, _, a1 = stripped.rpartition("!")
        area = parse_area(a1)
        if area is not None and title:
            return ParsedRange(title, area, text)
    return ParsedRange(stripped, None, text)


def _looks_like_reference(title: str) -> bool:
    """Would this title, unquoted, read as a cell or an R1C1 reference?"""
    return parse_area(title) is not None or re.fullmatch(r"[Rr]\d*[Cc]\d*", title) is not None


def quote_title(title: str, *, always: bool = False) -> str:
    """The sheet title as Google writes it in an A1 range (quoted only when needed)."""
    if not always and _UNQUOTED_TITLE.match(title) and not _looks_like_reference(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_cells(rect: Rect) -> str:
    """``A1`` for one cell, ``A1:C3`` otherwise (Google never echoes open ranges)."""
    first = f"{column_letters(rect.start_col)}{rect.start_row + 1}"
    if rect.rows == 1 and rect.cols == 1:
        return first
    return f"{first}:{column_letters(rect.end_col - 1)}{rect.end_row}"


def format_range(title: str, rect: Rect) -> str:
    return f"{quote_title(title)}!{format_cells(rect)}"


def format_area(area: Area) -> str:
    """An area as the client wrote it, normalised (for "exceeds grid limits" messages)."""

    def endpoint(row: int | None, col: int | None) -> str:
        return (column_letters(col) if col is not None else "") + (str(row + 1) if row is not None else "")

    start = endpoint(area.start_row, area.start_col)
    end = endpoint(
        area.end_row - 1 if area.end_row is not None else None,
        area.end_col - 1 if area.end_col is not None else None,
    )
    if area.end_row is not None and area.end_col is not None and (
        area.end_row - 1 == area.start_row and area.end_col - 1 == area.start_col
    ):
        return start
    return f"{start}:{end}"
