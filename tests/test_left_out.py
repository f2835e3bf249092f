"""Rows left out for their errors are never invisible: every page, slide and write-up says how many,
and a reference to such a row says that row is the one to fix."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from learnloop import load, reports
from learnloop.filters import Filters
from learnloop.sources import files
from learnloop.words import left_out
from tests.fixtures.messy import MESSY_TABS
from tests.sheet_access import shared_sheet, sheet_reader
from tests.sheets_standin import SheetsStandin

APP = str(Path(__file__).resolve().parent.parent / "app.py")
DASHBOARD = ["pages/overview.py", "pages/themes.py", "pages/learning_network.py", "pages/peer_circle.py",
             "pages/commitments.py", "pages/impact.py"]
# S-004's added_on is a spreadsheet error, so its row is left out; D-1 cites it, and S-001 (kept).
TABS = {
    "sources": [["source_id", "name", "kind", "added_on"], ["S-001", "Product Talk", "blog", "2026-01-05"],
                ["S-002", "Lenny", "podcast", "2026-01-06"], ["S-003", "Marty", "person", "2026-01-07"],
                ["S-004", "Shape Up", "book", "#REF!"]],
    "decisions": [["decision_id", "date", "category", "summary", "source_ids", "supersedes"],
                  ["D-1", "2026-02-01", "bet", "Bet on pricing", "S-001, S-004", None]],
}


def check(wb) -> None:
    issue = next(i for i in wb.issues if i.tab == "decisions" and i.column == "source_ids")
    assert issue.severity == "warning" and issue.value == "S-004"
    assert "'S-004' is on row 5 of sources, which is left out: fix that row first" in issue.message
    assert wb.decisions["source_ids"].iloc[0] == ("S-001",)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_reference_to_a_left_out_row_says_to_fix_that_row(tmp_path, kind):
    path = (files.write_csv_folder(TABS, tmp_path / "team") if kind == "csv"
            else files.write_xlsx(TABS, tmp_path / "team.xlsx"))
    check(load.workbook(str(path)))


def test_a_reference_to_a_left_out_row_says_so_on_google_sheets(sheets_standin: SheetsStandin,
                                                                standin_service_account):
    sid = shared_sheet(sheets_standin, standin_service_account, TABS)
    check(load.workbook(sid, reader=sheet_reader(sheets_standin, standin_service_account)))


@pytest.fixture
def messy_workbook(tmp_path, monkeypatch) -> int:
    path = files.write_xlsx(MESSY_TABS, tmp_path / "messy.xlsx")
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(path))
    return load.workbook(str(path)).left_out


@pytest.mark.parametrize("page", DASHBOARD)
def test_every_dashboard_page_says_how_many_rows_are_left_out_near_its_top(messy_workbook, page):
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page != "pages/overview.py":
        at.switch_page(page).run()
    assert not at.exception
    note = f"{left_out(messy_workbook)}."
    captions = [caption.value for caption in at.caption]
    assert any(note in caption for caption in captions), captions
    links = [link.proto.page for link in at.get("page_link")]
    assert any("data_health" in link for link in links), links


@pytest.mark.parametrize("slide", range(1, 7))
def test_every_retro_slide_says_how_many_rows_are_left_out(messy_workbook, slide):
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["slide"] = str(slide)
    at.query_params["presentation"] = "true"
    at.run()
    at.switch_page("pages/retro.py").run()
    assert not at.exception
    assert any(f"{left_out(messy_workbook)}." in caption.value for caption in at.caption)


def test_both_write_ups_say_how_many_rows_are_left_out_with_a_link_to_data_health(tmp_path):
    wb = load.workbook(str(files.write_xlsx(MESSY_TABS, tmp_path / "messy.xlsx")))
    assert wb.left_out > 0
    quarter = reports.last_complete_quarter(wb, Filters())
    url = "https://learning.example.com/data_health"
    markdown = reports.quarter_writeup_markdown(wb, Filters(), quarter, health_url=url)
    assert f"> Note: {left_out(wb.left_out)}. [Data health](<{url}>) lists them" in markdown
    html = reports.quarter_report_html(wb, Filters(), quarter, health_url=url)
    assert f'<a href="{url}">Data health</a>' in html and left_out(wb.left_out) in html
    offline = reports.quarter_writeup_markdown(wb, Filters(), quarter)
    assert "Data health in the app lists them" in offline and "learnloop validate" in offline
    # A link that is not a web address never becomes one.
    sneaky = reports.quarter_report_html(wb, Filters(), quarter, health_url="javascript:alert(1)")
    assert "href=\"javascript:" not in sneaky and "Data health in the app" in sneaky
