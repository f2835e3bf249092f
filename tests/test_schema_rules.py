"""One test per parsing and severity rule of the workbook contract.

Each test builds a small workbook as raw tabs (tab title -> rows, row 0 the header), loads it
with ``validate_workbook`` and asserts the exact issues — tab, sheet row (header row = 1),
column, severity, the value as typed, and that the message says what to type instead — and
the value that ends up in the kept table.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import pandas as pd
import pytest

from data_schemas import TABS, ParseOptions, tab_for
from data_schemas.parsers import SPREADSHEET_ERRORS
from learnloop import load
from learnloop.errors import SourceError
from learnloop.validate import validate_workbook
from learnloop.workbook import Issue, Workbook

# ---- building small workbooks ----------------------------------------------------------


def theme(**cells: Any) -> dict[str, Any]:
    return {"theme_id": "T-1", "quarter": "2026-Q1", "title": "Pricing and packaging", **cells}


def source(**cells: Any) -> dict[str, Any]:
    return {"source_id": "S-1", "name": "Product Talk", "kind": "newsletter", "added_on": "2026-01-15", **cells}


def critique(**cells: Any) -> dict[str, Any]:
    return {"critique_id": "C-1", "date": "2026-01-15", "artifact_type": "experiment", "artifact": "Anchor test",
            **cells}


def commitment(**cells: Any) -> dict[str, Any]:
    return {"commitment_id": "K-1", "title": "Talk: pricing", "kind": "talk", "committed_on": "2026-01-20",
            **cells}


def decision(**cells: Any) -> dict[str, Any]:
    return {"decision_id": "D-1", "date": "2026-03-02", "category": "bet", "summary": "Annual plan by default",
            **cells}


ROW = {"themes": theme, "sources": source, "critiques": critique, "commitments": commitment,
       "decisions": decision}
ID_COLUMN = {tab: spec.model._id_column for tab, spec in TABS.items()}
DATE_OF_EVENT = {"sources": "added_on", "critiques": "date", "commitments": "committed_on", "decisions": "date"}


def sheet(*records: dict[str, Any]) -> list[list[Any]]:
    """A tab from records: the header is every key in first-seen order; ``{}`` is a blank row."""
    header = list(dict.fromkeys(key for record in records for key in record))
    return [header, *([record.get(key) for key in header] for record in records)]


def workbook(tabs: dict[str, list[list[Any]]], **options: Any) -> Workbook:
    """Validate ``tabs``; tabs not given are filled in: themes with one theme T-1, the rest header-only."""
    filled: dict[str, list[list[Any]]] = {
        "themes": sheet(theme()),
        **{tab: [list(ROW[tab]())] for tab in ("sources", "critiques", "commitments", "decisions")},
    }
    given = {tab_for(title) for title in tabs}
    raw = {title: rows for title, rows in filled.items() if title not in given}
    raw.update(tabs)
    return validate_workbook(raw, source="test", options=ParseOptions(**options))


def found(wb: Workbook) -> set[tuple[str, int | None, str | None, str]]:
    return {(issue.tab, issue.row, issue.column, issue.severity) for issue in wb.issues}


def the_issue(wb: Workbook, tab: str, row: int | None, column: str | None, severity: str, *,
              value: str | None, says: Iterable[str] = ()) -> Issue:
    """Assert ``wb`` has exactly this one issue, with the value as typed and a message naming ``says``."""
    assert found(wb) == {(tab, row, column, severity)}, wb.issues
    (issue,) = wb.issues
    assert issue.value == value
    for words in says:
        assert words in issue.message, (words, issue.message)
    return issue


def no_issues(wb: Workbook) -> None:
    assert wb.issues == (), wb.issues


def kept(wb: Workbook, tab: str, row: int, column: str) -> Any:
    return wb.tables[tab].at[row, column]


# ---- tab and header names ----------------------------------------------------------------


def test_tab_names_match_ignoring_case_spaces_underscores_and_hyphens():
    titles = {"themes": "THEMES", "sources": " Sources ", "critiques": "_critiques_",
              "commitments": "Commit ments", "decisions": "De-cisions"}
    wb = workbook({titles[tab]: sheet(ROW[tab]()) for tab in TABS})
    no_issues(wb)
    assert wb.tab_titles == titles
    assert {tab: len(frame) for tab, frame in wb.tables.items()} == dict.fromkeys(TABS, 1)


@pytest.mark.parametrize(("title", "tab"), [
    ("pln", "sources"), ("PLN", "sources"), ("Learning Network", "sources"), ("learning_network", "sources"),
    ("Peer Circle", "critiques"), ("peer-circle", "critiques"), ("Artifacts", "commitments"),
    ("Decision Changes", "decisions"), ("decision_changes", "decisions"),
])
def test_tab_aliases_pln_learning_network_peer_circle_artifacts_decision_changes(title, tab):
    wb = workbook({title: sheet(ROW[tab]())})
    no_issues(wb)
    assert wb.tab_titles[tab] == title
    assert len(wb.tables[tab]) == 1


def test_tabs_outside_the_contract_are_ignored():
    wb = workbook({"Notes": [["#REF!", None], ["anything", 42]], "Sources (old)": [["junk"], ["#N/A"]],
                   "sources": sheet(source())})
    no_issues(wb)
    assert "Notes" not in wb.tab_titles.values()
    assert "Sources (old)" not in wb.tab_titles.values()
    assert len(wb.sources) == 1


def test_a_second_tab_for_the_same_part_is_an_error_naming_both():
    # Its rows are left out, so it is an error to fix, not a note (tests/test_duplicate_tabs.py has the rule).
    wb = workbook({"PLN": sheet(source(source_id="S-2"), source(source_id="S-3")), "sources": sheet(source())})
    the_issue(wb, "sources", None, None, "error", value=None,
              says=["2 tabs for sources: 'sources' and 'PLN'", "Only 'sources' is read", "rows in 'PLN' are left out"])
    assert wb.tab_titles["sources"] == "sources"
    assert list(wb.sources["source_id"]) == ["S-1"]


def test_header_names_match_ignoring_case_spaces_underscores_and_hyphens():
    rows = [["Source ID", "NAME", " kind ", "Added-On", "Theme_ID", "last engaged on", "Pruned On "],
            ["S-1", "Product Talk", "newsletter", "2026-01-15", "T-1", "2026-02-20", "2026-06-30"]]
    wb = workbook({"sources": rows})
    no_issues(wb)
    assert wb.sources.loc[2, ["source_id", "name", "kind", "theme_id"]].tolist() == [
        "S-1", "Product Talk", "newsletter", "T-1"]
    assert kept(wb, "sources", 2, "added_on") == pd.Timestamp("2026-01-15")
    assert kept(wb, "sources", 2, "last_engaged_on") == pd.Timestamp("2026-02-20")
    assert kept(wb, "sources", 2, "pruned_on") == pd.Timestamp("2026-06-30")


def test_columns_may_come_in_any_order():
    record = source(theme_id="T-1", notes="weekly")
    rows = sheet({key: record[key] for key in reversed(record)})
    assert rows[0][0] == "notes"
    wb = workbook({"sources": rows})
    no_issues(wb)
    assert wb.sources.loc[2, ["source_id", "name", "kind", "theme_id", "notes"]].tolist() == [
        "S-1", "Product Talk", "newsletter", "T-1", "weekly"]
    assert list(wb.sources.columns[:4]) == ["source_id", "name", "kind", "theme_id"]


def test_unknown_columns_are_ignored_and_listed_as_info():
    wb = workbook({"sources": sheet(source(Rating=5))})
    the_issue(wb, "sources", 1, "Rating", "info", value=None, says=["'Rating'", "ignored"])
    assert wb.ignored_columns["sources"] == ("Rating",)
    assert "Rating" not in wb.sources.columns
    assert len(wb.sources) == 1


# ---- text and blank rows ----------------------------------------------------------------


def test_text_is_trimmed_and_empty_strings_are_missing():
    wb = workbook({"sources": sheet(source(source_id=" S-1 ", name="  Product Talk\t", owner="", notes="   "))})
    no_issues(wb)
    assert kept(wb, "sources", 2, "source_id") == "S-1"
    assert kept(wb, "sources", 2, "name") == "Product Talk"
    assert pd.isna(kept(wb, "sources", 2, "owner"))
    assert pd.isna(kept(wb, "sources", 2, "notes"))


def test_entirely_blank_rows_are_skipped_silently():
    rows = sheet(source(), {}, source(source_id="S-2"))
    rows.insert(3, ["", "  ", None, "\t"])
    wb = workbook({"sources": rows})
    no_issues(wb)
    assert list(wb.sources.index) == [2, 5]
    assert wb.quarantined["sources"].empty


# ---- enums -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("tab", "column", "typed", "expected"), [
    ("decisions", "category", "Discovery cadence", "discovery_cadence"),
    ("decisions", "category", "DISCOVERY-CADENCE", "discovery_cadence"),
    ("critiques", "format", "Peer-Circle", "peer_circle"),
    ("critiques", "artifact_type", "Discovery Plan", "discovery_plan"),
    ("critiques", "roles", "pm, DESIGN;eng", ("PM", "Design", "Eng")),
    ("commitments", "status", "In Progress", "in_progress"),
    ("sources", "kind", " Newsletter ", "newsletter"),
])
def test_enum_values_match_case_insensitively_with_spaces_and_hyphens_as_underscores(tab, column, typed,
                                                                                       expected):
    wb = workbook({tab: sheet(ROW[tab](**{column: typed}))})
    no_issues(wb)
    assert kept(wb, tab, 2, column) == expected


# ---- dates -----------------------------------------------------------------------------------


@pytest.mark.parametrize("cell", [
    dt.date(2026, 1, 15), dt.datetime(2026, 1, 15, 9, 30), pd.Timestamp("2026-01-15 18:00"),
    46037, 46037.0, 46037.75,  # Excel / Google Sheets serial numbers
], ids=repr)
def test_date_cells_and_serial_numbers_are_dates(cell):
    wb = workbook({"sources": sheet(source(added_on=cell))})
    no_issues(wb)
    assert kept(wb, "sources", 2, "added_on") == pd.Timestamp("2026-01-15")


@pytest.mark.parametrize("typed", ["2026-01-15", "2026/01/15", "15 Jan 2026", "Jan 15, 2026", " 2026-01-15 ",
                                   "15 January 2026", "January 15, 2026", "2026-01-15 10:30"])
def test_text_dates_in_the_accepted_forms_are_read(typed):
    wb = workbook({"sources": sheet(source(added_on=typed))})
    no_issues(wb)
    assert kept(wb, "sources", 2, "added_on") == pd.Timestamp("2026-01-15")


@pytest.mark.parametrize(("day_first", "expected"), [(False, "2026-03-04"), (True, "2026-04-03")])
def test_slash_date_with_both_parts_12_or_less_follows_day_first(day_first, expected):
    wb = workbook({"sources": sheet(source(added_on="03/04/2026"))}, day_first=day_first)
    no_issues(wb)
    assert kept(wb, "sources", 2, "added_on") == pd.Timestamp(expected)


@pytest.mark.parametrize("day_first", [False, True])
@pytest.mark.parametrize("typed", ["13/04/2026", "04/13/2026"])
def test_unambiguous_slash_date_is_accepted_either_way(typed, day_first):
    wb = workbook({"sources": sheet(source(added_on=typed))}, day_first=day_first)
    no_issues(wb)
    assert kept(wb, "sources", 2, "added_on") == pd.Timestamp("2026-04-13")


# ---- quarters --------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["2026-Q1", "2026 Q1", "2026Q1", "Q1 2026", "Q1-2026", "2026-q1", "q1 2026",
                                   " 2026 q1 "])
def test_quarters_accept_common_spellings_in_any_case_and_are_canonical(typed):
    wb = workbook({"themes": sheet(theme(quarter=typed))})
    no_issues(wb)
    assert kept(wb, "themes", 2, "quarter") == "2026-Q1"


@pytest.mark.parametrize("typed", ["2026-Q5", "Spring 2026", "26-Q1", "2026"])
def test_unreadable_quarter_quarantines_the_theme(typed):
    wb = workbook({"themes": sheet(theme(), theme(theme_id="T-2", quarter=typed))})
    the_issue(wb, "themes", 3, "quarter", "error", value=typed, says=["Type a quarter like 2026-Q1"])
    assert list(wb.themes.index) == [2]
    assert list(wb.quarantined["themes"].index) == [3]


@pytest.mark.parametrize("tab", list(DATE_OF_EVENT))
@pytest.mark.parametrize(("date", "quarter"), [("2026-01-01", "2026-Q1"), ("2026-03-31", "2026-Q1"),
                                               ("2026-04-01", "2026-Q2"), ("2026-12-31", "2026-Q4")])
def test_event_rows_get_their_calendar_quarter_from_their_date(tab, date, quarter):
    wb = workbook({tab: sheet(ROW[tab](**{DATE_OF_EVENT[tab]: date}))})
    no_issues(wb)
    assert kept(wb, tab, 2, "quarter") == quarter


@pytest.mark.parametrize("tab", list(DATE_OF_EVENT))
@pytest.mark.parametrize(("start_month", "date", "quarter"), [
    (7, "2026-07-01", "2027-Q1"),  # FY Jul 2026 - Jun 2027 ends in 2027
    (7, "2026-06-30", "2026-Q4"),
    (7, "2026-01-15", "2026-Q3"),
    (4, "2026-04-01", "2027-Q1"),
    (4, "2026-03-31", "2026-Q4"),
    (10, "2025-10-01", "2026-Q1"),
    (2, "2026-01-31", "2026-Q4"),
    (1, "2026-12-31", "2026-Q4"),
])
def test_fiscal_year_start_month_gives_fiscal_quarters_named_by_the_year_they_end(tab, start_month, date,
                                                                                  quarter):
    wb = workbook({tab: sheet(ROW[tab](**{DATE_OF_EVENT[tab]: date}))}, fiscal_year_start_month=start_month)
    no_issues(wb)
    assert kept(wb, tab, 2, "quarter") == quarter


def test_a_themes_typed_quarter_is_not_shifted_by_the_fiscal_calendar():
    wb = workbook({"themes": sheet(theme(quarter="Q3 2026"))}, fiscal_year_start_month=7)
    no_issues(wb)
    assert kept(wb, "themes", 2, "quarter") == "2026-Q3"


# ---- numbers and spreadsheet errors ------------------------------------------------------


@pytest.mark.parametrize("cell", [4, 4.0, "4", " 4 ", "4.0"], ids=repr)
def test_numbers_accept_4_4point0_and_text_4(cell):
    wb = workbook({"decisions": sheet(decision(impact=cell))})
    no_issues(wb)
    assert kept(wb, "decisions", 2, "impact") == 4.0


@pytest.mark.parametrize("error", sorted(SPREADSHEET_ERRORS & {"#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?",
                                                                "#NUM!", "#NULL!", "#ERROR!"}))
@pytest.mark.parametrize(("column", "what_to_type"), [("added_on", "a date like"), ("notes", "type the value"),
                                                      ("pruned_on", "a date like")])
def test_spreadsheet_error_values_are_errors_in_that_cell_never_text(error, column, what_to_type):
    wb = workbook({"sources": sheet(source(), source(source_id="S-2", **{column: error}))})
    the_issue(wb, "sources", 3, column, "error", value=error, says=[error, what_to_type])
    assert list(wb.sources.index) == [2]
    assert list(wb.quarantined["sources"].index) == [3]
    assert not wb.sources.astype(str).isin([error]).any().any()


# ---- ids ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("tab", "prefix"), [("critiques", "C"), ("commitments", "K"), ("decisions", "D")])
@pytest.mark.parametrize("blank", [None, "", "  "], ids=repr)
def test_blank_optional_id_gets_a_stable_id_from_tab_and_row(tab, prefix, blank):
    id_column = ID_COLUMN[tab]
    records = [ROW[tab](**{id_column: f"{prefix}-{n}"}) for n in range(1, 6)]
    records.append(ROW[tab](**{id_column: blank}))  # sheet row 7
    wb = workbook({tab: sheet(*records)})
    the_issue(wb, tab, 7, id_column, "info", value=None, says=[f"{prefix}-r7", "Type an id"])
    assert kept(wb, tab, 7, id_column) == f"{prefix}-r7"
    assert len(wb.tables[tab]) == 6


@pytest.mark.parametrize("tab", ["themes", "sources"])
def test_theme_id_and_source_id_are_required(tab):
    id_column = ID_COLUMN[tab]
    wb = workbook({tab: sheet(ROW[tab](), ROW[tab](**{id_column: None}))})
    the_issue(wb, tab, 3, id_column, "error", value=None, says=[f"{id_column} is required", "Type"])
    assert list(wb.tables[tab].index) == [2]
    assert list(wb.quarantined[tab].index) == [3]


@pytest.mark.parametrize("tab", list(TABS))
def test_duplicate_id_quarantines_the_later_row(tab):
    id_column = ID_COLUMN[tab]
    prefix = id_column[0].upper()
    rows = sheet(ROW[tab](**{id_column: f"{prefix}-1"}), ROW[tab](**{id_column: f"{prefix}-2"}),
                 ROW[tab](**{id_column: f" {prefix}-1 "}))  # the same id after trimming
    wb = workbook({tab: rows})
    the_issue(wb, tab, 4, id_column, "error", value=f"{prefix}-1",
              says=["already used on row 2", f"give each row its own {id_column}"])
    assert list(wb.tables[tab].index) == [2, 3]
    assert list(wb.quarantined[tab].index) == [4]


# ---- errors: the row is left out -------------------------------------------------------------


REQUIRED = [(tab, column) for tab, spec in TABS.items() for column in spec.model.required_columns()]


@pytest.mark.parametrize(("tab", "column"), REQUIRED)
@pytest.mark.parametrize("blank", [None, "", "   "], ids=repr)
def test_missing_required_value_quarantines_the_row(tab, column, blank):
    wb = workbook({tab: sheet(ROW[tab](), ROW[tab](**{ID_COLUMN[tab]: "X-2", column: blank}))})
    the_issue(wb, tab, 3, column, "error", value=None, says=[f"{column} is required. Type "])
    assert list(wb.tables[tab].index) == [2]
    assert list(wb.quarantined[tab].index) == [3]


@pytest.mark.parametrize(("tab", "column", "typed", "says"), [
    ("themes", "quarter", "sometime", "a quarter like 2026-Q1"),
    ("sources", "added_on", "soon", "a date like 2026-01-15"),
    ("sources", "added_on", "2026-02-30", "a date like 2026-01-15"),
    ("critiques", "date", "31/31/2026", "a date like 2026-01-15"),
    ("commitments", "committed_on", "next week", "a date like 2026-01-20"),
    ("decisions", "date", True, "a date like 2026-03-02"),
    ("decisions", "date", 2026, "a date like 2026-03-02"),  # a bare year is not a serial date
])
def test_unparseable_required_value_quarantines_the_row(tab, column, typed, says):
    wb = workbook({tab: sheet(ROW[tab](), ROW[tab](**{ID_COLUMN[tab]: "X-2", column: typed}))})
    shown = "TRUE" if typed is True else str(typed)
    the_issue(wb, tab, 3, column, "error", value=shown, says=[f"'{shown}'", says, "left out"])
    assert list(wb.tables[tab].index) == [2]
    assert list(wb.quarantined[tab].index) == [3]
    assert wb.quarantined[tab].at[3, column] == shown


REQUIRED_CHOICES = [(tab, column, meta["choices"]) for tab, spec in TABS.items()
                    for column, meta in spec.model.columns().items()
                    if meta["kind"] == "choice" and meta["required"]]


@pytest.mark.parametrize(("tab", "column", "choices"), REQUIRED_CHOICES)
def test_unknown_required_enum_quarantines_the_row(tab, column, choices):
    wb = workbook({tab: sheet(ROW[tab](), ROW[tab](**{ID_COLUMN[tab]: "X-2", column: "Vlog post"}))})
    the_issue(wb, tab, 3, column, "error", value="Vlog post", says=["one of: " + ", ".join(choices)])
    assert list(wb.tables[tab].index) == [2]
    assert list(wb.quarantined[tab].index) == [3]


def test_a_missing_required_tab_is_an_error_and_loads_empty_while_other_tabs_load():
    wb = validate_workbook({"themes": sheet(theme()), "sources": sheet(source()), "critiques": sheet(critique()),
                            "decisions": sheet(decision())}, source="test")
    the_issue(wb, "commitments", None, None, "error", value=None,
              says=["no commitments tab", "Add a tab named commitments", "artifacts"])
    assert wb.commitments.empty
    assert list(wb.commitments.columns) == [*TABS["commitments"].model.columns(), "quarter", "shipped_quarter", "sheet"]
    assert wb.tab_titles["commitments"] is None
    assert {tab: len(wb.tables[tab]) for tab in TABS} == {"themes": 1, "sources": 1, "critiques": 1,
                                                          "commitments": 0, "decisions": 1}


def test_a_missing_required_column_is_an_error_for_that_tab_which_loads_empty():
    rows = sheet({key: value for key, value in source().items() if key != "kind"},
                 {key: value for key, value in source(source_id="S-2").items() if key != "kind"})
    wb = workbook({"sources": rows, "critiques": sheet(critique(theme_id="T-1"))})
    the_issue(wb, "sources", None, "kind", "error", value=None, says=["no 'kind' column", "Add a column headed kind"])
    assert wb.sources.empty
    assert list(wb.quarantined["sources"].index) == [2, 3]
    assert len(wb.themes) == 1 and len(wb.critiques) == 1
    assert kept(wb, "critiques", 2, "theme_id") == "T-1"


def test_issue_rows_are_sheet_rows_when_a_title_row_sits_above_the_header():
    rows = [["Our learning network", None, None, None], [None, None, None, None], *sheet(source(), source())]
    wb = workbook({"sources": rows})
    the_issue(wb, "sources", 5, "source_id", "error", value="S-1", says=["already used on row 4"])
    assert list(wb.sources.index) == [4]


# ---- warnings: the row is kept, the value left out ----------------------------------------


@pytest.mark.parametrize("tab", ["sources", "critiques", "commitments", "decisions"])
def test_unknown_theme_id_reference_is_dropped_with_a_warning(tab):
    wb = workbook({tab: sheet(ROW[tab](theme_id="T-404"))})
    the_issue(wb, tab, 2, "theme_id", "warning", value="T-404",
              says=["not a theme_id in the themes tab", "Use an id listed there"])
    assert pd.isna(kept(wb, tab, 2, "theme_id"))
    assert list(wb.tables[tab].index) == [2]


def test_a_reference_to_a_row_that_was_left_out_is_unknown():
    themes = sheet(theme(), theme(theme_id="T-2", quarter="sometime"))
    wb = workbook({"themes": themes, "sources": sheet(source(theme_id="T-2"))})
    assert found(wb) == {("themes", 3, "quarter", "error"), ("sources", 2, "theme_id", "warning")}
    assert pd.isna(kept(wb, "sources", 2, "theme_id"))


def test_unknown_ids_in_a_list_reference_drop_only_those_ids():
    wb = workbook({"sources": sheet(source(), source(source_id="S-2")),
                   "decisions": sheet(decision(source_ids="S-1; S-404, S-2"))})
    the_issue(wb, "decisions", 2, "source_ids", "warning", value="S-404",
              says=["not a source_id in the sources tab", "Use ids listed there"])
    assert kept(wb, "decisions", 2, "source_ids") == ("S-1", "S-2")


@pytest.mark.parametrize(("tab", "column", "example"), [
    ("sources", "last_engaged_on", "2026-02-20"), ("sources", "pruned_on", "2026-06-30"),
    ("commitments", "due_on", "2026-03-15"), ("commitments", "shipped_on", "2026-03-12"),
])
def test_unparseable_optional_date_is_dropped_with_a_warning(tab, column, example):
    wb = workbook({tab: sheet(ROW[tab](**{column: "last week"}))})
    the_issue(wb, tab, 2, column, "warning", value="last week",
              says=["not a date we can read", f"Type a date like {example}", "the rest of the row is kept"])
    assert pd.isna(kept(wb, tab, 2, column))


@pytest.mark.parametrize("cell", [9, 0, -1, 4.5, "high", "9"], ids=repr)
def test_impact_outside_1_to_5_is_dropped_with_a_warning(cell):
    wb = workbook({"decisions": sheet(decision(impact=cell))})
    the_issue(wb, "decisions", 2, "impact", "warning", value=str(cell), says=["one of: 1, 2, 3, 4, 5"])
    assert pd.isna(kept(wb, "decisions", 2, "impact"))
    assert kept(wb, "decisions", 2, "summary") == "Annual plan by default"


OPTIONAL_CHOICES = [(tab, column, meta["choices"], meta["default"]) for tab, spec in TABS.items()
                    for column, meta in spec.model.columns().items()
                    if meta["kind"] == "choice" and not meta["required"]]


@pytest.mark.parametrize(("tab", "column", "choices", "default"), OPTIONAL_CHOICES)
def test_unknown_optional_enum_is_dropped_with_a_warning(tab, column, choices, default):
    wb = workbook({tab: sheet(ROW[tab](**{column: "paused"}))})
    the_issue(wb, tab, 2, column, "warning", value="paused", says=["one of: " + ", ".join(choices)])
    value = kept(wb, tab, 2, column)
    assert (pd.isna(value) if default is None else value == default)


@pytest.mark.parametrize(("typed", "left"), [("PM, CEO, design", ("PM", "Design")), ("ceo", ())])
def test_unknown_role_drops_only_the_unknown_items(typed, left):
    wb = workbook({"critiques": sheet(critique(roles=typed))})
    the_issue(wb, "critiques", 2, "roles", "warning", value=typed,
              says=["'ceo' in roles is not known", "a comma list of: PM, Design, Eng, Data, Research, Other"])
    assert kept(wb, "critiques", 2, "roles") == left


def test_pruned_on_before_added_on_is_dropped_with_a_warning():
    wb = workbook({"sources": sheet(source(added_on="2026-03-01", pruned_on="2026-02-28"),
                                    source(source_id="S-2", added_on="2026-03-01", pruned_on="2026-03-01"))})
    the_issue(wb, "sources", 2, "pruned_on", "warning", value="2026-02-28",
              says=["before added_on", "type a date on or after added_on"])
    assert pd.isna(kept(wb, "sources", 2, "pruned_on"))
    assert kept(wb, "sources", 2, "added_on") == pd.Timestamp("2026-03-01")
    assert kept(wb, "sources", 3, "pruned_on") == pd.Timestamp("2026-03-01")


@pytest.mark.parametrize("with_column", [True, False])
def test_shipped_commitment_with_no_shipped_on_warns(with_column):
    extra = {"shipped_on": None} if with_column else {}
    wb = workbook({"commitments": sheet(commitment(status="Shipped", **extra))})
    the_issue(wb, "commitments", 2, "shipped_on", "warning", value=None,
              says=["status is shipped", "type the date it shipped"])
    assert kept(wb, "commitments", 2, "status") == "shipped"
    assert pd.isna(kept(wb, "commitments", 2, "shipped_on"))


# ---- reading sources -------------------------------------------------------------------------


def test_loading_never_raises_on_bad_data():
    garbage: dict[str, list[list[Any]]] = {
        "themes": [[None], [float("nan"), "#REF!", True]],
        "sources": [[1, 2, 3], ["source_id"], [dt.date(1900, 1, 1), float("inf"), -(10**18)]],
        "critiques": [],
        "commitments": [["commitment_id", "commitment_id", "", None]],
        "decisions": [["decision_id", "date", "category", "summary", "impact"], ["=1/0", 1e308, "#N/A", "", "nan"]],
    }
    wb = validate_workbook(garbage, source="garbage")
    assert wb.has_errors
    assert all(issue.severity in ("error", "warning", "info") for issue in wb.issues)


@pytest.fixture
def not_a_workbook(tmp_path):
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    return path


def test_source_error_only_when_the_source_cannot_be_read(tmp_path, not_a_workbook):
    (tmp_path / "empty").mkdir()
    (tmp_path / "binary").mkdir()
    (tmp_path / "binary" / "themes.csv").write_bytes(b"theme_id,title\nT-1,\x81\x8d\x00\xff\n")
    (tmp_path / "notes.txt").write_text("hello")
    for unreadable in (tmp_path / "missing.xlsx", tmp_path / "missing", not_a_workbook, tmp_path / "empty",
                       tmp_path / "binary", tmp_path / "notes.txt"):
        with pytest.raises(SourceError):
            load.workbook(str(unreadable))

    (tmp_path / "latin1").mkdir()  # not UTF-8: read as Windows-1252, with a note (tests/test_csv_dialects.py)
    (tmp_path / "latin1" / "themes.csv").write_bytes("theme_id,quarter,title\nT-1,2026-Q1,Caf\xe9\n".encode("latin-1"))
    assert list(load.workbook(str(tmp_path / "latin1")).themes["title"]) == ["Café"]

    (tmp_path / "wrong").mkdir()
    (tmp_path / "wrong" / "notes.csv").write_text("a,b\n#REF!,=1+1\n")
    wb = load.workbook(str(tmp_path / "wrong"))  # readable, just not a playbook: issues, no exception
    assert found(wb) == {(tab, None, None, "error") for tab in TABS}
