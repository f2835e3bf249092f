"""The real ``learnloop`` command line: exit codes, the JSON report, the parse options and ``demo``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from data_schemas import TABS, ParseOptions
from learnloop import cli, load
from learnloop.sources import files
from learnloop.workbook import Workbook
from tests.fixtures.messy import (
    MESSY_ISSUES,
    MESSY_ISSUES_CSV,
    MESSY_KEPT,
    MESSY_KEPT_CSV,
    MESSY_QUARANTINED,
    MESSY_QUARANTINED_CSV,
    MESSY_TABS,
)

runner = CliRunner()
ISSUE_KEYS = {"tab", "row", "column", "value", "severity", "message"}


@pytest.fixture(autouse=True)
def no_configured_sheets(monkeypatch):
    """The CLI reads settings from the environment: keep a developer's Google set-up out of these tests."""
    for name in ("LEARNLOOP_SHEET", "LEARNLOOP_SOURCE", "LEARNLOOP_API_KEY", "LEARNLOOP_SHEETS_API_URL",
                 "LEARNLOOP_DAY_FIRST", "LEARNLOOP_FISCAL_YEAR_START_MONTH", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str):
    return runner.invoke(cli.app, list(args))


def one_json_object(stdout: str) -> dict:
    assert len(stdout.strip().splitlines()) == 1, stdout
    report = json.loads(stdout)  # raises if there is anything but one JSON document
    assert isinstance(report, dict)
    return report


def the_cli() -> list[str]:
    script = Path(sys.executable).with_name("learnloop")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from learnloop.cli import main; main()"]


# ---- validate ----------------------------------------------------------------------------------


def test_validate_demo_exits_0():
    result = run("validate", "demo")
    assert result.exit_code == 0, result.output
    assert "0 error(s), 0 warning(s)" in result.stdout
    assert "No errors" in result.stdout


def test_validate_demo_json_exits_0_with_every_tab():
    result = run("validate", "demo", "--json")
    assert result.exit_code == 0, result.output
    report = one_json_object(result.stdout)
    assert report["source"] == "demo"
    assert list(report["tabs"]) == list(TABS)
    assert all(counts["rows"] > 0 and counts["quarantined"] == 0 for counts in report["tabs"].values())
    assert [issue for issue in report["issues"] if issue["severity"] != "info"] == []


@pytest.mark.parametrize(("kind", "kept", "quarantined", "issues"), [
    ("xlsx", MESSY_KEPT, MESSY_QUARANTINED, MESSY_ISSUES),
    ("csv", MESSY_KEPT_CSV, MESSY_QUARANTINED_CSV, MESSY_ISSUES_CSV),
])
def test_validate_messy_json_prints_one_object_with_every_tab_and_issue_and_exits_1(tmp_path, kind, kept,
                                                                                      quarantined, issues):
    path = (files.write_xlsx(MESSY_TABS, tmp_path / "messy.xlsx") if kind == "xlsx"
            else files.write_csv_folder(MESSY_TABS, tmp_path / "messy"))
    result = run("validate", str(path), "--json")
    assert result.exit_code == 1, result.output
    assert result.stderr == ""
    report = one_json_object(result.stdout)
    assert report["source"] == str(path)
    assert report["tabs"] == {tab: {"rows": kept[tab], "quarantined": quarantined[tab]} for tab in TABS}
    for issue in report["issues"]:
        assert set(issue) == ISSUE_KEYS, issue
        assert issue["message"]
    assert {(i["tab"], i["row"], i["column"], i["severity"]) for i in report["issues"]} == issues
    assert len(report["issues"]) == len(issues)
    ref = next(i for i in report["issues"] if (i["tab"], i["row"], i["column"]) == ("sources", 9, "added_on"))
    assert ref["value"] == "#REF!" and ref["severity"] == "error" and "a date like" in ref["message"]


def test_validate_messy_text_report_names_rows_and_columns_and_exits_1(tmp_path):
    path = files.write_xlsx(MESSY_TABS, tmp_path / "messy.xlsx")
    result = run("validate", str(path))
    assert result.exit_code == 1
    errors = sum(1 for issue in MESSY_ISSUES if issue[3] == "error")
    warnings = sum(1 for issue in MESSY_ISSUES if issue[3] == "warning")
    assert f"{errors} error(s), {warnings} warning(s)" in result.stdout
    assert "row 9, added_on: The cell shows the spreadsheet error #REF!" in result.stdout
    assert "(tab 'Peer Circle')" in result.stdout


