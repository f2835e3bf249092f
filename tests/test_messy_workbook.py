"""A workbook typed the way people type, saved as .xlsx and as a CSV folder, loads to exactly what we expect.

The fixture and its expectations live in ``tests/fixtures/messy.py`` (the dashboard and Google
Sheets tests reuse them). Each expectation there was worked out by hand from the contract.
"""

from __future__ import annotations

import pandas as pd
import pytest

from data_schemas import TABS, ParseOptions
from learnloop import load
from learnloop.sources import files
from learnloop.validate import validate_workbook
from learnloop.workbook import Workbook
from tests.fixtures.messy import (
    MESSY_ISSUES,
    MESSY_ISSUES_CSV,
    MESSY_KEPT,
    MESSY_KEPT_CSV,
    MESSY_KEPT_IDS,
    MESSY_KEPT_IDS_CSV,
    MESSY_QUARANTINED,
    MESSY_QUARANTINED_CSV,
    MESSY_TAB_TITLES,
    MESSY_TABS,
)

EXPECTED = {
    "raw": (MESSY_KEPT, MESSY_QUARANTINED, MESSY_KEPT_IDS, MESSY_ISSUES),
    "xlsx": (MESSY_KEPT, MESSY_QUARANTINED, MESSY_KEPT_IDS, MESSY_ISSUES),
    # CSV cells are all text: the serial date 46130 in decisions row 11 is the text "46130", not a date cell.
    "csv": (MESSY_KEPT_CSV, MESSY_QUARANTINED_CSV, MESSY_KEPT_IDS_CSV, MESSY_ISSUES_CSV),
}


def messy(kind: str, tmp_path, options: ParseOptions = ParseOptions()) -> Workbook:
    if kind == "raw":
        return validate_workbook(MESSY_TABS, source="messy", options=options)
    if kind == "xlsx":
        return load.workbook(str(files.write_xlsx(MESSY_TABS, tmp_path / "messy.xlsx")), options)
    return load.workbook(str(files.write_csv_folder(MESSY_TABS, tmp_path / "messy")), options)


@pytest.fixture(params=list(EXPECTED))
def kind(request):
    return request.param


def test_kept_and_left_out_rows_per_tab(kind, tmp_path):
    wb = messy(kind, tmp_path)
    kept, quarantined, ids, _ = EXPECTED[kind]
    assert {tab: len(frame) for tab, frame in wb.tables.items()} == kept
    assert {tab: len(frame) for tab, frame in wb.quarantined.items()} == quarantined
    assert {tab: list(wb.tables[tab][spec.model._id_column]) for tab, spec in TABS.items()} == ids


def test_every_issue(kind, tmp_path):
    wb = messy(kind, tmp_path)
    got = [(issue.tab, issue.row, issue.column, issue.severity) for issue in wb.issues]
    assert len(got) == len(set(got)), "one issue per cell"
    assert set(got) == EXPECTED[kind][3]


def test_every_reference_left_in_a_cell_names_a_kept_row(kind, tmp_path):
    # Unknown ids are dropped (with a warning); whatever a cell still names is a row of the other tab.
    wb = messy(kind, tmp_path)
    checked = 0
    for tab, spec in TABS.items():
        for column, meta in spec.model.columns().items():
            target = meta["refers_to"]
            if not target:
                continue
            cells = wb.tables[tab][column]
            named = cells.explode().dropna() if meta["kind"] == "id_list" else cells.dropna()
            target_ids = set(wb.tables[target][TABS[target].model._id_column])
            assert set(named) <= target_ids, (tab, column)
            checked += len(named)
    assert checked > 10


def test_issues_carry_the_value_as_typed_and_what_to_type(kind, tmp_path):
    wb = messy(kind, tmp_path)
    by_cell = {(issue.tab, issue.row, issue.column): issue for issue in wb.issues}
    assert by_cell["sources", 9, "added_on"].value == "#REF!"
    assert "a date like" in by_cell["sources", 9, "added_on"].message
    assert by_cell["sources", 8, "kind"].value == "vlog"
    assert "one of: person, newsletter" in by_cell["sources", 8, "kind"].message
    assert by_cell["critiques", 3, "roles"].value == "PM, Design, CEO"
    assert by_cell["themes", 7, "theme_id"].value is None
    assert by_cell["themes", 6, "theme_id"].message.startswith("'T-PRICING' is already used on row 3")
    assert by_cell["commitments", 4, "shipped_on"].value is None
    assert by_cell["decisions", 6, "impact"].value == "9"
    assert by_cell["decisions", 5, "source_ids"].value == "S-999"
    for issue in wb.issues:
        assert issue.tab in TABS and issue.severity in ("error", "warning", "info")
        if issue.severity != "info":
            assert any(word in issue.message for word in ("Type", "type", "Use", "give", "Add")), issue


