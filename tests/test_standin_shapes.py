"""The Sheets stand-in answers exactly as Google did in the recorded sessions.

Each recording (``tests/sheets_standin/recordings/*.json``, real Sheets API v4 traffic from
gspread's test cassettes) is replayed request by request against a fresh stand-in that starts in
the state Google's spreadsheet started in: same id, same title, one empty ``Sheet1``. Every
response must have the recorded status, the recorded shape (keys and JSON types, recursively) and
the recorded values. The only thing translated is the random ``sheetId`` Google gave to added
sheets, mapped to the one the stand-in gave.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.sheets_standin import SheetsStandin, StandinAuthorizedSession, service_account_credentials

pytest_plugins = ["tests.sheets_standin.pytest_plugin"]

RECORDINGS = Path(__file__).parent / "sheets_standin" / "recordings"

# Which recordings exercise which family of calls. Every recording must be listed somewhere
# (test_every_recording_is_replayed), so a new recording cannot be silently ignored.
FAMILIES: dict[str, list[str]] = {
    "metadata": [
        "ClientTest.test_open_by_key_has_metadata",
        "SpreadsheetTest.test_worksheets",
    ],
    "values_get": [
        "SpreadsheetTest.test_values_get",
        "WorksheetTest.test_get_values_returns_padded_get_as_listoflists",
        "WorksheetTest.test_get_all_records_with_blank_final_headers",
        "WorksheetTest.test_get_all_records_with_all_values_blank",
        "WorksheetTest.test_update_cell_unicode",
    ],
    "batch_get": [
        "SpreadsheetTest.test_values_batch_get",
        "WorksheetTest.test_batch_get",
    ],
    "render_options": [
        "WorksheetTest.test_get_all_records_value_render_options",
        "WorksheetTest.test_get_all_records_numericise_unformatted",
        "WorksheetTest.test_get_all_values_date_time_render_options",
    ],
    "append": [
        "WorksheetTest.test_append_row",
        "WorksheetTest.test_append_row_with_empty_value",
        "WorksheetTest.test_append_row_with_empty_value_and_table_range",
    ],
    "batch_update": ["SpreadsheetTest.test_add_del_worksheet"],
    "not_found": ["ClientTest.test_access_non_existing_spreadsheet"],
    "permission_denied": ["ClientTest.test_access_private_spreadsheet"],
    "non_json": ["SpreadsheetTest.test_bad_json_api_error"],
}


def load(name: str) -> list[dict[str, Any]]:
    return json.loads((RECORDINGS / f"{name}.json").read_text(encoding="utf-8"))


# ------------------------------------------------------------------------ shape comparison ---


def json_type(value: object) -> str:
    """JSON types, keeping int and float apart: Google sends 43831 for a date, 1.5 for 3/2."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def shape_diff(expected: object, actual: object, path: str = "$") -> list[str]:
    """Where ``actual`` differs from ``expected`` in keys or JSON types (values are not compared).

    Array elements are compared pairwise; a length difference is reported too.
    """
    if json_type(expected) != json_type(actual):
        return [f"{path}: expected {json_type(expected)}, got {json_type(actual)}"]
    diffs: list[str] = []
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in sorted(expected.keys() - actual.keys()):
            diffs.append(f"{path}.{key}: missing")
        for key in sorted(actual.keys() - expected.keys()):
            diffs.append(f"{path}.{key}: unexpected key")
        for key in sorted(expected.keys() & actual.keys()):
            diffs.extend(shape_diff(expected[key], actual[key], f"{path}.{key}"))
    elif isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            diffs.append(f"{path}: expected {len(expected)} items, got {len(actual)}")
        for i, (e, a) in enumerate(zip(expected, actual, strict=False)):
            diffs.extend(shape_diff(e, a, f"{path}[{i}]"))
    return diffs


def test_shape_diff_reports_missing_extra_and_retyped_keys() -> None:
    expected = {"range": "Sheet1!A1:B2", "values": [[1, "a"]], "majorDimension": "ROWS"}
    assert shape_diff(expected, json.loads(json.dumps(expected))) == []
    assert shape_diff(expected, {"range": "x", "values": [[1, "a"]]}) == ["$.majorDimension: missing"]
    assert shape_diff(expected, {**expected, "extra": 1}) == ["$.extra: unexpected key"]
    assert shape_diff(expected, {**expected, "values": [["1", "a"]]}) == ["$.values[0][0]: expected integer, got string"]
    assert shape_diff(expected, {**expected, "values": [[1.0, "a"]]}) == ["$.values[0][0]: expected integer, got float"]
    assert shape_diff([1], [1, 2]) == ["$: expected 1 items, got 2"]


# ---------------------------------------------------------------------------------- replay ---


