"""`learnloop init-sheet`: add the missing tabs and header rows, never touch data, run twice safely."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from data_schemas import TABS
from learnloop import cli, load, writes
from learnloop.sources import sheets
from learnloop.sources.demo import demo_tabs
from tests.fixtures.messy import MESSY_TABS
from tests.sheet_access import sheet_reader
from tests.sheet_access import writable_sheet as add_writable
from tests.sheets_standin import SheetsStandin

WRITES = ("append", "update", "clear", "batch_update", "values_batch_update", "values_batch_clear")


@pytest.fixture
def reader(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> sheets.SheetReader:
    return sheet_reader(sheets_standin, standin_service_account)


def snapshot(standin: SheetsStandin, sid: str) -> dict[str, list[list[object]]]:
    return {title: standin.values(sid, title) for title in standin.tab_titles(sid)}


def writes_made(standin: SheetsStandin) -> dict[str, int]:
    return {endpoint: n for endpoint, n in standin.counts.items() if endpoint in WRITES and n}


def test_an_empty_spreadsheet_gets_the_five_tabs_with_header_rows(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    sid = add_writable(sheets_standin, standin_service_account, {"Sheet1": []})
    done = writes.init_sheet(reader, sid)

    assert sheets_standin.tab_titles(sid) == ["Sheet1", *TABS]
    for tab in TABS:
        assert sheets_standin.values(sid, tab) == [list(TABS[tab].model.columns())], tab
    assert done == [f"added tab {tab}" for tab in TABS] + [f"wrote the header row of {tab}" for tab in TABS]
    assert writes_made(sheets_standin) == {"batch_update": 1, "append": len(TABS)}
    assert all(a.query["valueInputOption"] == "RAW" for a in sheets_standin.appends)

    wb = load.workbook(sid, reader=reader)  # a sheet the app reads without a single issue
    assert wb.issues == ()


def test_a_second_run_changes_nothing(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    sid = add_writable(sheets_standin, standin_service_account, {"Sheet1": []})
    writes.init_sheet(reader, sid)
    before = snapshot(sheets_standin, sid)
    sheets_standin.reset_counts()

    assert writes.init_sheet(reader, sid) == []
    assert writes_made(sheets_standin) == {}
    assert snapshot(sheets_standin, sid) == before


@pytest.mark.parametrize("name", ["demo", "messy"])
def test_a_full_spreadsheet_is_left_exactly_as_it_was(
    name: str, sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    tabs = demo_tabs(dt.date(2026, 5, 20)) if name == "demo" else MESSY_TABS  # messy: aliases and title rows
    sid = add_writable(sheets_standin, standin_service_account, tabs)
    before = snapshot(sheets_standin, sid)

    assert writes.init_sheet(reader, sid) == []
    assert writes_made(sheets_standin) == {}
    assert snapshot(sheets_standin, sid) == before
    assert sheets_standin.tab_titles(sid) == list(tabs)


def test_only_what_is_missing_is_added(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    demo = demo_tabs(dt.date(2026, 5, 20))
    # Themes has data, "PLN" (sources) is there but empty, the other three tabs are missing. The
    # themes tab is as narrow as an imported CSV file: its grid is only as large as its data.
    tabs = {"themes": demo["themes"], "PLN": []}
    sid = add_writable(sheets_standin, standin_service_account, tabs,
                       grid={"themes": (len(demo["themes"]), len(demo["themes"][0]))})
    done = writes.init_sheet(reader, sid)

    assert sheets_standin.values(sid, "themes") == [list(row) for row in demo["themes"]]
    assert sheets_standin.values(sid, "PLN") == [list(TABS["sources"].model.columns())]
    assert sheets_standin.tab_titles(sid) == ["themes", "PLN", "critiques", "commitments", "decisions"]
    assert done == ["added tab critiques", "added tab commitments", "added tab decisions",
                    "wrote the header row of PLN", "wrote the header row of critiques",
                    "wrote the header row of commitments", "wrote the header row of decisions"]


def test_a_viewer_account_is_told_it_needs_editor_access(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    sid = sheets_standin.add_spreadsheet({"Sheet1": []})
    sheets_standin.share(sid, standin_service_account["client_email"], "reader")
    with pytest.raises(sheets.SheetError) as caught:
        writes.init_sheet(reader, sid)
    assert caught.value.status == 403
    assert "Editor" in str(caught.value) and standin_service_account["client_email"] in str(caught.value)
    assert sheets_standin.tab_titles(sid) == ["Sheet1"]


# --------------------------------------------------------------------------------- CLI ---


@pytest.fixture
def cli_env(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("LEARNLOOP_SHEET", "LEARNLOOP_SOURCE", "LEARNLOOP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(standin_service_account), encoding="utf-8")
    return {"LEARNLOOP_SHEETS_API_URL": sheets_standin.base_url, "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
            "LEARNLOOP_RETRY_SECONDS": "2", "LEARNLOOP_HTTP_TIMEOUT": "2"}


def test_the_cli_sets_up_a_sheet_from_its_url_and_a_second_run_is_a_no_op(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], cli_env: dict[str, str],
) -> None:
    sid = add_writable(sheets_standin, standin_service_account, {"Sheet1": []})
    url = f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=0"
    runner = CliRunner()

    first = runner.invoke(cli.app, ["init-sheet", url], env=cli_env)
    assert first.exit_code == 0, first.output
    assert "added tab themes" in first.stdout and "wrote the header row of decisions" in first.stdout
    assert sheets_standin.values(sid, "critiques") == [list(TABS["critiques"].model.columns())]
    after_first = snapshot(sheets_standin, sid)

    sheets_standin.reset_counts()
    second = runner.invoke(cli.app, ["init-sheet", sid], env=cli_env)
    assert second.exit_code == 0, second.output
    assert "Nothing to do" in second.stdout
    assert writes_made(sheets_standin) == {}
    assert snapshot(sheets_standin, sid) == after_first


def test_the_cli_explains_a_sheet_it_may_not_change(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], cli_env: dict[str, str],
) -> None:
    sid = sheets_standin.add_spreadsheet({"Sheet1": []})
    sheets_standin.share(sid, standin_service_account["client_email"], "reader")
    result = CliRunner().invoke(cli.app, ["init-sheet", sid], env=cli_env)
    assert result.exit_code == 2
    assert "Editor" in result.stderr and standin_service_account["client_email"] in result.stderr
    assert "Traceback" not in result.output


def test_the_cli_refuses_something_that_is_not_a_sheet(cli_env: dict[str, str]) -> None:
    result = CliRunner().invoke(cli.app, ["init-sheet", "team.xlsx"], env=cli_env)
    assert result.exit_code == 2
    assert "not a Google Sheet URL or key" in result.stderr


def test_the_cli_without_credentials_says_what_to_set(
    sheets_standin: SheetsStandin, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("LEARNLOOP_SHEETS_API_URL", "GOOGLE_APPLICATION_CREDENTIALS", "LEARNLOOP_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    sid = sheets_standin.add_spreadsheet({"Sheet1": []})
    result = CliRunner().invoke(cli.app, ["init-sheet", sid])
    assert result.exit_code == 2
    assert "GOOGLE_APPLICATION_CREDENTIALS" in result.stderr
    assert sheets_standin.counts["metadata"] == 0


def test_the_cli_with_an_api_key_says_it_can_only_read(sheets_standin: SheetsStandin,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    # On the stand-in too: the base URL no longer lets an API key pass for a service account.
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    sid = sheets_standin.add_spreadsheet({"Sheet1": []}, public=True)
    env = {"LEARNLOOP_SHEETS_API_URL": sheets_standin.base_url, "LEARNLOOP_API_KEY": "any"}
    result = CliRunner().invoke(cli.app, ["init-sheet", sid], env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: An API key can only read: share the sheet with a service account as "
                                    "Editor")
    assert sheets_standin.counts["metadata"] == 0 and sheets_standin.tab_titles(sid) == ["Sheet1"]
