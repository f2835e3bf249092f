"""Every public metric on every shape of workbook users have, with every filter.

The metrics are the package's own list (``learnloop.metrics.__all__``, those declared with
``@metric``), never a list kept here. Each must answer without an exception, with the columns it
documents, and with shares between 0 and 1.
"""

from __future__ import annotations

import datetime as dt
import inspect

import pandas as pd
import pytest

from learnloop import load
from learnloop import metrics as m
from learnloop.filters import Filters
from learnloop.metrics import selection
from tests.fixtures.small import all_invalid_workbook, fiscal_workbook, headers_only_workbook, rollup_workbook

TODAY = dt.date(2026, 11, 23)
WORKBOOKS = {
    "demo": lambda: load.workbook("demo", today=TODAY),
    "rollup": rollup_workbook,
    "fiscal from April": fiscal_workbook,
    "empty tabs": headers_only_workbook,
    "every critique invalid": all_invalid_workbook,
}
FILTERS = ["none", "team", "person", "theme", "two quarters", "team and two quarters"]


def public_metrics() -> list[str]:
    names = [name for name in m.__all__ if hasattr(getattr(m, name), "definition")]
    assert len(names) >= 20, names
    return names


@pytest.fixture(scope="module", params=list(WORKBOOKS))
def workbook(request):
    return WORKBOOKS[request.param]()


def filters_for(wb, kind: str) -> Filters:
    choices = selection.choices(wb)
    quarters = choices["quarters"] or ["2026-Q1", "2026-Q2"]
    middle = max(0, len(quarters) // 2 - 1)
    two = (quarters[middle], quarters[min(middle + 1, len(quarters) - 1)])
    team = tuple(choices["teams"][:1]) or ("Nobody's team",)
    return {
        "none": Filters(as_of=TODAY),
        "team": Filters(teams=team, as_of=TODAY),
        "person": Filters(people=tuple(choices["people"][-1:]) or ("Nobody",), as_of=TODAY),
        "theme": Filters(themes=tuple(list(choices["themes"])[-1:]) or ("T-NONE",), as_of=TODAY),
        "two quarters": Filters(quarters=two, as_of=TODAY),
        "team and two quarters": Filters(teams=team, quarters=two, as_of=TODAY),
    }[kind]


def quarter_of_interest(wb, f: Filters) -> str:
    quarters = selection.choices(wb)["quarters"]
    return f.quarters[1] if f.quarters else (quarters[-1] if quarters else "2026-Q1")


def within_0_and_1(values) -> bool:
    values = pd.to_numeric(pd.Series(values, dtype="object"), errors="coerce").dropna()
    return bool(((values >= 0) & (values <= 1)).all())


@pytest.mark.parametrize("kind", FILTERS)
@pytest.mark.parametrize("name", public_metrics())
def test_every_metric_answers_in_its_documented_shape(workbook, name, kind):
    metric = getattr(m, name)
    f = filters_for(workbook, kind)
    parameters = inspect.signature(metric.definition).parameters
    args = (quarter_of_interest(workbook, f),) if "quarter" in parameters and \
        parameters["quarter"].default is inspect.Parameter.empty else ()
    answer = metric(workbook, f, *args)
    if metric.columns is not None:
        assert isinstance(answer, pd.DataFrame), name
        assert list(answer.columns) == metric.columns, name
        for column in metric.shares:
            assert within_0_and_1(answer[column]), (name, column)
        if "month" in answer:
            assert pd.api.types.is_datetime64_any_dtype(answer["month"]), name
    elif metric.share:
        assert answer is None or 0 <= answer <= 1, (name, answer)
    elif isinstance(answer, m.Scorecard):
        assert 0 <= answer.score <= 5 and len(answer.steps) == 5
    elif isinstance(answer, list):
        assert all(isinstance(kpi, m.Kpi) for kpi in answer)
        assert within_0_and_1([kpi.value for kpi in answer if kpi.unit == "share"])
    else:
        assert isinstance(answer, int) and answer >= 0, (name, answer)
