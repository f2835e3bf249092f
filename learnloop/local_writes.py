"""Adding rows to a workbook on disk: an .xlsx file, or a folder of CSV files.

A write holds a lock other processes honour too (``filelock``: two people's apps and ``learnloop
add`` never interleave), reads the file as it is at that moment, gives a blank id the tab's next one,
writes the new file in full to a temporary file beside the old one and then puts it in the old one's
place in one step (``os.replace``): a crash at any moment leaves the old file or the new one, never
part of either. The version replaced is kept in ``.learnloop/backups/`` beside the workbook (the last
:data:`BACKUPS_KEPT` of each file).

An .xlsx file is opened and saved with openpyxl, which keeps values, formulas, formats and the
other tabs, but not charts, images, pivot tables and a few other things (:data:`DROPPED_PARTS`). A
workbook holding any of them is refused with a message that names them, never saved without them.
A CSV file keeps its bytes: the new row is added at its end, in the file's own delimiter, line
ending and encoding.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
import shutil
import uuid
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from copy import copy
from pathlib import Path
from typing import Any

import filelock
import openpyxl
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from data_schemas import TABS, contract_titles
from learnloop import exports
from learnloop.entries import Appended, Header, Value, derived_id, find_header, id_column, layout, with_id
from learnloop.errors import SourceError, WriteFailed, WriteRefused
from learnloop.sources import files

#: How many earlier versions of each file are kept in ``.learnloop/backups/``.
BACKUPS_KEPT = 5
#: The folder beside a workbook (inside a CSV folder) that holds its lock and backups.
STATE_DIR = ".learnloop"
#: How long a write waits for another one to the same workbook to finish.
LOCK_SECONDS = 60.0
#: Parts of an .xlsx package openpyxl does not keep when it saves a workbook, and what they hold.
DROPPED_PARTS = (
    ("xl/charts/", "charts"),
    ("xl/chartsheets/", "chart sheets"),
    ("xl/media/", "images"),
    ("xl/pivotTables/", "pivot tables"),
    ("xl/pivotCache/", "pivot tables"),
    ("xl/slicers/", "slicers"),
    ("xl/slicerCaches/", "slicers"),
    ("xl/timelines/", "timelines"),
    ("xl/vbaProject.bin", "macros"),
    ("xl/embeddings/", "embedded objects"),
    ("xl/activeX/", "form controls"),
    ("xl/ctrlProps/", "form controls"),
    ("xl/threadedComments/", "threaded comments"),
    ("xl/connections.xml", "data connections"),
    ("xl/queryTables/", "data connections"),
    ("xl/model/", "a data model"),
)
_DATE_FORMAT = "yyyy-mm-dd"


def refusal(path: Path) -> str | None:
    """Why rows are never added to the workbook at ``path``, in words; None when they may be.

    An .xlsx holding what openpyxl would drop on saving (charts, images, pivot tables, macros…) is
    refused: saving it would damage it silently. Read from the file's parts, without opening it.
    """
    if path.is_dir() or not path.exists():
        return None  # a CSV folder keeps its bytes; a missing file fails when written, saying so
    if path.suffix.lower() == ".xlsm":
        return (f"{path.name} is a macro-enabled workbook (.xlsm), which Learning Loop cannot save without "
                f"risking its macros, so rows are not added to it here: add them in Excel.")
    if path.suffix.lower() != ".xlsx":
        return f"{path} is not an .xlsx workbook or a folder of CSV files, so rows cannot be added to it."
    try:
        with zipfile.ZipFile(path) as package:
            parts = package.namelist()
    except (zipfile.BadZipFile, OSError) as exc:
        return f"{path} cannot be opened as an .xlsx workbook ({exc}). Save it as Excel (.xlsx) and try again."
    held = list(dict.fromkeys(kind for prefix, kind in DROPPED_PARTS for part in parts if part.startswith(prefix)))
    if not held and any(part.startswith("xl/drawings/drawing") for part in parts):
        held.append("shapes or text boxes")
    if not held:
        return None
    return (f"{path.name} holds {_and_list(held)}, which Learning Loop cannot keep when it saves an Excel file "
            f"(it saves with openpyxl, which leaves them out). So that nothing is lost, rows are not added to this "
            f"file here: add them in Excel, or keep the {held[0]} in another workbook and this one for the data.")


def append(path: Path, tab: str, row: Mapping[str, Value]) -> Appended:
    """Add ``row`` (from :func:`learnloop.entries.prepare`) to ``tab`` of the workbook at ``path``: an .xlsx
    file or a folder of CSV files. Raises :class:`WriteFailed` (nothing written, ``row`` in hand) or
    :class:`WriteRefused` (a value this workbook cannot take, or an id taken since the row was checked)."""
    try:
        if path.is_dir():
            return _append_csv(path, tab, row)
        if path.suffix.lower() == ".xlsx" and path.is_file():
            return _append_xlsx(path, tab, row)
    except OSError as exc:
        raise WriteFailed(f"Could not write to {exc.filename or path} ({exc.strerror or exc}). Check that the file "
                          f"and its folder may be written to; nothing was added.", row) from None
    if not path.exists():
        raise WriteFailed(f"There is no workbook at {path}.", row)
    raise WriteFailed(refusal(path) or f"{path} is not an .xlsx workbook or a folder of CSV files.", row)


# ------------------------------------------------------------------------------ .xlsx ---


def _append_xlsx(path: Path, tab: str, row: Mapping[str, Value]) -> Appended:
    with _locked(path.parent / STATE_DIR / f"{path.name}.lock", path, row):
        _clear_leftovers(path)
        _not_open_elsewhere(path, row)
        reason = refusal(path)
        if reason:
            raise WriteFailed(reason, row)
        book = _open_xlsx(path, row)
        titles = contract_titles(book.sheetnames)
        if tab not in titles:
            raise WriteFailed(f"{path.name} has no {tab} tab. Add a tab named {tab} with a header row: "
                              f"{', '.join(TABS[tab].model.columns())}.", row)
        _no_formulas(path, book, [names[0] for names in titles.values()], row)
        sheet = book[titles[tab][0]]
        rows = [list(line) for line in sheet.iter_rows(values_only=True)]
        header = find_header(rows, tab)
        row = with_id(tab, row, rows, header)
        cells = layout(tab, header, row)
        last = max((number for number, line in enumerate(rows, start=1)
                    if any(value is not None and value != "" for value in line)), default=header.at + 1)
        target = max(last, header.at + 1) + 1
        _write_cells(sheet, target, cells, header, style_from=last if last > header.at + 1 else None)
        _grow_tables(sheet, last, target)
        _replace(path, book.save)
    row_id = str(row.get(id_column(tab) or "", "")) or derived_id(tab, target)
    return Appended(tab, row_id, dict(row), 1, row_number=target, title=sheet.title, workbook=path.name)


def _open_xlsx(path: Path, row: Mapping[str, Value]) -> Any:
    """The workbook as openpyxl edits it (formulas as formulas, rich text kept); refused when openpyxl
    says, as it opens it, that it will leave something out."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            book = openpyxl.load_workbook(path, rich_text=True)
        except (InvalidFileException, zipfile.BadZipFile, KeyError) as exc:
            raise WriteFailed(f"{path} cannot be opened as an .xlsx workbook ({exc}). Save it as Excel (.xlsx) and "
                              f"try again.", row) from None
    dropped = sorted({str(w.message).split(" is not supported")[0].strip().lower() for w in caught
                      if "will be removed" in str(w.message)})
    if dropped:
        raise WriteFailed(f"{path.name} holds {_and_list([kind + 's' for kind in dropped])}, which Learning Loop "
                          f"cannot keep when it saves an Excel file (openpyxl leaves them out). So that nothing is "
                          f"lost, rows are not added to this file here: add them in Excel.", row)
    return book


