"""Load a workbook from wherever it lives: the bundled demo, an .xlsx file, or a folder of CSV files.

``workbook(source, options)`` is the one entry point the CLI and the app use; it never raises for
bad data (that becomes issues) and raises :class:`SourceError` only when the source itself cannot
be read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from data_schemas import ParseOptions
from learnloop.errors import SourceError
from learnloop.sources import files
from learnloop.validate import validate_workbook
from learnloop.workbook import Workbook

DEMO = "demo"


def read_raw(source: str) -> dict[str, list[list[object]]]:
    """The raw tabs of ``source``: ``demo``, a path to an .xlsx workbook, or a folder of CSV files."""
    if source == DEMO:
        from learnloop.sources.demo import demo_tabs

        return demo_tabs()
    path = Path(source).expanduser()
    if path.is_dir():
        return files.read_csv_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return files.read_xlsx(path)
    if not path.exists():
        raise SourceError(f"Cannot find {source}. Give 'demo', a path to an .xlsx workbook, or a folder of CSV files.")
    raise SourceError(f"{source} is not an .xlsx workbook or a folder of CSV files.")


def workbook(source: str, options: ParseOptions = ParseOptions(), *, today: dt.date | None = None) -> Workbook:
    """Read and validate ``source``."""
    if source == DEMO and today is not None:
        from learnloop.sources.demo import demo_tabs

        raw = demo_tabs(today)
    else:
        raw = read_raw(source)
    return validate_workbook(raw, source=source, options=options)
