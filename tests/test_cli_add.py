"""`learnloop add SOURCE TAB FIELD=VALUE... [--json]`: exit codes and JSON, on real files and the stand-in.

0 and {"written": true, "tab", "row", "id"} when written; 1 and {"written": false, "issues": [...]}
when refused (nothing written, every problem by field); 2 when the workbook cannot be read or
written, with what to do.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from learnloop import cli, load
from learnloop.sources import files
from tests.fixtures.small import raw_tabs
from tests.sheet_access import writable_sheet
from tests.sheets_standin import Cell, SheetsStandin
from tests.test_local_writes import chart_workbook

runner = CliRunner()
CRITIQUE = ["Date=2 March 2026", "artifact type=Experiment", "ARTIFACT=Checkout copy test", "roles=pm, eng",
            "theme_id=T-A1"]


@pytest.fixture(autouse=True)
def no_configured_sheets(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("LEARNLOOP_SHEET", "LEARNLOOP_SOURCE", "LEARNLOOP_API_KEY", "LEARNLOOP_SHEETS_API_URL",
                 "LEARNLOOP_DAY_FIRST", "LEARNLOOP_FISCAL_YEAR_START_MONTH", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)


def one_json_object(stdout: str) -> dict[str, object]:
    assert len(stdout.strip().splitlines()) == 1, stdout
    report = json.loads(stdout)
    assert isinstance(report, dict)
    return report


@pytest.fixture(params=["xlsx", "csv"])
def workbook(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "xlsx":
        return files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    return files.write_csv_folder(raw_tabs(), tmp_path / "team")


def test_a_valid_row_is_written_and_said_exit_0(workbook: Path) -> None:
    result = runner.invoke(cli.app, ["add", str(workbook), "Peer circle", *CRITIQUE, "--json"])
    assert result.exit_code == 0, result.output
    assert one_json_object(result.stdout) == {"written": True, "tab": "critiques", "row": 12, "id": "C-11"}

    row = load.workbook(str(workbook)).critiques.set_index("critique_id").loc["C-11"]
    assert (row["date"], row["artifact_type"], row["artifact"], row["roles"]) == (
        dt.datetime(2026, 3, 2), "experiment", "Checkout copy test", ("PM", "Eng"))

    again = runner.invoke(cli.app, ["add", str(workbook), "critiques", *CRITIQUE[:3]])
    assert again.exit_code == 0, again.output
    assert again.stdout == f"Added C-12 to the critiques tab of {workbook.name} on row 13.\n"


def test_a_refused_row_lists_every_problem_by_field_writes_nothing_and_exits_1(workbook: Path) -> None:
    before = load.workbook(str(workbook))
    result = runner.invoke(cli.app, ["add", str(workbook), "critiques", "date=", "artifact_type=meeting",
                                     "artifact=x", "theme_id=T-NOPE", "colour=red", "--json"])
    assert result.exit_code == 1, result.output
    report = one_json_object(result.stdout)
    assert report["written"] is False
    issues = {issue["column"]: issue["message"] for issue in report["issues"]}  # type: ignore[union-attr]
    assert set(issues) == {"date", "artifact_type", "theme_id", "colour"}
    assert "required" in issues["date"] and "'meeting'" in issues["artifact_type"]
    assert "'T-NOPE' is not a theme_id in the themes tab" in issues["theme_id"]
    assert "not a column of the critiques tab" in issues["colour"]
    assert all(set(issue) == {"column", "message"} for issue in report["issues"])  # type: ignore[union-attr]
    assert len(load.workbook(str(workbook)).critiques) == len(before.critiques)

    text = runner.invoke(cli.app, ["add", str(workbook), "critiques", "date=soon", "artifact_type=experiment",
                                   "artifact=x"])
    assert text.exit_code == 1 and text.stdout == ""
    assert text.stderr.startswith("Nothing was written.") and "  date: 'soon' in date is not a date" in text.stderr


@pytest.mark.parametrize("source", ["demo", "missing.xlsx", "charted.xlsx"])
def test_a_workbook_that_cannot_be_written_exits_2_with_what_to_do(tmp_path: Path, source: str) -> None:
    if source == "charted.xlsx":
        chart_workbook(files.write_xlsx(raw_tabs(), tmp_path / source))
    path = source if source == "demo" else str(tmp_path / source)
    result = runner.invoke(cli.app, ["add", path, "critiques", *CRITIQUE, "--json"])
    assert result.exit_code == 2, result.output
    report = one_json_object(result.stdout)
    assert report["written"] is False and result.stderr == f"error: {report['error']}\n"
    expected = {"demo": "learnloop demo my-team.xlsx", "missing.xlsx": "No workbook at",
                "charted.xlsx": "holds charts"}[source]
    assert expected in str(report["error"])


# -------------------------------------------------------------------------- Google ---


@pytest.fixture
def sheet(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> str:
    return writable_sheet(sheets_standin, standin_service_account, raw_tabs(), title="Alpha and Beta")


def test_a_row_goes_to_a_google_sheet_with_its_date_as_a_date_cell(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], sheet: str, tmp_path: Path,
) -> None:
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(standin_service_account), encoding="utf-8")
    env = {"LEARNLOOP_SHEETS_API_URL": sheets_standin.base_url, "GOOGLE_APPLICATION_CREDENTIALS": str(key_file)}
    url = f"https://docs.google.com/spreadsheets/d/{sheet}/edit"
    result = runner.invoke(cli.app, ["add", url, "critiques", *CRITIQUE, "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert one_json_object(result.stdout) == {"written": True, "tab": "critiques", "row": 12, "id": "C-11"}
    header = sheets_standin.values(sheet, "critiques")[0]
    stored = dict(zip(header, sheets_standin.cells(sheet, "critiques")[11], strict=False))
    assert stored["critique_id"] == Cell("C-11")
    assert stored["date"] == Cell(dt.date(2026, 3, 2), number_format="date_iso")


def test_an_api_key_can_only_read_and_add_says_so_exit_2(sheets_standin: SheetsStandin, sheet: str) -> None:
    sheets_standin.set_public(sheet)
    env = {"LEARNLOOP_SHEETS_API_URL": sheets_standin.base_url, "LEARNLOOP_API_KEY": "any-key"}
    result = runner.invoke(cli.app, ["add", sheet, "critiques", *CRITIQUE], env=env)
    assert result.exit_code == 2, result.output
    assert "An API key can only read: share the sheet with a service account as Editor" in result.stderr
    assert sheets_standin.counts["batch_update"] == 0 and sheets_standin.counts["metadata"] == 0
