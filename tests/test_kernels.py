"""Every kernel gives exactly its definition's answer, on generated workbooks and every filter.

A kernel (learnloop/metrics/kernels.py) is a faster way to a metric's answer; the definition beside it
says what the answer is. Here both run on the workbooks users have (the demo, hand-made and messy ones,
workbooks generated at scale with the slips people make, merged roll-ups of several of them, fiscal
years) with every kind of filter, and the answers must be equal: same rows, same order, same types.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pandas as pd
import pytest

from benchmarks import generate
from learnloop import load
from learnloop.filters import Filters
from learnloop.metrics import cache, selection
from learnloop.validate import validate_workbook
from tests.fixtures.messy import MESSY_TABS
from tests.fixtures.small import (
    all_invalid_workbook,
    fiscal_workbook,
    headers_only_workbook,
    rollup_workbook,
    small_workbook,
)

TODAY = dt.date(2026, 11, 23)


def generated(pairs: int, source: str, today: dt.date = TODAY):
    return validate_workbook(generate.scaled_tabs(pairs, today=today), source=source)


def generated_rollup():
    parts = [generated(2, "north"), generated(3, "south", dt.date(2026, 5, 9))]
    return load.merge(parts, source="north, south", options=parts[0].options)


WORKBOOKS = {
    "demo": lambda: load.workbook("demo", today=TODAY),
    "small": small_workbook,
    "fiscal": fiscal_workbook,
    "messy": lambda: validate_workbook(MESSY_TABS, source="messy"),
    "generated": lambda: generated(4, "generated"),
    "rollup": rollup_workbook,
    "generated rollup": generated_rollup,
    "empty": headers_only_workbook,
    "all invalid": all_invalid_workbook,
}


def filter_sets(wb) -> list[Filters]:
    choices = selection.choices(wb)
    quarters = choices["quarters"] or ["2026-Q1", "2026-Q2"]
    teams, people, themes = choices["teams"], choices["people"], list(choices["themes"])
    middle = len(quarters) // 2
    return [
        Filters(as_of=TODAY),
        Filters(teams=tuple(teams[:1]), as_of=TODAY),
        Filters(teams=tuple(teams[-2:]), as_of=TODAY),
        Filters(people=tuple(people[:1]), as_of=TODAY),
        Filters(themes=tuple(themes[:2]), as_of=TODAY),
        Filters(quarters=(quarters[max(0, middle - 1)], quarters[middle]), as_of=TODAY),
        Filters(quarters=(quarters[-1], quarters[-1]), teams=tuple(teams[:1]), as_of=TODAY),
        Filters(as_of=dt.date(2025, 2, 3)),
    ]


def arguments(definition, wb, f: Filters) -> tuple:
    parameters = inspect.signature(definition).parameters
    if "quarter" in parameters and parameters["quarter"].default is inspect.Parameter.empty:
        quarters = selection.choices(wb)["quarters"] or ["2026-Q1"]
        return (f.quarters[1] if f.quarters else quarters[-1],)
    if "quarters" in parameters:  # some present, one before them all and one with nothing in it
        present = selection.choices(wb)["quarters"]
        return (("1999-Q4", *present[-3:], "2031-Q2"),)
    return ()


def call(function, wb, f: Filters, args: tuple):
    """``function(wb, f, *args)``, or ``function(wb)`` for a number of the workbook alone."""
    return function(wb, f, *args) if "f" in inspect.signature(function).parameters else function(wb)


def assert_same(fast, plain, what: str) -> None:
    if isinstance(plain, pd.DataFrame):
        pd.testing.assert_frame_equal(fast, plain, obj=what)
    elif isinstance(plain, pd.Series):
        pd.testing.assert_series_equal(fast, plain, obj=what)
    else:
        assert fast == plain, what


KERNELS = sorted(cache.kernels())


def test_kernels_are_registered_against_definitions():
    assert KERNELS, "no kernel registered"
    for definition in cache._KERNELS:
        assert definition.__doc__, f"{definition.__name__} has no definition in words"


@pytest.mark.parametrize("book", list(WORKBOOKS))
@pytest.mark.parametrize("name", KERNELS)
def test_a_kernel_gives_its_definitions_answer(name, book):
    definition = next(d for d in cache._KERNELS if d.__name__ == name)
    fast = cache._KERNELS[definition]
    wb = WORKBOOKS[book]()
    for f in filter_sets(wb):
        args = arguments(definition, wb, f)
        with cache.definitions_only():
            plain = call(definition, wb, f, args)
        assert_same(call(fast, wb, f, args), plain, f"{name} on {book} with {f}")


UNDER_WAY_DAYS = [dt.date(2026, 10, 1), TODAY, dt.date(2026, 12, 31), dt.date(2026, 5, 31), dt.date(2026, 3, 31)]


@pytest.mark.parametrize("book", list(WORKBOOKS))
def test_an_under_way_quarters_headline_numbers_are_its_definitions(book):
    """The quarter holding today, on its first day, a day inside it and its last day (the quarter
    before is then cut at a day past its own end, or on it), with each filter's teams, people and themes."""
    from learnloop.filters import current_quarter
    from learnloop.metrics import playbook

    wb = WORKBOOKS[book]()
    for day in UNDER_WAY_DAYS:
        for f in filter_sets(wb):
            f = Filters(teams=f.teams, people=f.people, themes=f.themes, as_of=day)
            quarter = current_quarter(f, wb.options.fiscal_year_start_month)
            assert playbook.under_way(wb, f, quarter)
            with cache.definitions_only():
                plain = playbook.kpis.definition(wb, f, quarter)
            assert_same(playbook.kpis.kernel(wb, f, quarter), plain, f"kpis of {quarter} on {book} with {f}")