def _no_formulas(path: Path, book: Any, titles: list[str], row: Mapping[str, Value]) -> None:
    """Refuse a workbook whose tabs hold formulas: openpyxl keeps a formula but not the value Excel last
    worked out for it, and that value is what Learning Loop reads until Excel opens the file again."""
    for title in titles:
        for line in book[title].iter_rows():
            for cell in line:
                if cell.data_type == "f":
                    raise WriteFailed(
                        f"{path.name} has formulas in its {title} tab (the first at {cell.coordinate}). Saving the file "
                        f"here would keep the formulas but drop the values Excel worked out for them, which is what "
                        f"Learning Loop reads, so rows are not added to this file here. Replace the formulas with "
                        f"their values (Copy, then Paste Special → Values), or add rows in Excel.", row)


def _write_cells(sheet: Any, target: int, cells: list[Value], header: Header, *, style_from: int | None) -> None:
    """The new row's cells, styled as the row above them (its fonts, borders and number formats): text as
    text (never a formula or an error code), numbers as numbers, dates as date cells."""
    column_at = {position: column for column, position in header.positions.items()}
    for position, value in enumerate(cells, start=1):
        if value == "":
            continue
        cell = sheet.cell(row=target, column=position)
        above = sheet.cell(row=style_from, column=position) if style_from else None
        if above is not None and above.has_style:
            cell._style = copy(above._style)
        if isinstance(value, dt.date):
            cell.value = value
            if not cell.is_date:
                cell.number_format = _DATE_FORMAT
        elif isinstance(value, str):
            if ILLEGAL_CHARACTERS_RE.search(value):
                column = column_at.get(position - 1, "")
                raise WriteRefused({column: f"{column} holds a control character an Excel file cannot store. "
                                            f"Type it again without it."})
            cell.value = value
            cell.data_type = "s"  # "=1+1" or "#N/A" as typed: text, never a formula or an error
        else:
            cell.value = value