@pytest.mark.parametrize("name", ["missing.xlsx", "missing-folder", "broken.xlsx", "notes.txt", "empty"])
def test_unreadable_source_exits_2_with_the_reason_on_stderr(tmp_path, name):
    (tmp_path / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "notes.txt").write_text("not a workbook")
    (tmp_path / "empty").mkdir()
    result = run("validate", str(tmp_path / name), "--json")
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert name in result.stderr


AMBIGUOUS = {
    "themes": [["theme_id", "quarter", "title"], ["T-1", "2026-Q1", "Pricing"]],
    # 03/04/2026 is 4 March month-first (pruned 20 March is after it) and 3 April day-first (pruned before it).
    "sources": [["source_id", "name", "kind", "added_on", "pruned_on"],
                ["S-1", "Product Talk", "newsletter", "03/04/2026", "2026-03-20"]],
    "critiques": [["critique_id", "date", "artifact_type", "artifact"]],
    "commitments": [["commitment_id", "title", "kind", "committed_on"]],
    "decisions": [["decision_id", "date", "category", "summary"], ["D-1", "2026-07-01", "bet", "Annual default"]],
}


def test_day_first_changes_how_a_slash_date_is_read(tmp_path):
    path = str(files.write_xlsx(AMBIGUOUS, tmp_path / "ambiguous.xlsx"))
    month_first = one_json_object(run("validate", path, "--json").stdout)
    assert month_first["issues"] == []
    result = run("validate", path, "--json", "--day-first")
    assert result.exit_code == 0  # a warning, not an error
    day_first = one_json_object(result.stdout)
    assert [(i["tab"], i["row"], i["column"], i["severity"]) for i in day_first["issues"]] == [
        ("sources", 2, "pruned_on", "warning")]


@pytest.fixture
def loaded(monkeypatch) -> list[Workbook]:
    """The workbooks the CLI loads, so tests can look at what the options did to them."""
    seen: list[Workbook] = []
    real = load.workbook

    def recording(*args, **kwargs):
        wb = real(*args, **kwargs)
        seen.append(wb)
        return wb

    monkeypatch.setattr(cli.load, "workbook", recording)
    return seen


@pytest.mark.parametrize(("flags", "options", "quarters"), [
    ((), ParseOptions(), ("2026-Q1", "2026-Q3")),
    (("--fiscal-year-start-month", "7"), ParseOptions(fiscal_year_start_month=7), ("2026-Q3", "2027-Q1")),
    (("--fiscal-year-start-month", "4", "--day-first"), ParseOptions(day_first=True, fiscal_year_start_month=4),
     ("2027-Q1", "2027-Q2")),
])
def test_the_options_reach_the_loader_and_change_the_quarters(tmp_path, loaded, flags, options, quarters):
    path = str(files.write_xlsx(AMBIGUOUS, tmp_path / "ambiguous.xlsx"))
    result = run("validate", path, *flags)
    assert result.exit_code == 0, result.output
    (wb,) = loaded
    assert wb.options == options
    assert (wb.sources.at[2, "quarter"], wb.decisions.at[2, "quarter"]) == quarters


@pytest.mark.parametrize("month", ["0", "13", "July"])
def test_fiscal_year_start_month_must_be_a_month(month):
    result = run("validate", "demo", "--fiscal-year-start-month", month)
    assert result.exit_code == 2
    assert "fiscal-year-start-month" in result.stderr


# ---- demo ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("out", ["out.xlsx", "out-folder"])
def test_demo_writes_a_workbook_that_validates_with_zero_errors(tmp_path, out):
    target = tmp_path / out
    result = run("demo", str(target))
    assert result.exit_code == 0, result.output
    assert str(target) in result.stdout
    assert target.is_file() if out.endswith(".xlsx") else sorted(p.stem for p in target.glob("*.csv")) == sorted(TABS)
    wb = load.workbook(str(target))
    assert not wb.has_errors, [issue for issue in wb.issues if issue.severity == "error"]
    assert wb.count("warning") == 0
    assert all(len(wb.tables[tab]) > 0 for tab in TABS)
    again = run("validate", str(target))
    assert again.exit_code == 0, again.output


