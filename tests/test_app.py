"""The app in-process (Streamlit's AppTest): it opens on the demo workbook and shows what to fix."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from learnloop.sources import files

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def test_app_opens_on_the_demo_workbook(monkeypatch):
    monkeypatch.delenv("LEARNLOOP_SOURCE", raising=False)
    at = run_app()
    assert not at.exception
    assert "demo workbook" in at.info[0].value
    shown = {metric.label: int(metric.value) for metric in at.metric}
    assert shown["Themes"] > 0 and shown["Decisions"] > 0
    assert at.success, "the demo workbook should have nothing to fix"


@pytest.fixture
def broken_folder(tmp_path):
    tabs = {
        "themes": [["theme_id", "quarter", "title"], ["T1", "2026-Q1", "Pricing"], ["T2", "Q9 2026", "Bad quarter"]],
        "sources": [["source_id", "name", "kind", "added_on"], ["S1", "Product Talk", "newsletter", "2026-01-10"]],
    }
    return files.write_csv_folder(tabs, tmp_path / "team")


def test_data_health_lists_the_cell_to_fix(monkeypatch, broken_folder):
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(broken_folder))
    at = run_app("pages/data_health.py")
    assert not at.exception
    issues = at.dataframe[0].value
    bad_quarter = issues[(issues["tab"] == "themes") & (issues["row"] == 3)]
    assert list(bad_quarter["column"]) == ["quarter"]
    assert "2026-Q1" in bad_quarter["message"].iloc[0]
    assert set(issues.loc[issues["row"].isna(), "tab"]) == {"critiques", "commitments", "decisions"}


def test_overview_says_rows_are_left_out(monkeypatch, broken_folder):
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(broken_folder))
    at = run_app()
    assert not at.exception
    assert "Data health" in at.error[0].value
    assert {m.label: int(m.value) for m in at.metric}["Themes"] == 1
