"""A new row for one tab, ready for any writer (a Google Sheet, an .xlsx file, a CSV folder).

:func:`prepare` checks the row with the rules every read uses (and its references against the
loaded workbook) and types it: dates as dates, numbers as numbers, choices and lists in the
workbook's own words, everything else as text. A blank id stays blank: the writer gives it the
tab's next id (:func:`next_id`) from the tab as it is when the row is written (a file's writer holds
its lock meanwhile, so two people adding rows at once never take the same one). :func:`find_header` and :func:`layout` put a row's cells in
the order of a tab's own header, found as the reader finds it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from data_schemas import TABS, ParseOptions
from data_schemas.base import LIST_KINDS
from learnloop.errors import WriteFailed, WriteRefused
from learnloop.safe import quoted
from learnloop.validate import _find_header, _map_header, validate_tab
from learnloop.workbook import Workbook

#: A cell as it is written: text, a number or a date; "" is a blank cell.
Value = str | int | float | dt.date
#: The letter of each tab's ids, for a tab that has no numbered id yet (the workbook format's C-001).
ID_PREFIXES = {"themes": "T", "sources": "S", "critiques": "C", "commitments": "K", "decisions": "D"}
_NUMBERED_ID = re.compile(r"^(.*?)(\d+)$")
# What the validator says a row's problem does to the rows it reads; a new row is simply not written.
_READ_CONSEQUENCES = (" The row is left out until this is fixed.",
                      " The value is left out; the rest of the row is kept.",
                      " The unknown items are left out; the rest of the row is kept.")


def id_column(tab: str) -> str | None:
    return TABS[tab].model._id_column


def next_id(tab: str, existing: Iterable[object]) -> str:
    """The id after the highest of the tab's own pattern: after ``C-013``, ``C-014``; after ``C-099``,
    ``C-100``. The pattern is the prefix most numbered ids share (``C-``, ``CRIT-2026-``), its number
    as wide as the widest of them; a tab with no numbered id starts the workbook format's own, ``C-001``."""
    numbers: dict[str, list[tuple[int, int]]] = {}
    for value in existing:
        found = _NUMBERED_ID.match("" if value is None else str(value).strip())
        if found:
            numbers.setdefault(found[1], []).append((int(found[2]), len(found[2])))
    if not numbers:
        return f"{ID_PREFIXES[tab]}-001"
    prefix = max(numbers, key=lambda p: (len(numbers[p]), max(numbers[p])))
    highest = max(number for number, _ in numbers[prefix])
    width = max(width for _, width in numbers[prefix])
    return f"{prefix}{highest + 1:0{width}d}"


def typed_ids(wb: Workbook, tab: str, sheet: str | None = None) -> list[str]:
    """The ids typed in ``tab`` (of ``sheet`` only, in a roll-up), rows left out for errors included;
    ids the reader made from a row number (``C-r7``) are not typed, so they are not counted."""
    column = id_column(tab)
    if column is None:
        return []
    frames = [wb.tables[tab], wb.quarantined[tab]]
    ids: list[str] = []
    for frame in frames:
        if column not in frame:
            continue
        if sheet is not None and "sheet" in frame:
            frame = frame[frame["sheet"].astype(str) == sheet]
        ids += [str(value) for value in frame[column].dropna()]
    derived = TABS[tab].model._derived_id_prefix
    made = re.compile(rf"^{re.escape(derived)}-r\d+$") if derived else None
    return [value for value in ids if not (made and made.match(value))]


def cell_text(value: Any) -> str:
    """How a typed value is checked: dates as ISO, lists comma-separated, blanks empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v).strip() for v in value if str(v).strip())
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def prepare(tab: str, values: Mapping[str, Any], wb: Workbook | None = None, *,
            sheet: str | None = None) -> dict[str, Value]:
    """The row to write, typed by column (see the module docstring); raises :class:`WriteRefused`
    with a message per column when it is not valid. ``sheet`` is the sheet of a roll-up the row is
    for: its ids and references are checked against that sheet's rows only."""
    declared = TABS[tab].model.columns()
    typed_in = {column: cell_text(values.get(column)) for column in declared}
    own_id = id_column(tab)
    generated = bool(own_id) and not typed_in[own_id or ""]
    checked = dict(typed_in)
    if own_id and generated:  # checked as the id it will get (a required id must not be blank)
        checked[own_id] = next_id(tab, typed_ids(wb, tab, sheet) if wb is not None else ())
    options = wb.options if wb is not None else ParseOptions()
    result = validate_tab(tab, [list(declared), [checked[column] for column in declared]], options=options)
    problems = {issue.column or "": plain(issue.message) for issue in result.issues
                if issue.severity in ("error", "warning")}
    if wb is not None:
        problems.update(_reference_problems(tab, checked, wb, sheet))
        if own_id and not generated and typed_in[own_id] in set(typed_ids(wb, tab, sheet)):
            problems[own_id] = (f"{quoted(typed_in[own_id])} is already used in the {tab} tab. Leave {own_id} blank "
                                f"for the next one, or pick another.")
    if problems:
        raise WriteRefused(problems)
    parsed = result.kept.iloc[0]
    return {column: "" if not typed_in[column] or (column == own_id and generated)
            else _as_cell(parsed[column], meta) for column, meta in declared.items()}