def _grow_tables(sheet: Any, last: int, target: int) -> None:
    """An Excel table (Insert → Table) that ends on the last row grows to take the new one, as it does in Excel."""
    for table in sheet.tables.values():
        min_col, min_row, max_col, max_row = range_boundaries(table.ref)
        if max_row == last:
            table.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{target}"
            if table.autoFilter is not None:
                table.autoFilter.ref = table.ref


# ------------------------------------------------------------------------------- CSV ---


def _append_csv(folder: Path, tab: str, row: Mapping[str, Value]) -> Appended:
    with _locked(folder / STATE_DIR / "workbook.lock", folder, row):
        file = _tab_file(folder, tab, row)
        _clear_leftovers(file)
        _not_open_elsewhere(file, row)
        data = file.read_bytes()
        try:
            read = files.read_csv_file(file)
        except SourceError as exc:
            raise WriteFailed(str(exc), row) from None
        header = find_header(read.rows, tab)
        row = with_id(tab, row, read.rows, header)
        cells = layout(tab, header, row)
        width = max(len(read.rows[header.at]) if read.rows else 0, len(cells))
        texts = [_csv_text(value, decimal_comma=read.delimiter == ";") for value in cells]
        texts += [""] * (width - len(texts))
        text = _decoded_text(data, read.encoding)
        newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text and "\n" not in text else "\n"
        line = io.StringIO()
        csv.writer(line, delimiter=read.delimiter, lineterminator=newline).writerow(texts)
        added = ("" if not text or text.endswith(("\n", "\r")) else newline) + line.getvalue()
        encoded = _encoded(added, read.encoding, data, header, texts, file, tab)
        _replace(file, lambda temporary: temporary.write_bytes(data + encoded))
    target = len(read.rows) + 1
    row_id = str(row.get(id_column(tab) or "", "")) or derived_id(tab, target)
    return Appended(tab, row_id, dict(row), 1, row_number=target, title=file.stem, workbook=folder.name)


def _tab_file(folder: Path, tab: str, row: Mapping[str, Value]) -> Path:
    """The file the reader reads ``tab`` from (the same rule for a CSV folder as for any workbook)."""
    found = [file for file in sorted(folder.iterdir()) if file.suffix.lower() in files.CSV_SUFFIXES and file.is_file()]
    titles = contract_titles([file.stem for file in found]).get(tab)
    if not titles:
        raise WriteFailed(f"{folder} has no file for the {tab} tab. Add {tab}.csv with its header row: "
                          f"{', '.join(TABS[tab].model.columns())}.", row)
    named = [file for file in found if file.stem == titles[0]]
    if len(named) > 1:
        raise WriteFailed(f"{folder} has two files for the tab '{titles[0]}': keep one of "
                          f"{', '.join(file.name for file in named)}.", row)
    return named[0]