@dataclass
class Replay:
    """The outcome of replaying one recording: every mismatch, and what was sent."""

    mismatches: list[str] = field(default_factory=list)
    responses: list[requests.Response] = field(default_factory=list)
    sheet_ids: dict[int, int] = field(default_factory=dict)  # recorded sheetId -> stand-in sheetId


def _spreadsheet_id(path: str) -> str:
    return path.removeprefix("/v4/spreadsheets/").split("/")[0].split(":")[0]


def _map_sheet_ids(value: Any, mapping: dict[int, int]) -> Any:
    if isinstance(value, dict):
        return {
            k: mapping.get(v, v) if k == "sheetId" and isinstance(v, int) else _map_sheet_ids(v, mapping)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_map_sheet_ids(v, mapping) for v in value]
    return value


def _learn_added_sheet_ids(recorded: Any, actual: Any, mapping: dict[int, int]) -> None:
    """Pair the sheetIds Google and the stand-in gave to the same addSheet requests."""
    if not (isinstance(recorded, dict) and isinstance(actual, dict)):
        return
    for rec, act in zip(recorded.get("replies", []), actual.get("replies", []), strict=False):
        rec_props = (rec.get("addSheet") or {}).get("properties") or {}
        act_props = (act.get("addSheet") or {}).get("properties") or {}
        if "sheetId" in rec_props and "sheetId" in act_props:
            mapping[rec_props["sheetId"]] = act_props["sheetId"]


def prepare(standin: SheetsStandin, interactions: list[dict[str, Any]], client_email: str) -> None:
    """Recreate each recorded spreadsheet as Google had it when the recording began."""
    seen: set[str] = set()
    for item in interactions:
        sid = _spreadsheet_id(item["path"])
        if sid in seen:
            continue
        seen.add(sid)
        if item["status"] == 404:
            continue  # never existed
        title = "Untitled spreadsheet"
        if isinstance(item["response_body"], dict):
            title = item["response_body"].get("properties", {}).get("title", title)
        standin.add_spreadsheet({"Sheet1": []}, title=title, spreadsheet_id=sid)
        if item["status"] != 403:  # 403: it exists, but was never shared with the caller
            standin.share(sid, client_email, "writer")


def replay(standin: SheetsStandin, account: dict[str, str], name: str) -> Replay:
    interactions = load(name)
    prepare(standin, interactions, account["client_email"])
    session = StandinAuthorizedSession(service_account_credentials(account), standin.base_url)
    result = Replay()
    for n, item in enumerate(interactions):
        url = standin.base_url + item["path"] + (f"?{item['query']}" if item["query"] else "")
        body = _map_sheet_ids(item["request_body"], result.sheet_ids)
        response = session.request(item["method"], url, json=body, timeout=10)
        result.responses.append(response)
        where = f"#{n} {item['method']} {item['path']}?{item['query']}"
        if response.status_code != item["status"]:
            result.mismatches.append(f"{where}: status {response.status_code}, recorded {item['status']}: {response.text[:300]}")
            continue
        try:
            actual = response.json()
        except ValueError:
            result.mismatches.append(f"{where}: not JSON: {response.text[:200]}")
            continue
        _learn_added_sheet_ids(item["response_body"], actual, result.sheet_ids)
        expected = _map_sheet_ids(item["response_body"], result.sheet_ids)
        result.mismatches.extend(f"{where}: {d}" for d in shape_diff(expected, actual))
        if actual != expected:
            result.mismatches.append(
                f"{where}: values differ\n  recorded: {json.dumps(expected, ensure_ascii=False)[:600]}"
                f"\n  stand-in: {json.dumps(actual, ensure_ascii=False)[:600]}"
            )
    return result


def assert_replays(standin: SheetsStandin, account: dict[str, str], name: str) -> Replay:
    result = replay(standin, account, name)
    assert not result.mismatches, f"{name}:\n" + "\n".join(result.mismatches)
    assert not standin.internal_errors
    return result


def test_every_recording_is_replayed() -> None:
    listed = {name for names in FAMILIES.values() for name in names}
    on_disk = {p.stem for p in RECORDINGS.glob("*.json")}
    assert on_disk, f"no recordings in {RECORDINGS}"
    assert listed == on_disk


# ----------------------------------------------------------------------- one per family ---


def _ids(family: str) -> list[Any]:
    return [pytest.param(name, id=name.split(".", 1)[1]) for name in FAMILIES[family]]


@pytest.mark.parametrize("name", _ids("metadata"))
def test_metadata(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str) -> None:
    result = assert_replays(sheets_standin, standin_service_account, name)
    first = result.responses[0].json()
    assert first["sheets"][0]["properties"] == {
        "sheetId": 0, "title": "Sheet1", "index": 0, "sheetType": "GRID",
        "gridProperties": {"rowCount": 1000, "columnCount": 26},
    }
    assert first["spreadsheetUrl"] == f"https://docs.google.com/spreadsheets/d/{first['spreadsheetId']}/edit"


