"""Bad input, tried on purpose: the loader never raises, and no non-blank row is silently lost.

``tests/test_load_properties.py`` proves the property for ordinary grids of plausible and junk
cells. This file goes after what breaks parsers and layouts: 50,000-character cells, every kind of
Unicode, control characters, formulas, 10,000 columns, header-only tabs, duplicate headers, title
rows above the header, and cell types only some sources produce (times, durations). Every non-blank
row below the header must be kept or quarantined with an error on that row (or on the whole tab).
The fixed cases also go through the real Sheets path (gspread, JSON, the stand-in).

A coverage-guided harness for the same property is in ``fuzz/`` (atheris, optional).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data_schemas import TABS, name_key
from learnloop import load
from learnloop.sources import sheets
from learnloop.validate import HEADER_SEARCH_ROWS, validate_workbook
from learnloop.workbook import Workbook
from tests import reliability
from tests.sheets_standin import SheetsStandin

COLUMN_KEYS = {name_key(name) for spec in TABS.values() for name in spec.model.columns()}
HUGE = 50_000
CONTROL = "".join(map(chr, [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]))
ODD_UNICODE = [
    "\u200b", "\u200d", "\u2028", "\u2029", "\ufeff", "\u202e", "\xa0", "\u3000",  # invisible, RTL override, spaces
    "مرحبا بالعالم", "שלום", "👩🏽‍💻🚀", "e\u0301\u0301\u0301", "Ｔ－１", "２０２６-０１-１５", "٢٠٢٦-Q1", "Ⅻ",
    "ß", "ǅ", "İstanbul", "\U0010ffff", "\ufffd",
]
FORMULAS = ["=1+1", "=SUM(A1:A3)", '=HYPERLINK("https://evil.example","x")', "=IMPORTXML(A1,\"//a\")", "+1",
            "-1", "@SUM(A1)", "=cmd|' /C calc'!A0", "\t=1", "\r=1"]


def _not_a_header(text: str) -> bool:
    """Data and title text must not name a column, or it could win the header search."""
    return name_key(text) not in COLUMN_KEYS


TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20).filter(_not_a_header)
CONTROL_TEXT = st.text(st.sampled_from(CONTROL + "ab -/:"), min_size=1, max_size=12).filter(_not_a_header)
HUGE_TEXT = st.builds(lambda piece, extra: (piece * HUGE)[:HUGE + extra],
                      st.sampled_from(["x", "é", "2026-01-15 ", "🚀", "=1+", "\x00", " ", "S-1, "]),
                      st.integers(0, 3)).filter(_not_a_header)
CELLS = st.one_of(
    st.none(), TEXT, CONTROL_TEXT, st.sampled_from(ODD_UNICODE), st.sampled_from(FORMULAS), HUGE_TEXT,
    st.sampled_from(["2026-01-15", "15 Jan 2026", "2026-Q1", "T-1", "S-1, S-2", "experiment", "bet", "4",
                     "https://example.com", "javascript:alert(1)", "#REF!", "", " "]),
    st.integers(min_value=-(2**70), max_value=2**70),  # past int64 too
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.dates(), st.datetimes(), st.times(), st.timedeltas(),
)


def header_label(name: str, style: int) -> str:
    return [name, name.upper(), name.replace("_", " ").title(), f" {name.replace('_', '-')} ", f"{name}\u200b"][style % 5]


@st.composite
def tab_layouts(draw: st.DrawFn, tab: str) -> list[list[Any]]:
    """Title rows, then a header (real, duplicated and junk labels), then rows of hostile cells."""
    declared = list(TABS[tab].model.columns())
    real = draw(st.lists(st.sampled_from(declared), unique=True, min_size=1, max_size=len(declared)))
    if draw(st.integers(0, 3)):
        real = list(dict.fromkeys([*TABS[tab].model.required_columns(), *real]))
    header: list[Any] = [header_label(name, draw(st.integers(0, 4))) for name in real]
    header += [header_label(name, draw(st.integers(0, 4)))  # duplicate headers
               for name in draw(st.lists(st.sampled_from(real), max_size=2))]
    header += draw(st.lists(st.one_of(st.none(), TEXT, CONTROL_TEXT, st.sampled_from(["#REF!", "Notes", "👍"])),
                            max_size=3))
    header = draw(st.permutations(header))
    titles = draw(st.lists(st.one_of(st.just([]), st.lists(st.one_of(st.none(), TEXT), max_size=2)), max_size=3))
    rows = draw(st.lists(st.lists(CELLS, max_size=len(header) + 2), max_size=6))
    return [*titles, header, *rows]


@st.composite
def workbooks(draw: st.DrawFn) -> dict[str, list[list[Any]]]:
    tabs: dict[str, list[list[Any]]] = {}
    for tab in TABS:
        shape = draw(st.integers(0, 9))
        if shape == 0:
            continue  # a missing tab
        if shape == 1:
            tabs[tab] = []  # an empty tab
        elif shape == 2:
            tabs[tab] = [list(TABS[tab].model.columns())]  # header only
        else:
            tabs[tab] = draw(tab_layouts(tab))
    return tabs


# ---------------------------------------------------------------------------------- the check ---


def is_blank(cell: Any) -> bool:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return True
    return isinstance(cell, str) and cell.strip() == ""


def header_index(rows: list[list[Any]], tab: str) -> int:
    """Where the loader finds the header: the first of the top rows naming the most known columns."""
    keys = {name_key(name) for name in TABS[tab].model.columns()}
    hits = [sum(isinstance(cell, str) and name_key(cell) in keys for cell in row) for row in rows[:HEADER_SEARCH_ROWS]]
    return hits.index(max(hits)) if hits and max(hits) else 0


def check_nothing_lost(raw_tabs: dict[str, list[list[Any]]], wb: Workbook) -> int:
    """Every non-blank row below the header is kept or quarantined (with an error), never both and
    never neither; kept rows have their required values. Returns how many data rows there were."""
    assert isinstance(wb, Workbook)
    total = 0
    for tab in TABS:
        kept, quarantined = wb.tables[tab], wb.quarantined[tab]
        assert not set(kept.index) & set(quarantined.index), tab
        errors = {i.row for i in wb.issues if i.tab == tab and i.severity == "error"}
        rows = raw_tabs.get(tab)
        if not rows:
            assert kept.empty and quarantined.empty, tab
            continue
        at = header_index(rows, tab)
        expected = [at + 2 + n for n, row in enumerate(rows[at + 1:]) if not all(map(is_blank, row))]
        total += len(expected)
        assert sorted([*kept.index, *quarantined.index]) == expected, tab
        assert set(quarantined.index) <= errors or None in errors, tab  # every row left out is reported
        assert {row for row in errors if row is not None} <= set(quarantined.index), tab
        for name, meta in TABS[tab].model.columns().items():
            if meta["required"]:
                assert kept[name].notna().all(), (tab, name)
            if meta["kind"] == "url":
                assert kept[name].dropna().str.match(r"^https?://").all(), (tab, name)
    for issue in wb.issues:
        assert issue.tab in TABS and issue.severity in ("error", "warning", "info") and issue.message
    return total


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
@given(workbooks())
def test_hostile_grids_load_and_every_row_is_kept_or_reported(raw_tabs: dict[str, list[list[Any]]]) -> None:
    wb = validate_workbook(raw_tabs, source="fuzz")
    rows = check_nothing_lost(raw_tabs, wb)
    reliability.add(fuzz_cases=1, fuzz_rows=rows)


# ------------------------------------------------------------------------------ fixed cases ---

THEMES = ["theme_id", "quarter", "title", "owner"]


def themes_with(*rows: list[Any]) -> dict[str, list[list[Any]]]:
    return {"themes": [THEMES, *[list(row) for row in rows]]}


def wide_tab(columns: int = 10_000) -> dict[str, list[list[Any]]]:
    header = [*THEMES, *(f"extra {n}" for n in range(columns - len(THEMES)))]
    return {"themes": [header, ["T-1", "2026-Q1", "Wide", "Ana", *("x" * (n % 3) for n in range(columns - 4))],
                       ["T-2", "someday", "Bad quarter", *([None] * 50), "far right"]]}


EDGE_CASES: dict[str, dict[str, list[list[Any]]]] = {
    "huge cells": themes_with(["T-1", "2026-Q1", "x" * HUGE, "é" * HUGE],
                              ["T-2", "2026-Q1" * (HUGE // 7), "Huge quarter", None],
                              ["🚀" * HUGE, "2026-Q2", "Huge id", None]),
    "unicode": themes_with(*[[f"T-{n}", "2026-Q1", text, text] for n, text in enumerate(ODD_UNICODE)],
                           ["Ｔ－１", "٢٠٢٦-Q1", "Other digits", None]),
    "control characters": themes_with(["T-1\x00", "2026-Q1\x1b", "Bell\x07 and NUL\x00", "\x7f"],
                                      ["T-2", "2026-Q1", CONTROL, CONTROL],
                                      ["\u2028", "\u2029", "\ufeff", None]),
    "formulas": themes_with(*[[f"T-{n}", "2026-Q1", text, text] for n, text in enumerate(FORMULAS)]),
    "10,000 columns": wide_tab(),
    "header-only tabs": {tab: [list(TABS[tab].model.columns())] for tab in TABS},
    "duplicate headers": {"themes": [["theme_id", "Theme ID", "quarter", "title", "TITLE", "title"],
                                     ["T-1", "T-9", "2026-Q1", "First title wins", "second", "third"],
                                     ["T-2", None, "2026-Q2", None, "only in a duplicate", None]]},
    "title row above the header": {"themes": [["Team playbook 2026"], [], ["Owner: Ana", None, "v2"],
                                              THEMES, ["T-1", "2026-Q1", "Pricing", "Ana"],
                                              [None, None, None, None], ["T-2", "Q2 2026", "Onboarding", None]]},
    "values under no header": {"themes": [THEMES, ["T-1", "2026-Q1", "Pricing", "Ana", "stray", "cells"],
                                          [None, None, None, None, "only stray"]]},
}


@pytest.mark.parametrize("name", list(EDGE_CASES))
def test_edge_cases_load_and_every_row_is_kept_or_reported(name: str) -> None:
    raw_tabs = EDGE_CASES[name]
    started = time.monotonic()
    wb = validate_workbook(raw_tabs, source=name)
    assert time.monotonic() - started < 10, "even the worst case loads in seconds"
    check_nothing_lost(raw_tabs, wb)
    reliability.add(fuzz_cases=1, fuzz_rows=sum(len(rows) for rows in raw_tabs.values()))


def test_what_the_edge_cases_keep() -> None:
    """Spot checks that the hostile values are read as typed, not mangled or run."""
    formulas = validate_workbook(EDGE_CASES["formulas"], source="f").themes
    assert [text.strip() for text in FORMULAS] == list(formulas["title"])  # text as typed (trimmed), never run
    huge = validate_workbook(EDGE_CASES["huge cells"], source="h")
    assert huge.themes.loc[2, "title"] == "x" * HUGE
    assert list(huge.quarantined["themes"].index) == [3], "a 50,000-character quarter is reported"
    assert huge.themes.loc[4, "theme_id"] == "🚀" * HUGE, "a huge id is still an id"
    dup = validate_workbook(EDGE_CASES["duplicate headers"], source="d")
    assert dup.themes.loc[2, ["theme_id", "title"]].tolist() == ["T-1", "First title wins"]
    assert [i.column for i in dup.issues if i.severity == "info"] == ["Theme ID (duplicate)", "TITLE (duplicate)",
                                                                     "title (duplicate)"]
    titled = validate_workbook(EDGE_CASES["title row above the header"], source="t")
    assert list(titled.themes.index) == [5, 7], "rows keep the numbers the editor sees"
    wide = validate_workbook(EDGE_CASES["10,000 columns"], source="w")
    assert list(wide.themes.index) == [2] and list(wide.quarantined["themes"].index) == [3]
    quarters = validate_workbook(EDGE_CASES["unicode"], source="u").themes["quarter"].dropna()
    assert quarters.str.fullmatch(r"[0-9]{4}-Q[1-4]").all(), "quarters are labelled in ASCII digits"


# ----------------------------------------------------------------- the same, through Google ---


@pytest.fixture
def reader(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> sheets.SheetReader:
    access = sheets.Access(service_account=standin_service_account, base_url=sheets_standin.base_url,
                           timeout=(2.0, 5.0))
    return sheets.SheetReader(access, sheets.RetryPolicy(max_seconds=2, max_attempts=2, first_wait=0.01))


@pytest.mark.parametrize("name", ["huge cells", "unicode", "control characters", "formulas", "10,000 columns",
                                  "header-only tabs", "duplicate headers", "title row above the header"])
def test_edge_cases_read_from_a_google_sheet_load_the_same(
    name: str, sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader,
) -> None:
    raw_tabs = EDGE_CASES[name]
    width = max(len(row) for rows in raw_tabs.values() for row in rows)
    sid = sheets_standin.add_spreadsheet(raw_tabs, title=name,
                                         grid={tab: (max(1000, len(rows)), max(26, width)) for tab, rows in raw_tabs.items()})
    sheets_standin.share(sid, standin_service_account["client_email"], "reader")
    wb = load.workbook(sid, reader=reader)
    check_nothing_lost(raw_tabs, wb)
    direct = validate_workbook(raw_tabs, source=name)
    for tab in raw_tabs:
        pd.testing.assert_index_equal(wb.tables[tab].index, direct.tables[tab].index, obj=tab)
        pd.testing.assert_index_equal(wb.quarantined[tab].index, direct.quarantined[tab].index, obj=tab)
    reliability.add(fuzz_cases=1)


def test_time_and_duration_cells_from_excel_are_reported_not_raised() -> None:
    raw = {"sources": [["source_id", "name", "kind", "added_on", "last_engaged_on"],
                       ["S-1", "Podcast", "podcast", dt.time(9, 30), dt.timedelta(days=3)],
                       ["S-2", dt.time(0, 0), "book", dt.datetime(2026, 1, 1, 12), None]]}
    wb = validate_workbook(raw, source="times")
    check_nothing_lost(raw, wb)
    assert list(wb.quarantined["sources"].index) == [2], "a time is not a date"
    assert list(wb.sources.index) == [3]