def _csv_text(value: Value, *, decimal_comma: bool) -> str:
    """A cell as CSV text: dates as ISO (read the same in every locale), numbers with the file's decimal
    mark, and text that a spreadsheet opening the file would run as a formula made inert with a ``'``."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(value)
        return text.replace(".", ",") if decimal_comma else text
    return str(exports.neutralise(str(value)))


def _decoded_text(data: bytes, encoding: str) -> str:
    codec = {"UTF-16": "utf-16", "Windows-1252": "cp1252"}.get(encoding, "utf-8-sig")
    return data.decode(codec, errors="replace")


def _encoded(text: str, encoding: str, data: bytes, header: Header, texts: list[str], file: Path,
             tab: str) -> bytes:
    """``text`` in the file's own encoding (no second byte order mark); a value the encoding cannot hold
    is refused on its field, saying how to keep it."""
    codec = {"UTF-16": "utf-16-be" if data.startswith(b"\xfe\xff") else "utf-16-le",
             "Windows-1252": "cp1252"}.get(encoding, "utf-8")
    try:
        return text.encode(codec)
    except UnicodeEncodeError:
        column_at = {position: column for column, position in header.positions.items()}
        problems = {}
        for position, value in enumerate(texts):
            try:
                value.encode(codec)
            except UnicodeEncodeError as exc:
                column = column_at.get(position, "")
                problems[column] = (f"{file.name} is saved as {encoding}, which cannot hold "
                                    f"'{value[exc.start:exc.end]}'. Leave it out, or save {file.name} as CSV UTF-8 "
                                    f"(it keeps every character) and try again.")
        raise WriteRefused(problems or {"": f"{file.name} is saved as {encoding}, which cannot hold this row."}) \
            from None


# ------------------------------------------------------------------------- the file ---


@contextlib.contextmanager
def _locked(lock_file: Path, workbook: Path, row: Mapping[str, Value]) -> Iterator[None]:
    """Hold the workbook's lock (across processes) for one read-and-write."""
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(lock_file, timeout=LOCK_SECONDS)
    try:
        lock.acquire()
    except filelock.Timeout:
        raise WriteFailed(f"Another write to {workbook.name} has been going on for over a minute. Nothing was "
                          f"added: try again.", row) from None
    try:
        yield
    finally:
        lock.release()


def _not_open_elsewhere(path: Path, row: Mapping[str, Value]) -> None:
    """Refuse a file Excel or LibreOffice has open: its next save there would remove the new row."""
    owners = [path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:]),
              path.with_name(f".~lock.{path.name}#")]
    for owner in owners:
        if owner.exists():
            raise WriteFailed(f"{path.name} is open in a spreadsheet program ({owner.name} is beside it). Close it "
                              f"there first, then add the row: saving it there afterwards would remove the row. (If "
                              f"it is not open anywhere, delete {owner.name}.)", row)


def _clear_leftovers(path: Path) -> None:
    """Remove temporary files a writer that crashed left beside ``path`` (the lock is held: no writer is
    writing one now)."""
    for leftover in path.parent.glob(f".{path.name}.*.tmp"):
        with contextlib.suppress(OSError):
            leftover.unlink()


def _replace(path: Path, save: Callable[[Path], Any]) -> None:
    """Write ``path``'s new content with ``save`` to a temporary file beside it, keep the old version as a
    backup, and put the new file in its place in one step."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    try:
        save(temporary)
        with temporary.open("rb+") as handle:
            os.fsync(handle.fileno())
        shutil.copymode(path, temporary)
        backups = path.parent / STATE_DIR / "backups"
        backups.mkdir(parents=True, exist_ok=True)
        kept = backups / f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%fZ}-{uuid.uuid4().hex[:4]}-{path.name}"
        try:
            os.link(path, kept)  # the old file itself, kept under another name: no copy needed
        except OSError:
            shutil.copy2(path, kept)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    with contextlib.suppress(OSError):
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)  # the rename itself survives a power cut
        finally:
            os.close(directory)
    with contextlib.suppress(OSError):
        for old in sorted(backups.glob(f"*-{path.name}"))[:-BACKUPS_KEPT]:
            old.unlink()


def _and_list(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
