"""Adding rows to the shared Google Sheet: validated first, appended once, never a formula.

The write path: :func:`prepare` checks a new row with the same schema as every read (and the
references against the loaded workbook) and gives it an id; :func:`append` writes it with
``values:append`` (``RAW``, ``INSERT_ROWS``) in the column order of the tab's real header. After a
timeout or a 5xx, the writer looks for the row's id before trying again, so a retry never
duplicates a row and a failure never drops one silently: the caller gets success, or a
:class:`WriteFailed` holding the row.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import requests

from data_schemas import TABS, name_key
from learnloop.errors import SourceError
from learnloop.sources import sheets
from learnloop.validate import HEADER_SEARCH_ROWS, validate_tab
from learnloop.workbook import Workbook

# Longest wait for a timed-out append to land before the id column is read again.
SETTLE_CAP_SECONDS = 30.0
ID_PREFIXES = {"themes": "T", "sources": "S", "critiques": "C", "commitments": "K", "decisions": "D"}


class WriteRefused(ValueError):
    """The new row is not valid; nothing was written. ``problems`` maps each column to its message."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__("; ".join(f"{column}: {message}" for column, message in problems.items()))
        self.problems = dict(problems)


class WriteFailed(SourceError):
    """The row could not be written (or confirmed written). ``row`` is the row still in hand."""

    def __init__(self, message: str, row: Mapping[str, Any]) -> None:
        super().__init__(message)
        self.row = dict(row)


@dataclass(frozen=True)
class Appended:
    tab: str
    id: str
    row: dict[str, str]
    attempts: int
    #: True when a retry found the row already written by an attempt whose answer was lost.
    confirmed_by_reread: bool = False


def new_id(tab: str) -> str:
    """An id no one else will generate: the tab's letter, the date and a random part."""
    return f"{ID_PREFIXES[tab]}-{dt.date.today():%y%m%d}-{uuid.uuid4().hex[:6]}"


def cell_text(value: Any) -> str:
    """How a form value is written: dates as ISO, lists comma-separated, blanks empty."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, dt.datetime | dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, list | tuple | set):
        return ", ".join(str(v) for v in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def prepare(tab: str, values: Mapping[str, Any], wb: Workbook | None = None) -> dict[str, str]:
    """The row to write, as text by column, with an id; raises :class:`WriteRefused` when invalid."""
    model = TABS[tab].model
    columns = list(model.columns())
    row = {column: cell_text(values.get(column)) for column in columns}
    id_column = model._id_column
    if id_column and not row[id_column]:
        row[id_column] = new_id(tab)

    options = wb.options if wb is not None else None
    result = validate_tab(tab, [columns, [row[c] for c in columns]], **({"options": options} if options else {}))
    problems = {issue.column or "": issue.message for issue in result.issues if issue.severity in ("error", "warning")}
    if wb is not None:
        problems.update(_reference_problems(tab, row, wb))
        if id_column and row[id_column] in set(wb.tables[tab][id_column].dropna()):
            problems[id_column] = f"'{row[id_column]}' is already used. Pick another {id_column}."
    if problems:
        raise WriteRefused(problems)
    return row


def _reference_problems(tab: str, row: Mapping[str, str], wb: Workbook) -> dict[str, str]:
    problems = {}
    for column, meta in TABS[tab].model.columns().items():
        target = meta["refers_to"]
        if not target or not row.get(column):
            continue
        target_id = TABS[target].model._id_column
        known = set(wb.tables[target][target_id].dropna())
        wanted = [item.strip() for item in row[column].split(",")] if meta["kind"] == "id_list" else [row[column]]
        unknown = [item for item in wanted if item and item not in known]
        if unknown:
            problems[column] = f"'{', '.join(unknown)}' is not a {target_id} in the {target} tab. Pick one listed there."
    return problems


def append(reader: sheets.SheetReader, key: str, tab: str, row: Mapping[str, str], *,
           look_first: bool = False) -> Appended:
    """Append ``row`` (from :func:`prepare`) to the sheet's ``tab`` exactly once.

    ``look_first`` is for sending a row again after a :class:`WriteFailed`: an earlier try may
    have landed late, so the id column is read before anything is written.
    """
    try:  # success or WriteFailed: a failed look at the sheet must not lose the row either
        meta = reader.metadata(key)
        title = meta.contract_tabs().get(tab)
        if title is None:
            raise WriteFailed(f"The sheet has no {tab} tab. Run `learnloop init-sheet` to add it.", row)
        header_row, header = _header(reader, key, tab, title)
    except sheets.SheetError as exc:
        raise WriteFailed(f"{exc} Your entry was not added.", row) from None
    client, access = reader.client, reader.access
    policy = reader.policy
    cells = _in_header_order(tab, header, row)
    id_column = TABS[tab].model._id_column
    row_id = row.get(id_column, "") if id_column else ""
    body = {"values": [cells], "majorDimension": "ROWS"}
    params = {"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"}
    if look_first and row_id:
        try:
            if _id_present(reader, key, title, header, id_column, row_id):  # type: ignore[arg-type]
                return Appended(tab, row_id, dict(row), 0, confirmed_by_reread=True)
        except sheets.SheetError as exc:
            raise WriteFailed(f"{exc} Your entry was not added.", row) from None

    deadline = time.monotonic() + policy.max_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            # Anchored at the header row: Google appends below the table that holds it, starting in column A.
            client.http_client.values_append(key, f"{sheets.quote_range(title)}!A{header_row}", params=dict(params),
                                             body=body)
            return Appended(tab, row_id, dict(row), attempt)
        except Exception as exc:  # decide below whether the row may have landed
            failure = exc
        transient = sheets.is_transient(failure)
        if not transient:
            raise WriteFailed(str(sheets.explain(failure, access, key, writing=True)), row) from None
        # The append may have landed even though its answer was lost: look before writing again.
        if isinstance(failure, requests.exceptions.Timeout | requests.exceptions.ConnectionError):
            # A request the client gave up on may still be carried out: give it twice as long as
            # its answer was given before looking, so a late write is seen and not repeated.
            time.sleep(min(SETTLE_CAP_SECONDS, 2 * access.timeout[1]))
        if row_id:
            try:
                if _id_present(reader, key, title, header, id_column, row_id):  # type: ignore[arg-type]
                    return Appended(tab, row_id, dict(row), attempt, confirmed_by_reread=True)
            except sheets.SheetError:
                pass  # could not check: only retry while there is time, the re-read runs again next time
        if attempt >= policy.max_attempts or time.monotonic() >= deadline:
            raise WriteFailed(f"Could not add the row to {title} after {attempt} tries "
                              f"({sheets.explain(failure, access, key, writing=True)}). Nothing was lost: "
                              f"your entry is still here; try again.", row)
        time.sleep(min(policy.max_wait, policy.first_wait * 2 ** (attempt - 1)) * (0.5 + _jitter()))


def _jitter() -> float:
    return uuid.uuid4().int % 1000 / 1000


def _header(reader: sheets.SheetReader, key: str, tab: str, title: str) -> tuple[int, list[str]]:
    """The tab's header row (1-based) and labels, found as the reader finds it: below any title rows."""
    # The whole tab: a bounded range such as 1:10 is refused when the tab's grid is smaller.
    body = sheets.call(lambda: reader.client.http_client.values_get(
        key, sheets.quote_range(title), params={"valueRenderOption": "UNFORMATTED_VALUE"}),
        access=reader.access, key=key, policy=reader.policy, writing=True)
    rows = body.get("values", [])[:HEADER_SEARCH_ROWS]
    keys = {name_key(column) for column in TABS[tab].model.columns()}
    hits = [sum(isinstance(cell, str) and name_key(cell) in keys for cell in line) for line in rows]
    at = hits.index(max(hits)) if hits and max(hits) else 0  # the first row naming the most columns
    return at + 1, [str(cell) for cell in (rows[at] if rows else [])]


