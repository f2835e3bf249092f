"""The real gspread client, over HTTP, against the Sheets stand-in.

Authentication is real as well: google-auth signs a JWT with a freshly generated service-account
key and exchanges it at the stand-in's ``/token``, which verifies the signature.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import gspread
import pytest
import requests
from google.auth.exceptions import RefreshError

from tests.sheets_standin import (
    Formula,
    SheetsStandin,
    StandinAuthorizedSession,
    gspread_api_key_client,
    gspread_client,
    make_service_account,
    service_account_credentials,
)

pytest_plugins = ["tests.sheets_standin.pytest_plugin"]

PEER_CIRCLE = "Peer circle"
TABS: dict[str, list[list[Any]]] = {
    "Sources": [
        ["Title", "Added", "Minutes", "Useful"],
        ["Shape Up", dt.date(2026, 1, 15), 45, True],
        ["Working Backwards", dt.date(2026, 2, 3), 30.5, False],
        ["Team Topologies", None, 12, None],
    ],
    PEER_CIRCLE: [
        ["When", "Who", "Note"],
        [dt.datetime(2026, 1, 15, 13, 45), "Ada", "kept the retro short"],
    ],
}


@pytest.fixture
def sheet_id(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> str:
    sid = sheets_standin.add_spreadsheet(TABS, title="Team learning log")
    sheets_standin.share(sid, standin_service_account["client_email"], "writer")
    return sid


def test_open_by_key_lists_worksheets(standin_gspread: gspread.Client, sheet_id: str) -> None:
    spreadsheet = standin_gspread.open_by_key(sheet_id)
    assert spreadsheet.title == "Team learning log"
    assert spreadsheet.locale == "en_US"
    worksheets = spreadsheet.worksheets()
    assert [(w.title, w.index) for w in worksheets] == [("Sources", 0), (PEER_CIRCLE, 1)]
    assert worksheets[0].id == 0
    assert (worksheets[1].row_count, worksheets[1].col_count) == (1000, 26)


def test_get_all_values_is_formatted_like_sheets(standin_gspread: gspread.Client, sheet_id: str) -> None:
    rows = standin_gspread.open_by_key(sheet_id).worksheet("Sources").get_all_values()
    assert rows == [
        ["Title", "Added", "Minutes", "Useful"],
        ["Shape Up", "1/15/2026", "45", "TRUE"],
        ["Working Backwards", "2/3/2026", "30.5", "FALSE"],
        ["Team Topologies", "", "12", ""],  # gspread pads the row; Google sent ["Team Topologies", "", "12"]
    ]


def test_values_batch_get_unformatted_serial(standin_gspread: gspread.Client, sheet_id: str) -> None:
    spreadsheet = standin_gspread.open_by_key(sheet_id)
    body = spreadsheet.values_batch_get(
        ["Sources", f"'{PEER_CIRCLE}'!A2:B2"],
        params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"},
    )
    sources, peers = body["valueRanges"]
    assert sources["range"] == "Sources!A1:Z1000"
    assert sources["values"] == [
        ["Title", "Added", "Minutes", "Useful"],
        ["Shape Up", 46037, 45, True],
        ["Working Backwards", 46056, 30.5, False],
        ["Team Topologies", "", 12],
    ]
    assert peers == {"range": "'Peer circle'!A2:B2", "majorDimension": "ROWS", "values": [[46037.572916666664, "Ada"]]}


def test_values_batch_get_formatted_string_dates(standin_gspread: gspread.Client, sheet_id: str) -> None:
    body = standin_gspread.open_by_key(sheet_id).values_batch_get(
        [f"'{PEER_CIRCLE}'!A2"], params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "FORMATTED_STRING"}
    )
    assert body["valueRanges"][0]["values"] == [["1/15/2026 13:45:00"]]


def test_unknown_tab_is_googles_400(standin_gspread: gspread.Client, sheet_id: str) -> None:
    with pytest.raises(gspread.exceptions.APIError) as caught:
        standin_gspread.open_by_key(sheet_id).values_batch_get(["'Peer circles'!A1:C"])
    assert caught.value.code == 400
    assert caught.value.error == {
        "code": 400, "message": "Unable to parse range: 'Peer circles'!A1:C", "status": "INVALID_ARGUMENT",
    }


def test_append_rows_raw_keeps_formulas_as_text(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str
) -> None:
    worksheet = standin_gspread.open_by_key(sheet_id).worksheet("Sources")
    response = worksheet.append_rows([["=1+1", "2026-03-01", "7", ""]], value_input_option="RAW")
    assert response["tableRange"] == "Sources!A1:D4"
    assert response["updates"]["updatedRange"] == "Sources!A5:D5"
    assert worksheet.get_values("A5:D5", value_render_option="FORMULA") == [["=1+1", "2026-03-01", "7"]]
    assert worksheet.get_values("A5:C5") == [["=1+1", "2026-03-01", "7"]]
    assert sheets_standin.values(sheet_id, "Sources")[4] == ["=1+1", "2026-03-01", "7"]
    assert sheets_standin.appends[-1].values == [["=1+1", "2026-03-01", "7", ""]]


def test_append_rows_user_entered_parses_like_sheets(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str
) -> None:
    worksheet = standin_gspread.open_by_key(sheet_id).worksheet("Sources")
    worksheet.append_rows([["'=1+1", "2026-03-01", "=1+1", "TRUE"]], value_input_option="USER_ENTERED")
    assert worksheet.get_values("A5:D5", value_render_option="UNFORMATTED_VALUE") == [["=1+1", 46082, 2, True]]
    assert worksheet.get_values("A5:D5") == [["=1+1", "2026-03-01", "2", "TRUE"]]
    assert sheets_standin.values(sheet_id, "Sources")[4] == ["=1+1", dt.date(2026, 3, 1), 2, True]


def test_an_excel_file_in_drive_is_googles_400_failed_precondition(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, standin_service_account: dict[str, str],
) -> None:
    sid = sheets_standin.add_spreadsheet(TABS, excel_file=True)
    sheets_standin.share(sid, standin_service_account["client_email"], "reader")
    assert len(sid) == 33  # a Drive file id, not a spreadsheet's 44 characters
    for read in (lambda: standin_gspread.open_by_key(sid),
                 lambda: standin_gspread.http_client.values_batch_get(sid, ["Sources"])):
        with pytest.raises(gspread.exceptions.APIError) as caught:
            read()
        assert caught.value.code == 400
        # As Google answers it (gspread's issue 732 quotes the same body).
        assert caught.value.error == {
            "code": 400, "message": "This operation is not supported for this document", "status": "FAILED_PRECONDITION",
        }
    private = sheets_standin.add_spreadsheet(TABS, excel_file=True)  # not shared: refused as any private file
    with pytest.raises(PermissionError):
        standin_gspread.open_by_key(private)


def test_not_shared_is_403(sheets_standin: SheetsStandin, standin_gspread: gspread.Client) -> None:
    private = sheets_standin.add_spreadsheet({"Sheet1": [["a"]]})
    with pytest.raises(PermissionError):
        standin_gspread.open_by_key(private)


def test_reader_cannot_append(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, standin_service_account: dict[str, str]
) -> None:
    sid = sheets_standin.add_spreadsheet({"Sheet1": [["a"]]})
    sheets_standin.share(sid, standin_service_account["client_email"], "reader")
    worksheet = standin_gspread.open_by_key(sid).sheet1
    assert worksheet.get_all_values() == [["a"]]
    with pytest.raises(gspread.exceptions.APIError) as caught:
        worksheet.append_row(["b"])
    assert caught.value.error == {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}
    assert sheets_standin.values(sid, "Sheet1") == [["a"]]
    assert [a.applied for a in sheets_standin.appends] == [False]


def test_readonly_scope_cannot_write(
    sheets_standin: SheetsStandin, sheet_id: str, standin_service_account: dict[str, str]
) -> None:
    client = gspread_client(sheets_standin, standin_service_account, scopes=gspread.auth.READONLY_SCOPES)
    worksheet = client.open_by_key(sheet_id).sheet1
    with pytest.raises(gspread.exceptions.APIError) as caught:
        worksheet.append_row(["x"])
    assert caught.value.error["message"] == "Request had insufficient authentication scopes."


def test_unknown_id_is_404(standin_gspread: gspread.Client) -> None:
    with pytest.raises(gspread.exceptions.SpreadsheetNotFound):
        standin_gspread.open_by_key("1DoesNotExist0000000000000000000000000000000")


def test_api_key_reads_public_spreadsheets_only(sheets_standin: SheetsStandin, sheet_id: str) -> None:
    key = sheets_standin.add_api_key()
    with pytest.raises(PermissionError):  # not public yet
        gspread_api_key_client(sheets_standin, key).open_by_key(sheet_id)
    sheets_standin.set_public(sheet_id)
    worksheet = gspread_api_key_client(sheets_standin, key).open_by_key(sheet_id).worksheet(PEER_CIRCLE)
    assert worksheet.get_all_values()[1] == ["1/15/2026 13:45:00", "Ada", "kept the retro short"]
    with pytest.raises(gspread.exceptions.APIError) as caught:
        worksheet.append_row(["no"])
    assert caught.value.code == 401  # Google: "API keys are not supported by this API..."
    with pytest.raises(gspread.exceptions.APIError) as caught:
        gspread_api_key_client(sheets_standin, "AIza-not-a-key").open_by_key(sheet_id)
    assert caught.value.error["message"] == "API key not valid. Please pass a valid API key."


def test_any_api_key_when_asked(sheets_standin: SheetsStandin, sheet_id: str) -> None:
    sheets_standin.accept_any_api_key = True
    sheets_standin.set_public(sheet_id)
    assert gspread_api_key_client(sheets_standin, "any").open_by_key(sheet_id).title == "Team learning log"


def test_token_exchange_checks_the_signature(sheets_standin: SheetsStandin, sheet_id: str) -> None:
    trusted = make_service_account(sheets_standin, "trusted@demo-project.iam.gserviceaccount.com")
    other = make_service_account(sheets_standin, "other@demo-project.iam.gserviceaccount.com")
    forged = {**trusted, "private_key": other["private_key"]}  # right name, wrong key
    with pytest.raises(RefreshError, match="Invalid JWT Signature"):
        gspread_client(sheets_standin, forged).open_by_key(sheet_id)
    stranger = {**trusted, "client_email": "stranger@demo-project.iam.gserviceaccount.com"}
    with pytest.raises(RefreshError, match="account not found"):
        gspread_client(sheets_standin, stranger).open_by_key(sheet_id)
    no_token = requests.get(f"{sheets_standin.base_url}/v4/spreadsheets/{sheet_id}",
                            headers={"Authorization": "Bearer ya29.made-up"}, timeout=5)
    assert no_token.status_code == 401
    assert no_token.json()["error"]["status"] == "UNAUTHENTICATED"


def test_expired_token_is_refreshed_by_the_client(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str
) -> None:
    spreadsheet = standin_gspread.open_by_key(sheet_id)
    sheets_standin.authority.expire_tokens()
    sheets_standin.reset_counts()
    assert spreadsheet.sheet1.get_values("A1") == [["Title"]]  # 401, refresh, retry - inside google-auth
    # google-auth's background allowed-locations lookup after a refresh comes at a varying moment.
    assert [(r.endpoint, r.status) for r in sheets_standin.requests if r.endpoint != "allowed_locations"] == [
        ("metadata", 401), ("token", 200), ("metadata", 200), ("values_get", 200),
    ]


def test_concurrent_appends_land_exactly_once(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str]
) -> None:
    sid = sheets_standin.add_spreadsheet({"Log": [["thread", "n", "note"]]})
    sheets_standin.share(sid, standin_service_account["client_email"], "writer")
    ranges: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def worker(name: str) -> None:
        try:
            worksheet = gspread_client(sheets_standin, standin_service_account).open_by_key(sid).worksheet("Log")
            start.wait()
            for n in range(50):
                response = worksheet.append_rows([[name, n, f"{name}-{n}"]], value_input_option="RAW")
                ranges.append(response["updates"]["updatedRange"])
        except BaseException as err:  # surfaced below; a thread's exception would be lost
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors
    rows = sheets_standin.values(sid, "Log")
    assert len(rows) == 101
    assert sorted(tuple(r) for r in rows[1:]) == sorted((name, n, f"{name}-{n}") for name in "ab" for n in range(50))
    assert len(set(ranges)) == 100  # no two appends were told they wrote the same row
    assert sheets_standin.counts["append"] == 100


def test_counts_by_kind(sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str) -> None:
    spreadsheet = standin_gspread.open_by_key(sheet_id)
    worksheet = spreadsheet.sheet1  # gspread fetches the metadata again for this
    assert (sheets_standin.counts["token"], sheets_standin.counts["metadata"]) == (1, 2)
    sheets_standin.reset_counts()
    spreadsheet.values_batch_get(["Sources"])
    spreadsheet.values_batch_get([PEER_CIRCLE])
    worksheet.append_row(["x"])
    counts = {k: v for k, v in sheets_standin.counts.items() if v and k != "allowed_locations"}
    assert counts == {"batch_get": 2, "append": 1}
    assert [(r.method, r.endpoint) for r in sheets_standin.requests if r.endpoint != "allowed_locations"] == [
        ("GET", "batch_get"), ("GET", "batch_get"), ("POST", "append"),
    ]


def test_injected_api_errors_reach_gspread(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str
) -> None:
    spreadsheet = standin_gspread.open_by_key(sheet_id)
    for kind, status in (("429", "RESOURCE_EXHAUSTED"), ("500", "INTERNAL"), ("503", "UNAVAILABLE"), ("403", "PERMISSION_DENIED")):
        sheets_standin.inject(kind, methods="read")  # type: ignore[arg-type]
        with pytest.raises(gspread.exceptions.APIError) as caught:
            spreadsheet.values_batch_get(["Sources"])
        assert (caught.value.code, caught.value.error["status"]) == (int(kind), status)
    sheets_standin.inject("non_json")
    with pytest.raises(gspread.exceptions.APIError) as caught:
        spreadsheet.values_batch_get(["Sources"])
    assert caught.value.code == -1  # gspread's marker for an error body that is not JSON
    assert caught.value.response.status_code == 502
    assert spreadsheet.values_batch_get(["Sources"])["valueRanges"][0]["values"][0][0] == "Title"


def test_write_faults_leave_reads_alone(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str
) -> None:
    worksheet = standin_gspread.open_by_key(sheet_id).sheet1
    fault = sheets_standin.inject("503", times=None, methods="write")
    assert worksheet.get_values("A1") == [["Title"]]
    for _ in range(2):
        with pytest.raises(gspread.exceptions.APIError):
            worksheet.append_row(["never"])
    assert fault.hits == 2
    sheets_standin.clear_faults()
    worksheet.append_row(["finally"])
    assert [a.applied for a in sheets_standin.appends] == [False, False, True]


def test_hang_times_the_client_out(sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str) -> None:
    spreadsheet = standin_gspread.open_by_key(sheet_id)
    standin_gspread.set_timeout(0.3)
    sheets_standin.inject("hang", hang_seconds=1.0)
    with pytest.raises(requests.exceptions.ReadTimeout):
        spreadsheet.values_batch_get(["Sources"])
    assert spreadsheet.values_batch_get(["Sources"])["valueRanges"][0]["values"][0][0] == "Title"


@pytest.mark.parametrize("kind", ["500", "hang"])
def test_applied_write_with_a_failed_answer(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str, kind: str
) -> None:
    """The write lands but the client sees a failure: what an exactly-once writer must survive."""
    worksheet = standin_gspread.open_by_key(sheet_id).worksheet(PEER_CIRCLE)
    standin_gspread.set_timeout(0.3)
    sheets_standin.inject(kind, methods="write", apply=True, hang_seconds=1.0)  # type: ignore[arg-type]
    expected_error = gspread.exceptions.APIError if kind == "500" else requests.exceptions.ReadTimeout
    with pytest.raises(expected_error):
        worksheet.append_row(["2026-03-02", "Bob", "landed anyway"])
    assert sheets_standin.values(sheet_id, PEER_CIRCLE)[-1] == ["2026-03-02", "Bob", "landed anyway"]
    assert sheets_standin.appends[-1].applied


def test_header_renamed_between_reads(sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str) -> None:
    spreadsheet = standin_gspread.open_by_key(sheet_id)
    sheets_standin.set_cell(sheet_id, "Sources", 0, 2, "Duration (min)")
    assert spreadsheet.worksheet("Sources").row_values(1) == ["Title", "Added", "Duration (min)", "Useful"]
    sheets_standin.rename_tab(sheet_id, "Sources", "Reading")
    with pytest.raises(gspread.exceptions.WorksheetNotFound):
        spreadsheet.worksheet("Sources")
    with pytest.raises(gspread.exceptions.APIError):
        spreadsheet.values_batch_get(["Sources"])
    sheets_standin.delete_tab(sheet_id, PEER_CIRCLE)
    assert [w.title for w in spreadsheet.worksheets()] == ["Reading"]


def test_worksheet_lifecycle_through_batch_update(standin_gspread: gspread.Client, sheet_id: str) -> None:
    spreadsheet = standin_gspread.open_by_key(sheet_id)
    added = spreadsheet.add_worksheet("Decisions", rows=10, cols=5)
    assert (added.index, added.row_count, added.col_count) == (2, 10, 5)
    added.update([["Decision", "Owner"], ["Ship it", "Ada"]], "A1")
    added.update_title("Choices")
    assert spreadsheet.worksheet("Choices").get_all_values() == [["Decision", "Owner"], ["Ship it", "Ada"]]
    spreadsheet.del_worksheet(added)
    assert [w.title for w in spreadsheet.worksheets()] == ["Sources", PEER_CIRCLE]


def test_formula_cells_and_self_signed_jwt(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> None:
    """google-auth may skip /token and send a self-signed JWT (always_use_jwt_access); Google allows it."""
    sid = sheets_standin.add_spreadsheet({"Sheet1": [["total", Formula("=SUM(B2:B3)", 42)]]})
    sheets_standin.share(sid, standin_service_account["client_email"], "reader")
    credentials = service_account_credentials(standin_service_account).with_always_use_jwt_access(True)
    session = StandinAuthorizedSession(credentials, sheets_standin.base_url)
    client = gspread.Client(auth=credentials, session=session)
    worksheet = client.open_by_key(sid).sheet1
    assert worksheet.get_values("A1:B1", value_render_option="FORMULA") == [["total", "=SUM(B2:B3)"]]
    assert worksheet.get_values("A1:B1") == [["total", "42"]]
    assert sheets_standin.counts["token"] == 0


def test_slow_answer_lands_after_the_client_gave_up(
    sheets_standin: SheetsStandin, standin_gspread: gspread.Client, sheet_id: str
) -> None:
    """A hang that ends in a normal answer: Google finishes the write after the client's timeout."""
    worksheet = standin_gspread.open_by_key(sheet_id).worksheet(PEER_CIRCLE)
    standin_gspread.set_timeout(0.2)
    sheets_standin.inject("hang", methods="write", hang_seconds=0.5, after_hang="answer")
    with pytest.raises(requests.exceptions.ReadTimeout):
        worksheet.append_row(["late", "write"])
    assert len(sheets_standin.values(sheet_id, PEER_CIRCLE)) == 2  # not yet ...
    deadline = time.monotonic() + 5
    while not sheets_standin.appends[-1].applied and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sheets_standin.values(sheet_id, PEER_CIRCLE)[-1] == ["late", "write"]  # ... but it lands
