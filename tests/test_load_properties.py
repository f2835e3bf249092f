"""Property: any grid of cells under any mix of real and junk headers loads without raising, and every
non-blank data row ends up either kept or left out (quarantined) — never lost, never doubled."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_schemas import TABS, name_key, parsers
from data_schemas.base import LIST_KINDS
from learnloop.validate import validate_workbook
from learnloop.workbook import Workbook

ALL_COLUMNS = {name for spec in TABS.values() for name in spec.model.columns()}
COLUMN_KEYS = {name_key(name) for name in ALL_COLUMNS}
TITLES = {tab: [tab, tab.upper(), f" {tab.title()} ", *spec.aliases] for tab, spec in TABS.items()}

# Values that mean something to some column, so that some rows are kept and every rule gets exercised.
MEANINGFUL = [
    "T-1", "S-1", "C-1", "K-1", "D-1", "S-1, S-2", "C-1; C-404", "2026-01-15", "15/01/2026", "01/02/2026",
    "Jan 15, 2026", "15 Jan 2026", "2026-Q1", "q1 2026", "2026Q3", "Peer-Circle", "Discovery cadence",
    "pm, design, ceo", "experiment", "newsletter", "talk", "bet", "shipped", "public", "active", "4", "4.0",
    "https://example.com", "javascript:alert(1)", "=SUM(A1:A3)", "=1/0", "+cmd", "@import", "  padded  ",
]


def _not_a_header(text: str) -> bool:
    """Data text must not look like a column name, or a data row could win the header search."""
    return name_key(text) not in COLUMN_KEYS


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12).filter(_not_a_header)
CELLS = st.one_of(
    st.none(),
    TEXT,
    st.sampled_from(MEANINGFUL),
    st.sampled_from(sorted(parsers.SPREADSHEET_ERRORS)),
    st.sampled_from(["", " ", "\t", "\n", "\x00", "\u200b", "\xa0"]),
    st.integers(min_value=-(2**63), max_value=2**63),
    st.integers(min_value=30000, max_value=80000),  # around the plausible serial dates
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(),
    st.datetimes(),
)
JUNK_HEADERS = st.one_of(st.none(), st.sampled_from(["", "Notes", "Rating", "#REF!", "Unnamed: 3", "👍"]),
                         TEXT, st.integers(-5, 5))


def plausible(meta: dict[str, Any]) -> st.SearchStrategy[Any]:
    """A value that is probably right for a column, so that rows get kept and the cross-row rules run."""
    kind, choices = meta["kind"], meta["choices"]
    if kind == "choice":
        return st.sampled_from([*choices, *(c.upper().replace("_", " ") for c in choices)])
    if kind == "choice_list":
        return st.lists(st.sampled_from([*choices, "pm", "CEO"]), min_size=1, max_size=3).map(", ".join)
    if kind == "number":
        return st.sampled_from([1, 2.0, "3", 4, 5, 9, "high"])
    if kind == "date":
        return st.one_of(st.dates(dt.date(2024, 1, 1), dt.date(2027, 12, 31)),
                         st.sampled_from(["2026-01-15", "2026/02/01", "03/04/2026", "Jan 15, 2026", 46037]))
    if kind == "quarter":
        return st.sampled_from(["2026-Q1", "2026 q2", "Q3-2026", "2026Q4"])
    if kind == "id":
        return st.sampled_from(["T-1", "T-2", "S-1", "S-2", "C-1", "C-2", "K-1", "D-1", "D-2", None])
    if kind == "id_list":
        return st.sampled_from(["S-1", "S-1, S-2", "C-1; C-9", "K-1"])
    if kind == "url":
        return st.sampled_from(["https://example.com", "http://x.org/a?b=1", "ftp://nope"])
    return st.one_of(TEXT.filter(lambda text: text.strip() != ""), st.sampled_from(["Maya Chen", "Checkout"]))


def header_label(name: str, style: int) -> str:
    """A real column name, written the way a person might."""
    return [name, name.upper(), name.replace("_", " ").title(), f" {name.replace('_', '-')} "][style % 4]


@st.composite
def tab_grids(draw: st.DrawFn, tab: str) -> list[list[Any]]:
    declared = list(TABS[tab].model.columns())
    real = draw(st.lists(st.sampled_from(declared), unique=True, max_size=len(declared)))
    # Usually all required columns, so that rows get past the tab-level check and into the cell rules.
    if draw(st.integers(0, 3)):
        real = list(dict.fromkeys([*TABS[tab].model.required_columns(), *real]))
    header: list[Any] = [header_label(name, draw(st.integers(0, 3))) for name in real]
    header += draw(st.lists(JUNK_HEADERS, max_size=3))
    header = draw(st.permutations(header))
    columns = {name_key(name): meta for name, meta in TABS[tab].model.columns().items()}
    likely = [plausible(columns[name_key(label)]) if isinstance(label, str) and name_key(label) in columns
              else CELLS for label in header]
    rows = []
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 2)):  # mostly rows a person meant to fill in, with a few odd cells
            row = [draw(st.one_of(cells, CELLS) if draw(st.integers(0, 5)) == 0 else cells) for cells in likely]
        else:
            row = draw(st.lists(CELLS, min_size=0, max_size=len(header) + 2))
        rows.append(row)
    return [header, *rows]


@st.composite
def workbooks(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    tabs: dict[str, list[list[Any]]] = {}
    for tab in TABS:
        if draw(st.integers(0, 9)):  # now and then a tab is missing
            tabs[draw(st.sampled_from(TITLES[tab]))] = draw(tab_grids(tab))
    if draw(st.booleans()):
        tabs["Notes"] = draw(st.lists(st.lists(CELLS, max_size=3), max_size=3))
    return tabs


def is_blank(cell: Any) -> bool:
    if cell is None:
        return True
    if isinstance(cell, float) and math.isnan(cell):
        return True
    return isinstance(cell, str) and cell.strip() == ""


def data_rows(rows: list[list[Any]]) -> list[int]:
    """Sheet row numbers of the non-blank rows below the header (row 1)."""
    return [number for number, row in enumerate(rows[1:], start=2) if not all(is_blank(cell) for cell in row)]


def has_required_columns(tab: str, header: list[Any]) -> bool:
    present = {name_key(label) for label in header if isinstance(label, str)}
    return all(name_key(name) in present for name in TABS[tab].model.required_columns())


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(workbooks())
def test_any_grid_loads_and_every_data_row_is_kept_or_left_out(raw_tabs):
    wb = validate_workbook(raw_tabs, source="property")
    assert isinstance(wb, Workbook)
    titles = {tab: next((title for title in raw_tabs if title in TITLES[tab]), None) for tab in TABS}
    assert wb.tab_titles == titles

    for tab, title in titles.items():
        kept, quarantined = wb.tables[tab], wb.quarantined[tab]
        assert not set(kept.index) & set(quarantined.index), tab
        if title is None:
            assert kept.empty and quarantined.empty
            assert (tab, None, None, "error") in {(i.tab, i.row, i.column, i.severity) for i in wb.issues}
            continue
        rows = raw_tabs[title]
        expected = data_rows(rows)
        if has_required_columns(tab, rows[0]):
            assert sorted([*kept.index, *quarantined.index]) == expected, tab
        else:
            assert kept.empty, tab
            assert list(quarantined.index) == expected, tab
        # every row left out has an error on that row, or the whole tab has one
        errors = {i.row for i in wb.issues if i.tab == tab and i.severity == "error"}
        assert set(quarantined.index) <= errors or None in errors, tab
        # every error on a row leaves that row out
        assert {row for row in errors if row is not None} <= set(quarantined.index), tab
        # kept tables are typed the same whatever came in
        for name, meta in TABS[tab].model.columns().items():
            if meta["kind"] == "date":
                assert str(kept[name].dtype) == "datetime64[us]", (tab, name)
            elif meta["kind"] == "number":
                assert kept[name].dtype == "float64", (tab, name)
            elif meta["kind"] in LIST_KINDS:  # a tuple of items per cell, () when blank
                assert kept[name].map(type).eq(tuple).all(), (tab, name)
                assert not kept[name].explode().isin(list(parsers.SPREADSHEET_ERRORS)).any(), (tab, name)
            else:
                assert kept[name].dtype == "string", (tab, name)
                assert not kept[name].isin(list(parsers.SPREADSHEET_ERRORS)).any(), (tab, name)
            if meta["required"]:
                assert kept[name].notna().all(), (tab, name)

    for issue in wb.issues:
        assert issue.severity in ("error", "warning", "info")
        assert issue.tab in TABS
        assert issue.message
        if issue.row is not None:
            assert 1 <= issue.row <= len(raw_tabs[titles[issue.tab]])


def test_the_property_counts_blank_rows_like_the_loader():
    """A check of the check: rows of white space and NaN are blank, a lone 0 or FALSE is not."""
    rows = [["theme_id", "quarter", "title"], [None, " ", float("nan")], [0, None], [False], ["\t", ""],
            [dt.date(2026, 1, 1)], ["T-1", "2026-Q1", "x"]]
    assert data_rows(rows) == [3, 4, 6, 7]
    wb = validate_workbook({"themes": rows}, source="t")
    assert sorted([*wb.themes.index, *wb.quarantined["themes"].index]) == [3, 4, 6, 7]
    assert list(wb.themes.index) == [7]
    assert pd.api.types.is_string_dtype(wb.themes["theme_id"])