@pytest.mark.parametrize("name", _ids("values_get"))
def test_values_get(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str) -> None:
    assert_replays(sheets_standin, standin_service_account, name)


def test_values_get_drops_trailing_blanks_but_keeps_inner_ones(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str]
) -> None:
    result = assert_replays(
        sheets_standin, standin_service_account, "WorksheetTest.test_get_values_returns_padded_get_as_listoflists"
    )
    reads = [r.json() for r in result.responses if r.request.method == "GET" and "/values/" in (r.request.url or "")]
    assert reads[-1] == {"range": "Sheet1!A1:D4", "majorDimension": "ROWS", "values": [["1"], [], [], ["", "", "", "2"]]}


def test_values_get_of_an_empty_range_has_no_values_key(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str]
) -> None:
    result = assert_replays(
        sheets_standin, standin_service_account, "WorksheetTest.test_get_all_values_date_time_render_options"
    )
    empty = [r.json() for r in result.responses if r.request.method == "GET" and r.json().get("range") == "Sheet1!A1:D2"]
    assert {"range": "Sheet1!A1:D2", "majorDimension": "ROWS"} in empty


@pytest.mark.parametrize("name", _ids("batch_get"))
def test_batch_get(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str) -> None:
    assert_replays(sheets_standin, standin_service_account, name)


@pytest.mark.parametrize("name", _ids("render_options"))
def test_render_options(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str) -> None:
    assert_replays(sheets_standin, standin_service_account, name)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=SERIAL_NUMBER",
         [[2, 43831, "string", 53], [1.5, 0.12, 36162]]),
        ("valueRenderOption=UNFORMATTED_VALUE&dateTimeRenderOption=FORMATTED_STRING",
         [[2, "2020-01-01", "string", 53], [1.5, 0.12, "1999-01-02"]]),
        ("valueRenderOption=FORMATTED_VALUE&dateTimeRenderOption=SERIAL_NUMBER",
         [["2", "2020-01-01", "string", "53"], ["1.5", "0.12", "1999-01-02"]]),
        ("valueRenderOption=FORMULA", [["=4/2", 43831, "string", 53], ["=3/2", 0.12, 36162]]),
    ],
    ids=["unformatted-serial", "unformatted-formatted-string", "formatted", "formula"],
)
def test_batch_get_under_each_render_option(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], query: str, expected: list[list[Any]]
) -> None:
    """The recorded sheet, read back through values:batchGet (the call the dashboard makes)."""
    sid = "1VYZV6IRnymjtcrTiKitjSdyIpBjiKTnzjBT-J87QLjI"
    assert_replays(sheets_standin, standin_service_account, "WorksheetTest.test_get_all_values_date_time_render_options")
    session = StandinAuthorizedSession(service_account_credentials(standin_service_account), sheets_standin.base_url)
    url = f"{sheets_standin.base_url}/v4/spreadsheets/{sid}/values:batchGet?ranges=%27Sheet1%27&ranges=Sheet1%21A2%3AB2&{query}"
    body = session.get(url, timeout=10).json()
    assert body["spreadsheetId"] == sid
    full, part = body["valueRanges"]
    assert full == {"range": "Sheet1!A1:D2", "majorDimension": "ROWS", "values": expected}
    assert part == {"range": "Sheet1!A2:B2", "majorDimension": "ROWS", "values": [expected[1][:2]]}


@pytest.mark.parametrize("name", _ids("append"))
def test_append(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str) -> None:
    result = assert_replays(sheets_standin, standin_service_account, name)
    appended = [r.json() for r in result.responses if (r.request.url or "").split("?")[0].endswith(":append")]
    assert appended and all(set(a["updates"]) == {"spreadsheetId", "updatedRange", "updatedRows",
                                                  "updatedColumns", "updatedCells"} for a in appended)
    assert [a.applied for a in sheets_standin.appends] == [True] * len(appended)


@pytest.mark.parametrize("name", _ids("batch_update"))
def test_batch_update_add_and_delete_sheet(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str
) -> None:
    result = assert_replays(sheets_standin, standin_service_account, name)
    assert len(result.sheet_ids) == 6  # three sheets added in each of the two recorded sessions
    for sid in {_spreadsheet_id(i["path"]) for i in load(name)}:
        assert sheets_standin.tab_titles(sid) == ["Sheet1"]


@pytest.mark.parametrize("name", _ids("not_found"))
def test_not_found(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str) -> None:
    result = assert_replays(sheets_standin, standin_service_account, name)
    errors = [r for r in result.responses if r.status_code == 404]
    assert errors and all(
        r.json() == {"error": {"code": 404, "message": "Requested entity was not found.", "status": "NOT_FOUND"}}
        for r in errors
    )