# ---- the installed command, in a real process ----------------------------------------------------


def test_the_installed_command_validates_and_fails_cleanly(tmp_path):
    ok = subprocess.run([*the_cli(), "validate", "demo", "--json"], capture_output=True, text=True, timeout=180)
    assert ok.returncode == 0, ok.stderr
    assert list(one_json_object(ok.stdout)["tabs"]) == list(TABS)

    path = files.write_xlsx(MESSY_TABS, tmp_path / "messy.xlsx")
    messy = subprocess.run([*the_cli(), "validate", str(path), "--json"], capture_output=True, text=True,
                           timeout=180)
    assert messy.returncode == 1, messy.stderr
    report = one_json_object(messy.stdout)
    assert {(i["tab"], i["row"], i["column"], i["severity"]) for i in report["issues"]} == MESSY_ISSUES

    missing = subprocess.run([*the_cli(), "validate", str(tmp_path / "nope.xlsx")], capture_output=True,
                             text=True, timeout=180)
    assert missing.returncode == 2
    assert missing.stdout == ""
    assert missing.stderr.startswith("error: ") and "nope.xlsx" in missing.stderr


# ---- several sources -----------------------------------------------------------------------------


def _two_teams(tmp_path: Path) -> list[str]:
    from tests.fixtures.small import raw_tabs, second_raw_tabs

    return [str(files.write_xlsx(raw_tabs(), tmp_path / "team-a.xlsx")),
            str(files.write_csv_folder(second_raw_tabs(), tmp_path / "team-b"))]


def test_validate_reads_several_sources_together(tmp_path):
    a, b = _two_teams(tmp_path)
    report = one_json_object(run("validate", a, b, "--json").stdout)
    alone = [one_json_object(run("validate", path, "--json").stdout) for path in (a, b)]
    for tab, counts in report["tabs"].items():
        assert counts["rows"] == sum(part["tabs"][tab]["rows"] for part in alone), tab
    text = run("validate", a, b)
    assert text.exit_code == 0 and "Learning Loop: team-a, team-b" in text.stdout


def test_validate_with_several_sources_names_the_sheet_of_each_issue(tmp_path):
    a, _ = _two_teams(tmp_path)
    broken = tmp_path / "team-c.xlsx"
    tabs = {"themes": [["theme_id", "quarter", "title"], ["T-1", "Q9 2026", "Hiring"]]}
    files.write_xlsx(tabs, broken)
    result = run("validate", a, str(broken))
    assert result.exit_code == 1
    assert "team-c, row 2, quarter" in result.stdout
    assert any(issue["sheet"] == "team-c" for issue in one_json_object(run("validate", a, str(broken), "--json").stdout)["issues"])


def test_report_rolls_up_several_sources_and_keeps_ids_apart(tmp_path):
    from learnloop import metrics
    from learnloop.filters import Filters
    from tests.fixtures.small import AS_OF

    a, b = _two_teams(tmp_path)
    out = tmp_path / "q1.md"
    result = run("report", a, b, "--quarter", "2026-Q1", "--as-of", AS_OF.isoformat(), "-o", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    # team-a's D-1 learned from Lenny's Newsletter; team-b's own D-1 from Lenny's Podcast: never mixed up.
    assert "learned from: Lenny's Newsletter, Teresa Torres" in text
    assert "learned from: Lenny's Podcast" in text
    wb = load.workbooks([a, b])
    assert metrics.scorecard(wb, Filters(as_of=AS_OF), "2026-Q1").score == 5
    html = tmp_path / "gamma.html"
    result = run("report", a, b, "--team", "Gamma", "--quarter", "2026-Q1", "-o", str(html))
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert "Lenny's Podcast" in page and "Lenny's Newsletter" not in page


def test_several_sources_with_one_unreadable_exit_2(tmp_path):
    a, _ = _two_teams(tmp_path)
    result = run("validate", a, str(tmp_path / "missing.xlsx"))
    assert result.exit_code == 2 and "missing.xlsx" in result.output
