"""``learnloop search``: text and JSON output, several sources, filters, links to the cell in Google
Sheets (the real gspread-free reader against the Sheets stand-in), and what a terminal may be sent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from learnloop import cli, load, search
from learnloop.sources import files
from tests.fixtures.small import raw_tabs, second_raw_tabs
from tests.sheets_standin import SheetsStandin

runner = CliRunner()
RESULT_KEYS = ["tab", "id", "row", "column", "quarter", "team", "snippet", "score", "link"]


@pytest.fixture(autouse=True)
def no_configured_sheets(monkeypatch):
    for name in ("LEARNLOOP_SHEET", "LEARNLOOP_SOURCE", "LEARNLOOP_API_KEY", "LEARNLOOP_SHEETS_API_URL",
                 "LEARNLOOP_DAY_FIRST", "LEARNLOOP_FISCAL_YEAR_START_MONTH", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(cli.app, ["search", *args], env=env)


def as_json(*args: str, env: dict[str, str] | None = None) -> dict:
    result = run(*args, "--json", env=env)
    assert result.exit_code in (0, 1), result.output
    assert len(result.stdout.strip().splitlines()) == 1
    return json.loads(result.stdout)


@pytest.fixture
def two_teams(tmp_path) -> list[str]:
    return [str(files.write_xlsx(raw_tabs(), tmp_path / "team-a.xlsx")),
            str(files.write_csv_folder(second_raw_tabs(), tmp_path / "team-b"))]


def test_text_output_lists_the_best_first_with_tab_id_row_quarter_snippet_and_where_to_find_it():
    result = run("demo", "pricing", "--limit", "3")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    found = search.search(load.workbook("demo"), "pricing", limit=3)
    assert lines[0] == (f"{found.total} rows in demo match 'pricing': {found.counts['themes']} themes, "
                        f"{found.counts['sources']} sources, {found.counts['critiques']} critiques, "
                        f"{found.counts['commitments']} commitments and {found.counts['decisions']} decisions.")
    assert "The best 3:" in lines
    entries = [line for line in lines if line[:5].strip().rstrip(".").isdigit()]
    assert len(entries) == 3
    for number, (entry, hit) in enumerate(zip(entries, found.hits, strict=True), start=1):
        assert entry == f"{number:>3}. {hit.tab} {hit.id} · row {hit.row} · {hit.quarter} · {hit.team}"
        at = lines.index(entry)
        assert lines[at + 1] == f"     {hit.column}: {hit.snippet_text()}" and "«" in lines[at + 1]
        assert lines[at + 2] == f"     demo: the {hit.tab} tab, row {hit.row}"


def test_json_output_is_exactly_query_total_and_results():
    report = as_json("demo", "pricing", "--limit", "4")
    assert list(report) == ["query", "total", "results"]
    assert report["query"] == "pricing"
    assert report["total"] == search.search(load.workbook("demo"), "pricing").total > 4
    assert len(report["results"]) == 4
    for result in report["results"]:
        assert list(result) == RESULT_KEYS
        assert result["tab"] in {"themes", "sources", "critiques", "commitments", "decisions"}
        assert isinstance(result["row"], int) and result["row"] >= 2
        assert "«" in result["snippet"] and result["link"] is None
    scores = [result["score"] for result in report["results"]]
    assert scores == sorted(scores, reverse=True)


def test_a_typo_says_what_was_searched_instead():
    result = run("demo", "onbording")
    assert result.exit_code == 0
    assert "Nothing matched 'onbording': showing results for 'onboarding'." in result.stdout
    assert as_json("demo", "onbording")["query"] == "onboarding"


@pytest.mark.parametrize("query", ['"', "*", "-", ":", "NEAR", "OR", "()", "pricing OR", 'NEAR("a" b)',
                                   "x" * 10_000, "(" * 10_000, "pricing " * 1_250])
def test_any_query_exits_cleanly(query):
    result = run("demo", query)
    assert result.exit_code in (0, 1), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    report = as_json("demo", query)
    assert report["total"] >= len(report["results"])


def test_nothing_found_exits_1_and_says_so():
    result = run("demo", "zzyzx")
    assert result.exit_code == 1
    assert result.stdout.strip() == "Nothing in demo matches 'zzyzx'."
    assert as_json("demo", "zzyzx") == {"query": "zzyzx", "total": 0, "results": []}
    assert "Type a word" in run("demo", "***").stdout


def test_several_sources_are_searched_together(two_teams):
    result = run(*two_teams, "lenny")
    assert result.exit_code == 0, result.output
    assert "2 rows in team-a, team-b match 'lenny'" in result.stdout
    assert "team-a, sources S-1" in result.stdout and "team-b, sources S-7" in result.stdout
    report = as_json(*two_teams, "lenny")
    assert {(result["id"], result["team"]) for result in report["results"]} == {("S-1", "Alpha"), ("S-7", "Delta")}


def test_tab_team_and_quarter_narrow_the_results(two_teams):
    def found(*args: str) -> set[tuple[str, str]]:
        return {(result["tab"], result["id"]) for result in as_json(*two_teams, *args)["results"]}

    assert found("interview", "--tab", "decisions") == {("decisions", "D-2"), ("decisions", "D-4")}
    assert found("interview", "--tab", "decisions", "--tab", "themes") == {
        ("decisions", "D-2"), ("decisions", "D-4"), ("themes", "T-A2")}
    assert found("pric", "--team", "Beta") == set()
    assert found("interview", "--team", "Delta") == {("critiques", "C-9")}
    assert found("interview", "--quarter", "2026-Q3") == {("decisions", "D-4")}
    assert found("interview", "--quarter", "Q1 2026", "--team", "alpha") == {("critiques", "C-3"),
                                                                             ("decisions", "D-2")}
    assert as_json(*two_teams, "interview", "--quarter", "Q1 2026")["total"] == 6


def test_a_quarter_that_is_not_one_is_a_usage_error():
    result = run("demo", "pricing", "--quarter", "Q5 2026")
    assert result.exit_code == 2 and "--quarter" in result.output


def test_a_missing_query_or_source_is_a_usage_error():
    assert run().exit_code == 2
    result = run("demo")
    assert result.exit_code == 2 and "learnloop search demo pricing" in result.output


def test_an_unreadable_source_exits_2(tmp_path):
    result = run(str(tmp_path / "missing.xlsx"), "pricing")
    assert result.exit_code == 2 and "missing.xlsx" in result.output


def test_sheet_text_reaches_the_terminal_without_control_codes(tmp_path):
    tabs = raw_tabs()
    tabs["sources"][1][tabs["sources"][0].index("notes")] = "pricing \x1b]8;;https://evil.example\x07click\x1b]8;;\x07 \x1b[2J\x9b31m"
    path = files.write_csv_folder(tabs, tmp_path / "team")
    result = run(str(path), "click")
    assert result.exit_code == 0, result.output
    assert not any(ch in result.stdout for ch in "\x1b\x07\x9b"), repr(result.stdout)
    assert "«click»" in result.stdout
    raw = run(str(path), "click", "--json").stdout
    assert not any(ch in raw for ch in "\x1b\x07\x9b")


# ------------------------------------------------------------------------- Google Sheets: links ---


@pytest.fixture
def sheet_env(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], tmp_path: Path) -> dict[str, str]:
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(standin_service_account), encoding="utf-8")
    return {"LEARNLOOP_SHEETS_API_URL": sheets_standin.base_url, "GOOGLE_APPLICATION_CREDENTIALS": str(key_file),
            "LEARNLOOP_RETRY_SECONDS": "2", "LEARNLOOP_HTTP_TIMEOUT": "2"}


def add_sheet(standin: SheetsStandin, account: dict[str, str], tabs: dict, title: str) -> str:
    sid = standin.add_spreadsheet(tabs, title=title)
    standin.share(sid, account["client_email"], "reader")
    return sid


def test_a_result_from_a_google_sheet_links_to_its_cell(sheets_standin, standin_service_account, sheet_env):
    tabs = raw_tabs()
    # The sheet's own column order: summary moved to column B, so the link must say B, not D.
    header = tabs["decisions"][0]
    order = [0, header.index("summary"), *(i for i in range(1, len(header)) if i != header.index("summary"))]
    tabs["decisions"] = [[row[i] for i in order] for row in tabs["decisions"]]
    sid = add_sheet(sheets_standin, standin_service_account, tabs, "Team playbook")
    report = as_json(sid, "fortnightly", env=sheet_env)
    [result] = report["results"]
    assert (result["tab"], result["id"], result["row"], result["column"]) == ("decisions", "D-4", 5, "summary")
    assert result["link"].startswith(f"https://docs.google.com/spreadsheets/d/{sid}/edit#gid=")
    assert result["link"].endswith("&range=B5")
    text = run(sid, "fortnightly", env=sheet_env).stdout
    assert result["link"] in text


def test_in_a_rollup_of_google_sheets_each_link_opens_its_own_sheet(sheets_standin, standin_service_account, sheet_env):
    first = add_sheet(sheets_standin, standin_service_account, raw_tabs(), "Alpha and Beta")
    second = add_sheet(sheets_standin, standin_service_account, second_raw_tabs(), "Gamma and Delta")
    report = as_json(first, second, "lenny", env=sheet_env)
    links = {result["id"]: result["link"] for result in report["results"]}
    assert set(links) == {"S-1", "S-7"}
    name_column = "B"  # sources: source_id, name, …
    assert links["S-1"].startswith(f"https://docs.google.com/spreadsheets/d/{first}/") and \
        links["S-1"].endswith(f"&range={name_column}2")
    assert links["S-7"].startswith(f"https://docs.google.com/spreadsheets/d/{second}/") and \
        links["S-7"].endswith(f"&range={name_column}8")
