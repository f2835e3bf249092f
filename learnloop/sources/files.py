"""Workbooks on disk: an ``.xlsx`` file, or a folder of CSV files (one per tab, file name = tab name)."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from data_schemas import TABS, name_key, tab_for
from learnloop.errors import SourceError
from learnloop.validate import HEADER_SEARCH_ROWS, RawRead, TabReading

RawTabs = dict[str, list[list[Any]]]

#: File names a folder's tabs may have: .csv, and the .txt Excel gives its "Unicode Text" (tab-separated).
CSV_SUFFIXES = (".csv", ".tsv", ".txt")
#: The delimiters spreadsheets save CSV files with: comma; semicolon (Excel and LibreOffice where the
#: comma is the decimal mark); tab (Excel's "Unicode Text").
DELIMITERS = (",", ";", "\t")
#: Rows looked at to tell the delimiter.
DELIMITER_SAMPLE_ROWS = 50
SAVE_AS_UTF8 = "Save it as CSV UTF-8 (Comma delimited) and try again."


def read_xlsx(path: str | Path) -> RawTabs:
    """Every tab of an Excel workbook as raw rows; formulas are read as their last computed value."""
    path = Path(path)
    if not path.is_file():
        raise SourceError(f"No workbook at {path}.")
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SourceError(f"{path} is not an .xlsx workbook ({exc}). Save it as Excel (.xlsx) and try again.") from exc
    try:
        return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book.worksheets}
    finally:
        book.close()


def read_csv_folder(path: str | Path) -> RawRead:
    """Each ``<tab>.csv`` in a folder as raw rows of text, in whatever dialect it was saved.

    Files are read as people's spreadsheets save them (:func:`read_csv_file`); a file read as
    anything but UTF-8 gets a note, and a semicolon-separated file's numbers are read with a
    decimal comma, as the Excel that saved it wrote them.
    """
    path = Path(path)
    if not path.is_dir():
        raise SourceError(f"No folder at {path}.")
    found = sorted(file for file in path.iterdir() if file.suffix.lower() in CSV_SUFFIXES and file.is_file())
    if not found:
        raise SourceError(f"{path} has no .csv files. Add one file per tab, named like themes.csv.")
    tabs: RawTabs = {}
    readings: dict[str, TabReading] = {}
    for file in found:
        if tab_for(file.stem) is None:
            continue  # not part of the workbook: never read, so it cannot stop the rest from loading
        if file.stem in tabs:
            raise SourceError(f"{path} has two files for the tab '{file.stem}': keep one of "
                              f"{', '.join(f.name for f in found if f.stem == file.stem)}.")
        csv_file = read_csv_file(file)
        tabs[file.stem] = csv_file.rows
        readings[file.stem] = TabReading(decimal_comma=csv_file.delimiter == ";", note=csv_file.note)
    return RawRead(tabs, readings)


@dataclass(frozen=True)
class CsvFile:
    """One CSV file as read: its rows, and the dialect it was saved in."""

    name: str
    rows: list[list[Any]]
    delimiter: str
    encoding: str

    @property
    def note(self) -> str | None:
        """What the editor may want to know about how the file was read; None for UTF-8."""
        if self.encoding == "UTF-16":
            return f"{self.name} was read as UTF-16 (Unicode text). Nothing to fix: every character is kept."
        if self.encoding == "Windows-1252":
            return (f"{self.name} was read as Windows-1252 (Western European). Nothing to fix, but saving as "
                    f"CSV UTF-8 keeps every character.")
        return None


def read_csv_file(file: Path) -> CsvFile:
    """One CSV file's rows: UTF-8 (with or without a byte order mark), UTF-16 with one (Excel's
    "Unicode Text"), else Windows-1252 (Excel's "CSV (Comma delimited)" in Western Europe); comma,
    semicolon or tab as the rows agree (:func:`delimiter_of`)."""
    text, encoding = _decoded(file, file.read_bytes())
    delimiter = delimiter_of(text)
    return CsvFile(file.name, _rows(file, text, delimiter), delimiter, encoding)


def _rows(file: Path, text: str, delimiter: str) -> list[list[Any]]:
    """The file's rows. A quote that opens a cell and is never closed would make every line after it
    part of that cell, silently: it is an error naming the line. Other stray quotes (``"Talk" (2026)``)
    are read as a spreadsheet reads them."""
    rows: list[list[Any]] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    last_line = 0
    try:
        for row in reader:
            rows.append(row)
            last_line = reader.line_num
        return rows
    except csv.Error as exc:
        if str(exc) == "unexpected end of data":  # the file ended inside a quoted cell
            raise SourceError(f"{file} cannot be read: the quote (\") that opens a cell on line {last_line + 1} is "
                              f"never closed, so every line after it would be part of that cell. Close the quote "
                              f"or remove it, then try again.") from None
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise SourceError(f"{file} cannot be read as CSV ({exc}). {SAVE_AS_UTF8}") from None


def _decoded(file: Path, data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was read as."""
    if data.startswith(b"PK\x03\x04"):
        raise SourceError(f"{file} is an Excel workbook (.xlsx), not a CSV file. Open it in Excel and save "
                          f"it as CSV UTF-8 (Comma delimited), then try again.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates = [("utf-16", "UTF-16")]
    else:
        candidates = [("utf-8-sig", "UTF-8"), ("cp1252", "Windows-1252")]
    for codec, encoding in candidates:
        try:
            # A UTF-8 byte order mark on text that is not UTF-8 after all (edited in two programs) is
            # still no part of the first header.
            text = data.removeprefix(codecs.BOM_UTF8).decode(codec)
        except UnicodeDecodeError:
            continue
        if "\0" not in text:  # no text file holds NUL characters: this is not its encoding, or not text
            return text, encoding
    raise SourceError(f"{file} cannot be read: it is not text in UTF-8, UTF-16 or Windows-1252. {SAVE_AS_UTF8}")


def delimiter_of(text: str) -> str:
    """The delimiter the file is written with: the one under which its first rows name the most of the
    workbook's columns; among those, the one that splits the most of the first rows into the same
    number of cells (more than one), the wider split when two agree as often; a comma when none
    splits anything (a file of one column).

    The header decides first: text can hold semicolons (or commas) the same number of times on every
    row, but only the right delimiter cuts the header into column names. Spreadsheets write every row
    as wide as the widest, so the right delimiter also splits each row alike. Quoted cells are read as
    quoted, so a delimiter inside quotes splits nothing.
    """
    def agreement(delimiter: str) -> tuple[int, int, int]:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        try:
            rows = [row for row in itertools.islice(reader, DELIMITER_SAMPLE_ROWS) if any(cell.strip() for cell in row)]
        except csv.Error:
            return 0, 0, 0
        named = max((sum(name_key(cell) in KNOWN_COLUMNS for cell in row) for row in rows[:HEADER_SEARCH_ROWS]),
                    default=0)
        widths = Counter(len(row) for row in rows)
        return (named, *max(((count, width) for width, count in widths.items() if width > 1), default=(0, 0)))

    scores = {delimiter: agreement(delimiter) for delimiter in DELIMITERS}
    return max(DELIMITERS, key=scores.__getitem__)  # the first listed wins a tie: a comma when nothing splits


#: Every column name of the workbook's tabs, as headers are matched (any case, spaces, ``_`` and ``-``).
KNOWN_COLUMNS = frozenset(name_key(column) for spec in TABS.values() for column in spec.model.columns())


def write_xlsx(tabs: Mapping[str, Sequence[Sequence[Any]]], path: str | Path) -> Path:
    """Write raw tabs as an Excel workbook with real date cells, ready to upload to Google Sheets.

    Text that a spreadsheet would read as a formula is written as text, so nothing in a cell runs.
    """
    path = Path(path)
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in tabs.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(list(row))
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, dt.date):
                    cell.number_format = "yyyy-mm-dd"
                elif isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
        for column in sheet.columns:
            width = max((len(str(c.value)) for c in column if c.value is not None), default=8)
            sheet.column_dimensions[column[0].column_letter].width = min(max(width, 10), 60) + 2
    book.save(path)
    return path


def write_csv_folder(tabs: Mapping[str, Sequence[Sequence[Any]]], path: str | Path) -> Path:
    """Write raw tabs as ``<tab>.csv`` files (dates as ISO text)."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    for title, rows in tabs.items():
        with (path / f"{title}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            for row in rows:
                writer.writerow(["" if v is None else v.isoformat() if isinstance(v, dt.date) else v for v in row])
    return path