def plain(message: str) -> str:
    """A validator's message about a new row: what the reader would do with a saved row is left off."""
    for consequence in _READ_CONSEQUENCES:
        message = message.replace(consequence, "")
    return message


def _as_cell(value: Any, meta: Mapping[str, Any]) -> Value:
    """A parsed value as it is written: the schema's own reading, so what is written reads back the same."""
    kind = meta["kind"]
    if kind in LIST_KINDS:
        return ", ".join(str(item) for item in value)
    if kind == "date":
        return pd.Timestamp(value).date()
    if kind == "number":
        number = float(value)
        return int(number) if number.is_integer() else number
    return str(value)


def _reference_problems(tab: str, row: Mapping[str, str], wb: Workbook, sheet: str | None) -> dict[str, str]:
    problems = {}
    for column, meta in TABS[tab].model.columns().items():
        target = meta["refers_to"]
        if not target or not row.get(column):
            continue
        target_id = TABS[target].model._id_column
        frame = wb.tables[target]
        if sheet is not None:
            frame = frame[frame["sheet"].astype(str) == sheet]
        known = set(frame[target_id].dropna().astype(str))
        wanted = [item.strip() for item in row[column].split(",")] if meta["kind"] == "id_list" else [row[column]]
        unknown = [item for item in wanted if item and item not in known]
        if unknown:
            problems[column] = (f"{quoted(', '.join(unknown))} is not a {target_id} in the {target} tab. Pick one "
                                f"listed there, or add it to the {target} tab first.")
    return problems


@dataclass(frozen=True)
class Appended:
    """A row written: to which tab (its canonical name, and its title in the workbook), with which id,
    on which row as the sheet numbers it (None when that could not be read back), and a link to it
    where the workbook has one (Google Sheets)."""

    tab: str
    id: str
    row: dict[str, Any]
    attempts: int
    #: True when a retry found the row already written by an attempt whose answer was lost.
    confirmed_by_reread: bool = False
    row_number: int | None = None
    title: str | None = None
    link: str | None = None
    #: The workbook written to, as a person names it ("team.xlsx", the sheet's title).
    workbook: str = ""


def derived_id(tab: str, row_number: int | None) -> str:
    """The id a row is known by when its tab has no id column: its row number, as the reader derives it."""
    prefix = TABS[tab].model._derived_id_prefix
    return f"{prefix}-r{row_number}" if prefix and row_number else ""


# ----------------------------------------------------------------------------- layout ---


@dataclass(frozen=True)
class Header:
    """Where a tab's header row is (0-based, among the rows read) and each known column's position
    in it (the first of two columns with one name, as the reader reads it)."""

    at: int
    positions: dict[str, int]


def find_header(rows: Sequence[Sequence[Any]], tab: str) -> Header:
    """The tab's header as the reader finds it (with the reader's own functions): the first of the
    first rows naming the most columns."""
    declared = TABS[tab].model.columns()
    at = _find_header(rows, declared)
    positions, _ = _map_header(pd.Series(rows[at] if rows else [], dtype="object"), declared)
    return Header(at, positions)


def with_id(tab: str, row: Mapping[str, Value], rows: Sequence[Sequence[Any]], header: Header) -> dict[str, Value]:
    """``row`` with its id: a blank one becomes the tab's next id as the tab is now (``rows``, read
    just before writing); a typed one must not be in the tab already (:class:`WriteRefused`). A tab
    without an id column gets none: its rows are known by their row number."""
    column = id_column(tab)
    position = header.positions.get(column or "")
    if column is None or position is None:
        return dict(row)
    existing = [line[position] for line in rows[header.at + 1:] if len(line) > position
                and line[position] not in (None, "")]
    if not row.get(column):
        return {**row, column: next_id(tab, existing)}
    if str(row[column]) in {str(value).strip() for value in existing}:
        raise WriteRefused({column: f"{quoted(row[column])} is already used in the {tab} tab (someone added it "
                                    f"since this page was read). Leave {column} blank for the next one."})
    return dict(row)


def layout(tab: str, header: Header, row: Mapping[str, Value]) -> list[Value]:
    """The row's cells in the order of the tab's own header (which people reorder and rename), blank
    where the header has a column the row leaves empty; trailing blanks dropped.

    A header that names none of the tab's columns, or lacks a required one, fails the write with what
    to do; a value for a column the header does not have is refused on that field, never dropped.
    """
    if not header.positions:
        raise WriteFailed(f"The {tab} tab has no header row Learning Loop recognises. Add one (`learnloop "
                          f"init-sheet` does, for a Google Sheet): {', '.join(TABS[tab].model.columns())}.", row)
    missing = [column for column in TABS[tab].model.required_columns() if column not in header.positions]
    if missing:
        raise WriteFailed(f"The {tab} tab has no {', '.join(missing)} column; add it to the header row first.", row)
    unplaced = {column: f"The {tab} tab has no {column} column. Add the column to its header row, or leave "
                        f"{column} blank." for column, value in row.items()
                if value != "" and column not in header.positions and column != id_column(tab)}
    if unplaced:
        raise WriteRefused(unplaced)
    cells: list[Value] = [""] * (max(header.positions.values()) + 1)
    for column, position in header.positions.items():
        cells[position] = row.get(column, "")
    while cells and cells[-1] == "":
        cells.pop()
    return cells