@pytest.mark.parametrize("name", _ids("permission_denied"))
def test_permission_denied(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str) -> None:
    result = assert_replays(sheets_standin, standin_service_account, name)
    assert result.responses[-1].json() == {
        "error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}
    }


@pytest.mark.parametrize("name", _ids("non_json"))
def test_non_json_error(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], name: str) -> None:
    """The recording holds the call before the failure; the failure itself is Google's HTML 502."""
    assert_replays(sheets_standin, standin_service_account, name)
    sid = _spreadsheet_id(load(name)[0]["path"])
    fault = sheets_standin.inject("non_json")
    session = StandinAuthorizedSession(service_account_credentials(standin_service_account), sheets_standin.base_url)
    response = session.get(f"{sheets_standin.base_url}/v4/spreadsheets/{sid}?includeGridData=false", timeout=10)
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/html")
    assert "Error 502 (Server Error)" in response.text
    with pytest.raises(ValueError):
        response.json()
    assert fault.hits == 1
    assert session.get(f"{sheets_standin.base_url}/v4/spreadsheets/{sid}", timeout=10).status_code == 200


# ------------------------------------------------------------- the replay can and does fail ---


def test_replay_reports_a_stand_in_that_answers_wrongly(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str]
) -> None:
    """Guard against a replay that passes vacuously: a wrong answer must show up as a mismatch."""
    sheets_standin.inject("500", endpoints="values_get")
    result = replay(sheets_standin, standin_service_account, "SpreadsheetTest.test_values_get")
    assert any("status 500, recorded 200" in m for m in result.mismatches)


def test_replay_reports_a_changed_value(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> None:
    name = "WorksheetTest.test_batch_get"
    interactions = load(name)
    prepare(sheets_standin, interactions, standin_service_account["client_email"])
    sid = _spreadsheet_id(interactions[0]["path"])
    session = StandinAuthorizedSession(service_account_credentials(standin_service_account), sheets_standin.base_url)
    put = next(i for i in interactions if i["method"] == "PUT")
    session.put(sheets_standin.base_url + put["path"] + "?" + put["query"], json=put["request_body"], timeout=10)
    sheets_standin.set_cell(sid, "Sheet1", 0, 1, "changed")  # B1 was "B1"
    batch = next(i for i in interactions if "batchGet" in i["path"])
    body = session.get(sheets_standin.base_url + batch["path"] + "?" + batch["query"], timeout=10).json()
    assert shape_diff(batch["response_body"], body) == []  # same shape ...
    assert body != batch["response_body"]  # ... but the data differs, and equality notices


def test_metadata_honours_fields_and_tolerates_include_grid_data(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str]
) -> None:
    sid = sheets_standin.add_spreadsheet({"Sources": [["a"]], "Peer circle": []}, title="Team")
    sheets_standin.share(sid, standin_service_account["client_email"], "reader")
    session = StandinAuthorizedSession(service_account_credentials(standin_service_account), sheets_standin.base_url)
    base = f"{sheets_standin.base_url}/v4/spreadsheets/{sid}"
    masked = session.get(f"{base}?fields=properties.title,sheets(properties(title,sheetId))", timeout=10).json()
    assert masked == {
        "properties": {"title": "Team"},
        "sheets": [{"properties": {"sheetId": 0, "title": "Sources"}},
                   {"properties": {"sheetId": masked["sheets"][1]["properties"]["sheetId"], "title": "Peer circle"}}],
    }
    full = session.get(f"{base}?includeGridData=true", timeout=10).json()
    assert shape_diff(load("ClientTest.test_open_by_key_has_metadata")[0]["response_body"]["properties"],
                      full["properties"]) == []


def test_replies_are_compact_when_the_request_asks_for_prettyprint_false(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str]
) -> None:
    # prettyPrint is a system parameter of every Google API; Learning Loop's reads ask for compact JSON.
    from learnloop.sources.sheets import READ_PARAMS

    assert READ_PARAMS["prettyPrint"] == "false"
    sid = sheets_standin.add_spreadsheet({"themes": [["theme_id", "title"], ["T-1", "Pricing"]]})
    sheets_standin.share(sid, standin_service_account["client_email"], "reader")
    session = StandinAuthorizedSession(service_account_credentials(standin_service_account), sheets_standin.base_url)
    url = f"{sheets_standin.base_url}/v4/spreadsheets/{sid}/values:batchGet"
    pretty = session.get(url, params={"ranges": "themes"}, timeout=10)
    compact = session.get(url, params={"ranges": "themes", "prettyPrint": "false"}, timeout=10)
    assert pretty.status_code == compact.status_code == 200
    assert pretty.json() == compact.json()
    assert b"\n" in pretty.content and b"\n" not in compact.content