def _in_header_order(tab: str, header: list[str], row: Mapping[str, str]) -> list[str]:
    """The row's cells in the order of the sheet's real header (which people reorder and rename)."""
    by_key = {name_key(column): column for column in TABS[tab].model.columns()}
    if not any(name_key(label) in by_key for label in header):
        raise WriteFailed(f"The {tab} tab has no header row Learning Loop recognises. Run `learnloop init-sheet`.",
                          row)
    missing = [c for c in TABS[tab].model.required_columns() if name_key(c) not in {name_key(h) for h in header}]
    if missing:
        raise WriteFailed(f"The {tab} tab has no {', '.join(missing)} column; add it to the header row first.", row)
    cells = [row.get(by_key.get(name_key(label), ""), "") for label in header]
    while cells and cells[-1] == "":
        cells.pop()
    return cells


def _id_present(reader: sheets.SheetReader, key: str, title: str, header: list[str], id_column: str,
                row_id: str) -> bool:
    position = next(i for i, label in enumerate(header) if name_key(label) == name_key(id_column))
    letter = _column_letter(position)
    body = sheets.call(lambda: reader.client.http_client.values_get(
        key, f"{sheets.quote_range(title)}!{letter}:{letter}", params={"valueRenderOption": "UNFORMATTED_VALUE"}),
        access=reader.access, key=key, policy=reader.policy, writing=True)
    return any(cells and str(cells[0]) == row_id for cells in body.get("values", []))


def _column_letter(position: int) -> str:
    letters = ""
    position += 1
    while position:
        position, remainder = divmod(position - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def init_sheet(reader: sheets.SheetReader, key: str) -> list[str]:
    """Add the missing contract tabs, with header rows, to an existing spreadsheet.

    A tab that already exists is given a header only when it is completely empty; a tab with data
    is never touched. Running it again changes nothing. Returns what was done, one line each.
    """
    meta = reader.metadata(key, fresh=True)
    done: list[str] = []
    missing = [tab for tab in TABS if tab not in meta.contract_tabs()]
    if missing:
        requests = [{"addSheet": {"properties": {"title": tab}}} for tab in missing]
        sheets.call(lambda: reader.client.http_client.batch_update(key, {"requests": requests}),
                    access=reader.access, key=key, policy=reader.policy, writing=True)
        done += [f"added tab {tab}" for tab in missing]
        meta = reader.metadata(key, fresh=True)
    for tab, title in meta.contract_tabs().items():
        # The whole tab: a bounded range such as A1:Z5 is refused when the tab's grid is smaller.
        body = sheets.call(lambda title=title: reader.client.http_client.values_get(
            key, sheets.quote_range(title)), access=reader.access, key=key, policy=reader.policy,
            writing=True)
        if body.get("values"):
            continue
        header = list(TABS[tab].model.columns())
        sheets.call(lambda title=title, header=header: reader.client.http_client.values_append(
            key, f"{sheets.quote_range(title)}!A1", params={"valueInputOption": "RAW", "insertDataOption": "INSERT_ROWS"},
            body={"values": [header]}), access=reader.access, key=key, policy=reader.policy, writing=True)
        done.append(f"wrote the header row of {title}")
    return done
