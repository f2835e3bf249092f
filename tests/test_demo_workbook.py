"""The bundled demo workbook is clean and shows off every choice the contract offers."""

from __future__ import annotations

import datetime as dt

import pytest

from data_schemas import TABS
from learnloop import load

CHOICE_COLUMNS = [(tab, column, meta["kind"], meta["choices"]) for tab, spec in TABS.items()
                  for column, meta in spec.model.columns().items() if meta["kind"] in ("choice", "choice_list")]


def test_there_are_choice_columns_to_cover():
    assert {(tab, column) for tab, column, _, _ in CHOICE_COLUMNS} >= {
        ("themes", "status"), ("sources", "kind"), ("critiques", "roles"), ("decisions", "category")}


@pytest.fixture(scope="module", params=[None, dt.date(2025, 2, 14), dt.date(2026, 12, 31)], ids=str)
def demo(request):
    if request.param is None:
        return load.workbook("demo")
    return load.workbook("demo", today=request.param)


def test_demo_has_no_errors_and_no_warnings(demo):
    problems = [issue for issue in demo.issues if issue.severity in ("error", "warning")]
    assert problems == []
    assert all(len(demo.tables[tab]) > 0 for tab in TABS)
    assert all(demo.quarantined[tab].empty for tab in TABS)


@pytest.mark.parametrize(("tab", "column", "kind", "choices"), CHOICE_COLUMNS,
                         ids=[f"{tab}.{column}" for tab, column, _, _ in CHOICE_COLUMNS])
def test_demo_covers_every_value_of_every_choice_column(demo, tab, column, kind, choices):
    values = demo.tables[tab][column]
    seen = set(values.explode().dropna()) if kind == "choice_list" else set(values.dropna())
    assert seen == set(choices)
