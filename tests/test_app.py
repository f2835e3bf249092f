"""The app in-process (Streamlit's AppTest): every page on the demo, an empty and a messy workbook."""

import pytest
from streamlit.testing.v1 import AppTest

from learnloop import metrics
from learnloop.sources import files
from tests.apptest import APP, open_page

PAGES = ["pages/overview.py", "pages/themes.py", "pages/learning_network.py", "pages/peer_circle.py",
         "pages/commitments.py", "pages/impact.py", "pages/data_health.py", "pages/add_entry.py", "pages/nudges.py",
         "pages/search.py"]
DASHBOARD_CHARTS = {"pages/overview.py": 3, "pages/themes.py": 1, "pages/learning_network.py": 3,
                    "pages/peer_circle.py": 4, "pages/commitments.py": 1, "pages/impact.py": 5}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_demo_workbook(demo_workbook, page):
    at = open_page(page)
    assert not at.exception, at.exception
    assert len(at.get("plotly_chart")) == DASHBOARD_CHARTS.get(page, 0)
    assert "demo workbook" in at.info[0].value


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_an_empty_workbook(empty_workbook, page):
    at = open_page(page)
    assert not at.exception, at.exception
    # Empty tabs still get their charts (each saying what to add), never a missing one.
    assert len(at.get("plotly_chart")) == DASHBOARD_CHARTS.get(page, 0)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_messy_workbook(messy_workbook, page):
    at = open_page(page)
    assert not at.exception, at.exception


def test_team_filter_changes_the_numbers(demo_workbook):
    everyone = {m.label: m.value for m in open_page("pages/commitments.py").metric}
    one_team = open_page("pages/commitments.py", query={"team": "Growth"})
    assert one_team.multiselect(key="team").value == ["Growth"]
    growth = {m.label: m.value for m in one_team.metric}
    assert int(growth["Artifacts shipped"]) < int(everyone["Artifacts shipped"])


def test_quarter_filter_is_read_from_the_link(demo_workbook):
    at = open_page("pages/overview.py")
    quarters = at.select_slider(key="quarters").options
    start = quarters[1]
    linked = open_page("pages/overview.py", query={"quarters": [start, start]})
    assert linked.title[0].value.endswith(start)


def test_the_overview_says_when_its_quarter_is_still_under_way(demo_workbook):
    import datetime as dt

    from learnloop.metrics.quarters import quarter_of_date

    current = quarter_of_date(dt.date.today())
    under_way = open_page("pages/overview.py", query={"quarters": [current, current]})
    assert under_way.title[0].value == f"Overview · {current} to date"
    assert all(kpi.label.endswith(" to date") for kpi in under_way.metric)
    closed = open_page("pages/overview.py").select_slider(key="quarters").options[-2]
    finished = open_page("pages/overview.py", query={"quarters": [closed, closed]})
    assert finished.title[0].value == f"Overview · {closed}"
    assert not any(kpi.label.endswith(" to date") for kpi in finished.metric)


def test_data_health_lists_the_cell_to_fix(tmp_path, monkeypatch):
    tabs = {
        "themes": [["theme_id", "quarter", "title"], ["T1", "2026-Q1", "Pricing"], ["T2", "Q9 2026", "Bad quarter"]],
        "sources": [["source_id", "name", "kind", "added_on"], ["S1", "Product Talk", "newsletter", "2026-01-10"]],
    }
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(files.write_csv_folder(tabs, tmp_path / "team")))
    at = open_page("pages/data_health.py")
    assert not at.exception
    issues = next(frame.value for frame in at.dataframe if "message" in frame.value)
    bad_quarter = issues[(issues["tab"] == "themes") & (issues["row"] == 3)]
    assert list(bad_quarter["column"]) == ["quarter"]
    assert "2026-Q1" in bad_quarter["message"].iloc[0]
    assert set(issues.loc[issues["row"].isna(), "tab"]) == {"critiques", "commitments", "decisions"}


def test_add_entry_on_the_demo_shows_how_to_try_it_on_a_copy(demo_workbook):
    at = open_page("pages/add_entry.py")
    assert not at.exception
    assert any("nothing can be added" in info.value for info in at.info)
    assert any("learnloop demo my-team.xlsx" in code.value for code in at.code)
    assert any("service account as Editor" in caption.value for caption in at.caption)
    assert not at.get("form")


def test_overview_lists_the_evidence_for_every_step(demo_workbook):
    at = open_page()
    evidence = next(block for block in at.expander if block.label == "The evidence behind each step")
    lines = evidence.markdown[0].value.splitlines()
    assert [line.split("**")[1] for line in lines] == [f"{number}. {name}" for number, _, name in metrics.STEPS]
    assert sum("Done" in line for line in lines) + sum("Not yet" in line for line in lines) == 5


@pytest.fixture
def rollup_files(tmp_path, monkeypatch) -> list[str]:
    """Two teams' workbooks, one an .xlsx and one a CSV folder, with the same ids meaning different things."""
    from tests.fixtures.small import raw_tabs, second_raw_tabs

    monkeypatch.delenv("LEARNLOOP_SOURCE", raising=False)
    return [str(files.write_xlsx(raw_tabs(), tmp_path / "team-a.xlsx")),
            str(files.write_csv_folder(second_raw_tabs(), tmp_path / "team-b"))]


@pytest.mark.parametrize("query", [{}, {"team": "Gamma"}, {"team": ["Alpha", "Delta"], "quarters": ["2026-Q1", "2026-Q2"]},
                                   {"person": "Ana"}, {"theme": "T-A1"}], ids=["all", "team", "teams and range",
                                                                                "person", "theme"])
@pytest.mark.parametrize("page", [*PAGES, "pages/retro.py"])
def test_every_page_runs_on_a_rollup_of_two_sheets_with_any_filter(rollup_files, page, query):
    at = open_page(page, query, secrets={"learnloop": {"sheets": rollup_files}})
    assert not at.exception, at.exception
    assert "team-a, team-b" in at.sidebar.caption[0].value


def test_a_rollups_tables_say_which_sheet_each_row_is_from(rollup_files):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["learnloop"] = {"sheets": rollup_files}
    at.run()
    at.switch_page("pages/impact.py").run()
    log = next(frame.value for frame in at.dataframe if "Learned from" in frame.value)
    assert set(log["Sheet"].astype(str)) == {"team-a", "team-b"}
    one = log.set_index(["Sheet", "Decision"])
    assert one.loc[("team-a", "D-1"), "Learned from"] != one.loc[("team-b", "D-1"), "Learned from"]