def test_tabs_are_found_by_alias_and_the_notes_tab_is_ignored(kind, tmp_path):
    wb = messy(kind, tmp_path)
    assert wb.tab_titles == MESSY_TAB_TITLES
    assert wb.ignored_columns["sources"] == ("Rating",)
    assert not any("Notes" in issue.message for issue in wb.issues)


def test_kept_values_are_parsed(kind, tmp_path):
    wb = messy(kind, tmp_path)
    themes, sources, critiques = wb.themes, wb.sources, wb.critiques
    commitments, decisions = wb.commitments, wb.decisions
    assert themes.loc[3, ["theme_id", "quarter", "owner", "status"]].tolist() == [
        "T-PRICING", "2026-Q1", "Maya Chen", "active"]
    assert themes.loc[4, "quarter"] == "2026-Q2" and themes.loc[4, "status"] == "active"
    assert themes.loc[8, "quarter"] == "2026-Q3" and themes.loc[8, "status"] == "active"  # "paused" dropped
    assert sources.loc[2, "notes"] == "great on interviews"
    assert sources.loc[3, "name"] == "Lenny's Podcast"
    assert sources.loc[3, "notes"] == '=HYPERLINK("https://example.com")'  # text, never run
    assert pd.isna(sources.loc[3, "url"])
    assert list(sources["added_on"].dt.strftime("%Y-%m-%d")) == [
        "2026-01-15", "2026-01-15", "2026-02-01", "2026-03-01", "2026-03-04"]
    assert pd.isna(sources.loc[4, "theme_id"]) and pd.isna(sources.loc[6, "pruned_on"])
    assert critiques.loc[2, "date"] == pd.Timestamp("2026-01-20")
    assert critiques["roles"].tolist()[:3] == [("PM", "Design", "Eng"), ("PM", "Design"), ("Eng",)]
    assert critiques.loc[4, "date"] == pd.Timestamp("2026-02-13")
    assert critiques.loc[8, "format"] == "peer_circle"
    assert commitments.loc[3, ["status", "committed_on"]].tolist() == ["in_progress", pd.Timestamp("2026-01-22")]
    assert decisions.loc[4, "category"] == "discovery_cadence"
    assert decisions.loc[5, ["source_ids", "critique_ids", "impact"]].tolist() == [("S-003",), ("C-r3",), 4.0]
    assert decisions.loc[6, "source_ids"] == () and pd.isna(decisions.loc[6, "impact"])
    assert pd.isna(decisions.loc[7, "commitment_id"]) and decisions.loc[7, "supersedes"] == "D-003"
    assert set(decisions["quarter"]) == {"2026-Q1", "2026-Q2"}
    if kind != "csv":
        assert decisions.loc[11, "date"] == pd.Timestamp("2026-04-18")  # serial 46130


def test_quarantined_rows_keep_what_was_typed(kind, tmp_path):
    wb = messy(kind, tmp_path)
    assert wb.quarantined["sources"].loc[9, "added_on"] == "#REF!"
    assert wb.quarantined["sources"].loc[8, "kind"] == "vlog"
    assert list(wb.quarantined["decisions"].columns) == list(TABS["decisions"].model.columns())


def test_day_first_and_fiscal_year_change_the_ambiguous_date_and_the_quarters(kind, tmp_path):
    wb = messy(kind, tmp_path, ParseOptions(day_first=True, fiscal_year_start_month=7))
    assert wb.sources.loc[10, "added_on"] == pd.Timestamp("2026-04-03")  # 03/04/2026, day first
    assert wb.sources.loc[10, "quarter"] == "2026-Q4"  # April in a July-June fiscal year
    assert wb.sources.loc[2, "quarter"] == "2026-Q3"
    assert wb.critiques.loc[4, "date"] == pd.Timestamp("2026-02-13")  # 13/02 reads the same either way
    assert {(i.tab, i.row, i.column, i.severity) for i in wb.issues} == EXPECTED[kind][3]
