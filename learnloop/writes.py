"""Adding rows to the team's workbook: validated first, typed, written exactly once, never a formula.

The write path: :func:`prepare` (:mod:`learnloop.entries`) checks a new row with the same schema as
every read and types it; :func:`add_row` writes it to the chosen source: a workbook on disk
(:mod:`learnloop.local_writes`) or a Google Sheet (:func:`append`).

A Google Sheet gets the row in one ``batchUpdate`` ``appendCells`` request, after the tab's last row,
in the order of its real header, as typed cells: text as text (never parsed, never run as a formula),
numbers as numbers, dates as date cells (a serial number with a date format: they sort and filter as
dates). After a timeout or a 5xx the writer reads the tab before trying again, so a retry never
duplicates a row and a failure never drops one silently: the caller gets success, or a
:class:`WriteFailed` holding the row, with its id, to send again.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from data_schemas import TABS
from learnloop import entries, load
from learnloop.entries import Appended, Value, derived_id, next_id, prepare
from learnloop.errors import WriteFailed, WriteRefused
from learnloop.settings import Settings
from learnloop.sources import sheets

__all__ = ["Appended", "WriteFailed", "WriteRefused", "add_row", "append", "init_sheet", "next_id", "prepare",
           "write_access_problem"]

# Longest wait for a timed-out append to land before the tab is read again.
SETTLE_CAP_SECONDS = 30.0
#: What an appendCells request sets on each cell: its typed value, and the date format of a date.
APPEND_FIELDS = "userEnteredValue,userEnteredFormat.numberFormat"
DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
DEMO_READ_ONLY = ("The demo workbook is built in and read-only. To try adding rows, write a copy of it and open "
                  "the app on the copy: `learnloop demo my-team.xlsx`, then `LEARNLOOP_SOURCE=my-team.xlsx make run`.")
_SERIAL_EPOCH = dt.date(1899, 12, 30)


def write_access_problem(source: str, config: Settings) -> str | None:
    """Why rows cannot be added to ``source`` with this configuration, and what to do; None when they can.

    Checked before anyone types: the demo is built in; an API key can only read; an .xlsx holding
    what Learning Loop's Excel writer would drop is never saved over.
    """
    if source == load.DEMO:
        return DEMO_READ_ONLY
    if load.is_sheet(source):
        return None if config.service_account else sheets.write_access_needed(bool(config.api_key))
    from learnloop import local_writes

    return local_writes.refusal(Path(source).expanduser())


def add_row(source: str, tab: str, row: Mapping[str, Value], *, reader: sheets.SheetReader | None = None,
            look_first: bool = False) -> Appended:
    """Write ``row`` (from :func:`prepare`) to ``source``'s ``tab``: a Google Sheet (with ``reader``),
    an .xlsx file or a CSV folder. ``look_first`` is for sending a row again after a
    :class:`WriteFailed` from a Google Sheet (see :func:`append`)."""
    if source == load.DEMO:
        raise WriteFailed(DEMO_READ_ONLY, row)
    if load.is_sheet(source):
        if reader is None:
            raise WriteFailed(sheets.write_access_needed(False), row)
        return append(reader, sheets.sheet_key(source) or source, tab, row, look_first=look_first)
    from learnloop import local_writes

    return local_writes.append(Path(source).expanduser(), tab, row)


def append(reader: sheets.SheetReader, key: str, tab: str, row: Mapping[str, Value], *,
           look_first: bool = False) -> Appended:
    """Append ``row`` (from :func:`prepare`) to the sheet's ``tab`` exactly once.

    A blank id becomes the tab's next one, read just before writing. ``look_first`` is for sending a
    row again after a :class:`WriteFailed`: an earlier try may have landed late, so the tab is read
    before anything is written.
    """
    if not reader.access.service_account:
        raise WriteFailed(sheets.write_access_needed(bool(reader.access.api_key)), row)
    try:  # success or WriteFailed: a failed look at the sheet must not lose the row either
        meta = reader.metadata(key)
        title = meta.contract_tabs().get(tab)
        if title is None:
            raise WriteFailed(f"The sheet has no {tab} tab. Run `learnloop init-sheet` to add it.", row)
        rows = _tab_values(reader, key, title)
    except sheets.SheetError as exc:
        raise WriteFailed(f"{exc} Your entry was not added.", row) from None
    header = entries.find_header(rows, tab)
    access, policy = reader.access, reader.policy

    def written(attempts: int, row: Mapping[str, Value], cells: list[Value], *, reread: bool,
                row_number: int | None = None) -> Appended:
        if row_number is None:
            try:  # best effort: the row is written whatever this read says
                row_number = next(iter(reversed(_rows_holding(_tab_values(reader, key, title), header, cells))), None)
            except sheets.SheetError:
                row_number = None
        row_id = str(row.get(entries.id_column(tab) or "", "")) or derived_id(tab, row_number)
        link = sheets.edit_url(key, meta.gids[title], f"A{row_number}") if row_number else None
        return Appended(tab, row_id, dict(row), attempts, confirmed_by_reread=reread, row_number=row_number,
                        title=title, link=link, workbook=meta.title)

    if look_first:
        found = _rows_holding(rows, header, entries.layout(tab, header, row))
        if found:
            return written(0, row, [], reread=True, row_number=found[-1])
    row = entries.with_id(tab, row, rows, header)
    cells = entries.layout(tab, header, row)
    already = len(_rows_holding(rows, header, cells))  # identical rows before this one (a tab without ids)
    body = {"requests": [{"appendCells": {"sheetId": meta.gids[title], "fields": APPEND_FIELDS,
                                          "rows": [{"values": [_cell_data(value) for value in cells]}]}}]}

    deadline = time.monotonic() + policy.max_seconds
    attempt = 0
    while True:
        attempt += 1
        try:
            reader.client.http_client.batch_update(key, body)
            return written(attempt, row, cells, reread=False)
        except Exception as exc:  # decide below whether the row may have landed
            failure = exc
        if not sheets.is_transient(failure):
            raise WriteFailed(str(sheets.explain(failure, access, key, writing=True)), row) from None
        # The append may have landed even though its answer was lost: look before writing again.
        if isinstance(failure, requests.exceptions.Timeout | requests.exceptions.ConnectionError):
            # A request the client gave up on may still be carried out: give it twice as long as
            # its answer was given before looking, so a late write is seen and not repeated.
            time.sleep(min(SETTLE_CAP_SECONDS, 2 * access.timeout[1]))
        try:
            found = _rows_holding(_tab_values(reader, key, title), header, cells)
            if len(found) > already:
                return written(attempt, row, cells, reread=True, row_number=found[-1])
        except sheets.SheetError:
            pass  # could not check: only retry while there is time, the look runs again next time
        if attempt >= policy.max_attempts or time.monotonic() >= deadline:
            raise WriteFailed(f"Could not add the row to {title} after {attempt} tries "
                              f"({sheets.explain(failure, access, key, writing=True)}). Nothing was lost: "
                              f"your entry is still here; try again.", row)
        time.sleep(min(policy.max_wait, policy.first_wait * 2 ** (attempt - 1)) * (0.5 + _jitter()))


def _jitter() -> float:
    return uuid.uuid4().int % 1000 / 1000


def _cell_data(value: Value) -> dict[str, Any]:
    """One typed cell of an appendCells request (an empty object is a blank cell)."""
    if value == "" or value is None:
        return {}
    if isinstance(value, dt.date):
        serial = (value - _SERIAL_EPOCH).days
        return {"userEnteredValue": {"numberValue": serial}, "userEnteredFormat": {"numberFormat": DATE_FORMAT}}
    if isinstance(value, int | float) and not isinstance(value, bool):
        return {"userEnteredValue": {"numberValue": value}}
    return {"userEnteredValue": {"stringValue": str(value)}}


def _tab_values(reader: sheets.SheetReader, key: str, title: str) -> list[list[Any]]:
    """The whole tab as stored (numbers as numbers, dates as serial numbers), from A1."""
    # The whole tab: a bounded range such as 1:10 is refused when the tab's grid is smaller.
    body = sheets.call(lambda: reader.client.http_client.values_get(
        key, sheets.quote_range(title), params={"valueRenderOption": "UNFORMATTED_VALUE",
                                                "dateTimeRenderOption": "SERIAL_NUMBER"}),
        access=reader.access, key=key, policy=reader.policy, writing=True)
    return body.get("values", [])


def _rows_holding(rows: Sequence[Sequence[Any]], header: entries.Header, cells: Sequence[Value]) -> list[int]:
    """The sheet rows (1-based) below the header whose cells are exactly ``cells``, as stored."""
    wanted = _comparable(cells)
    return [number for number, line in enumerate(rows[header.at + 1:], start=header.at + 2)
            if _comparable(line) == wanted]


def _comparable(cells: Sequence[Any]) -> list[object]:
    """Cells as the sheet stores them: a date as its serial number, every number as a float."""
    out: list[object] = []
    for value in cells:
        if value is None or value == "":
            out.append("")
        elif isinstance(value, dt.date):
            out.append(float((value - _SERIAL_EPOCH).days))
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out.append(float(value))
        else:
            out.append(value if isinstance(value, bool) else str(value))
    while out and out[-1] == "":
        out.pop()
    return out


def init_sheet(reader: sheets.SheetReader, key: str) -> list[str]:
    """Add the missing contract tabs, with header rows, to an existing spreadsheet.

    A tab that already exists is given a header only when it is completely empty; a tab with data
    is never touched. Running it again changes nothing. Returns what was done, one line each.
    """
    if not reader.access.service_account:
        raise sheets.SheetError(sheets.write_access_needed(bool(reader.access.api_key)))
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
