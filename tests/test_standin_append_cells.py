"""The stand-in's ``batchUpdate`` ``appendCells``: typed cells after the last row with data, as Google does.

Learning Loop writes new rows this way (dates as date cells, text never parsed), so the stand-in
must keep what Google keeps: a string stays text whatever it starts with, a number with a DATE
format is a date cell, only the ``fields`` named are written, and the reply is the empty reply every
request without one gets (the recorded ``deleteSheet`` reply).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import gspread
import pytest

from tests.sheets_standin import Cell, SheetsStandin
from tests.test_standin_shapes import shape_diff

RECORDING = Path(__file__).parent / "sheets_standin" / "recordings" / "SpreadsheetTest.test_add_del_worksheet.json"
ISO_DATE = {"type": "DATE", "pattern": "yyyy-mm-dd"}


@pytest.fixture
def sid(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> str:
    key = sheets_standin.add_spreadsheet({"log": [["id", "when", "what", "score"], ["A-1", dt.date(2026, 1, 5), "x", 3]]})
    sheets_standin.share(key, standin_service_account["client_email"], "writer")
    return key


def append_cells(gc: gspread.Client, sid: str, rows: list[list[dict[str, Any]]], *, sheet_id: int = 0,
                 fields: str = "userEnteredValue,userEnteredFormat.numberFormat") -> Any:
    body = {"requests": [{"appendCells": {"sheetId": sheet_id, "fields": fields,
                                          "rows": [{"values": values} for values in rows]}}]}
    return gc.http_client.batch_update(sid, body)


def text(value: str) -> dict[str, Any]:
    return {"userEnteredValue": {"stringValue": value}}


def number(value: float, number_format: dict[str, str] | None = None) -> dict[str, Any]:
    cell: dict[str, Any] = {"userEnteredValue": {"numberValue": value}}
    if number_format:
        cell["userEnteredFormat"] = {"numberFormat": number_format}
    return cell


def test_the_reply_has_the_shape_of_a_recorded_request_without_a_reply(
    standin_gspread: gspread.Client, sid: str,
) -> None:
    recorded = next(item["response_body"] for item in json.loads(RECORDING.read_text(encoding="utf-8"))
                    if "deleteSheet" in json.dumps(item["request_body"]))
    reply = append_cells(standin_gspread, sid, [[text("A-2")]])
    assert shape_diff(recorded, reply) == []
    assert reply == {"spreadsheetId": sid, "replies": [{}]}


def test_typed_cells_are_stored_as_typed(sheets_standin: SheetsStandin, standin_gspread: gspread.Client,
                                         sid: str) -> None:
    append_cells(standin_gspread, sid, [[text("A-2"), number(46083, ISO_DATE), text("=1+1"), number(4)],
                                        [text("A-3"), number(46084, {"type": "DATE"}), text("'quoted"), {}]])
    assert sheets_standin.cells(sid, "log")[2:] == [
        [Cell("A-2"), Cell(dt.date(2026, 3, 2), number_format="date_iso"), Cell("=1+1"), Cell(4)],
        [Cell("A-3"), Cell(dt.date(2026, 3, 3), number_format="date_locale"), Cell("'quoted")],
    ]
    shown = standin_gspread.http_client.values_get(sid, "log!A3:D4")["values"]
    assert shown == [["A-2", "2026-03-02", "=1+1", "4"], ["A-3", "3/3/2026", "'quoted"]]
    formulas = standin_gspread.http_client.values_get(sid, "log!C3", params={"valueRenderOption": "FORMULA"})
    assert formulas["values"] == [["=1+1"]], "a string is never a formula"
    serials = standin_gspread.http_client.values_get(sid, "log!B3:B4", params={"valueRenderOption": "UNFORMATTED_VALUE"})
    assert serials["values"] == [[46083], [46084]]


def test_rows_go_after_the_last_row_with_data_from_column_a(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sid: str,
) -> None:
    sheets_standin.set_cell(sid, "log", 5, 2, "a note further down")  # row 6, column C, apart from the table
    append_cells(standin_gspread, sid, [[text("A-2")]])
    assert sheets_standin.values(sid, "log")[5:] == [[None, None, "a note further down"], ["A-2"]]


def test_only_the_fields_named_are_written(sheets_standin: SheetsStandin, standin_gspread: gspread.Client,
                                           sid: str) -> None:
    before = sheets_standin.values(sid, "log")
    append_cells(standin_gspread, sid, [[text("A-2")]], fields="userEnteredFormat.numberFormat")
    assert sheets_standin.values(sid, "log") == before
    append_cells(standin_gspread, sid, [[text("A-2"), number(46083, ISO_DATE)]], fields="userEnteredValue")
    assert sheets_standin.cells(sid, "log")[-1] == [Cell("A-2"), Cell(46083)], "no format: a plain number"


@pytest.mark.parametrize(("request_body", "message"), [
    ({"sheetId": 999, "fields": "*", "rows": []}, "No grid with id: 999"),
    ({"sheetId": 0, "rows": [{"values": [text("A-2")]}]}, "At least one field must be specified"),
    ({"sheetId": 0, "fields": "*", "rows": [{"values": [{"userEnteredValue": {"numberValue": 1, "stringValue": "x"}}]}]},
     "exactly one of"),
])
def test_a_bad_request_is_refused_and_changes_nothing(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sid: str, request_body: dict[str, Any],
    message: str,
) -> None:
    before = sheets_standin.values(sid, "log")
    with pytest.raises(gspread.exceptions.APIError) as refused:
        # A good request first: batchUpdate is all or nothing, so it is not applied either.
        standin_gspread.http_client.batch_update(sid, {"requests": [
            {"appendCells": {"sheetId": 0, "fields": "*", "rows": [{"values": [text("A-9")]}]}},
            {"appendCells": request_body}]})
    assert refused.value.response.status_code == 400 and message in str(refused.value)
    assert sheets_standin.values(sid, "log") == before


def test_an_api_key_cannot_append_cells(sheets_standin: SheetsStandin, sid: str) -> None:
    from tests.sheets_standin import gspread_api_key_client

    sheets_standin.set_public(sid)
    client = gspread_api_key_client(sheets_standin, sheets_standin.add_api_key())
    with pytest.raises(gspread.exceptions.APIError) as refused:
        append_cells(client, sid, [[text("A-2")]])
    assert refused.value.response.status_code == 401
