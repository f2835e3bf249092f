"""Workbooks on disk: an ``.xlsx`` file, or a folder of CSV files (one per tab, file name = tab name)."""

from __future__ import annotations

import csv
import datetime as dt
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from learnloop.errors import SourceError

RawTabs = dict[str, list[list[Any]]]


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


def read_csv_folder(path: str | Path) -> RawTabs:
    """Each ``<tab>.csv`` in a folder as raw rows of text."""
    path = Path(path)
    if not path.is_dir():
        raise SourceError(f"No folder at {path}.")
    tabs: RawTabs = {}
    for file in sorted(path.glob("*.csv")):
        try:
            with file.open(newline="", encoding="utf-8-sig") as handle:
                tabs[file.stem] = [list(row) for row in csv.reader(handle)]
        except (UnicodeDecodeError, csv.Error) as exc:
            raise SourceError(f"{file} is not a UTF-8 CSV file ({exc}).") from exc
    if not tabs:
        raise SourceError(f"{path} has no .csv files. Add one file per tab, named like themes.csv.")
    return tabs


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
