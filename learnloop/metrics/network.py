"""The learning network (PLN): who and what the team learns from, how it is pruned, and what pays off."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from data_schemas.sources import SOURCE_KINDS
from learnloop.metrics.cache import kept, metric
from learnloop.metrics.impact import citations
from learnloop.metrics.quarters import quarter_bounds
from learnloop.metrics.selection import empty, select

if TYPE_CHECKING:
    from learnloop.filters import Filters
    from learnloop.workbook import Workbook

#: Default age, in days, after which an unpruned source with no engagement is a prune candidate.
DORMANT_DAYS = 90

SOURCES_FLOW_COLUMNS = ["quarter", "added", "pruned", "active_at_end"]
SOURCE_KINDS_COLUMNS = ["kind", "sources"]
TOP_SOURCES_COLUMNS = ["source_id", "name", "kind", "decisions", "sheet"]
DORMANT_COLUMNS = ["source_id", "name", "kind", "owner", "team", "last_engaged_on", "days_since", "sheet"]
#: The columns of the retro's lists of sources added and pruned in a quarter.
QUARTER_SOURCES_COLUMNS = ["source_id", "name", "kind", "owner", "team", "added_on", "pruned_on"]


def _up_to(quarters: pd.Series, scope: list[str]) -> pd.Series:
    """For each quarter of ``scope``, how many of ``quarters`` (labels) are that quarter or earlier."""
    counts = quarters.dropna().value_counts()
    return pd.Series([int(counts[counts.index <= quarter].sum()) for quarter in scope], index=scope, dtype="int64")


@metric(columns=SOURCES_FLOW_COLUMNS)
def sources_flow(wb: Workbook, f: Filters) -> pd.DataFrame:
    """How the learning network changed each quarter.

    ``added``: sources added during the quarter; ``pruned``: sources pruned during the quarter;
    ``active_at_end``: sources in the network on the quarter's last day (added by then and not
    pruned by then), counting sources added before the selected range too.
    Columns: ``quarter``, ``added``, ``pruned``, ``active_at_end``.
    """
    s = select(wb, f)
    sources = select(wb, f.every_quarter).sources
    scope = list(s.quarters)
    added_in, pruned_in = sources["quarter"], sources["pruned_quarter"]
    return pd.DataFrame({
        "quarter": scope,
        "added": added_in.value_counts().reindex(scope, fill_value=0).to_numpy(dtype="int64"),
        "pruned": pruned_in.value_counts().reindex(scope, fill_value=0).to_numpy(dtype="int64"),
        "active_at_end": (_up_to(added_in, scope) - _up_to(pruned_in, scope)).to_numpy(dtype="int64"),
    })


@metric(columns=SOURCE_KINDS_COLUMNS)
def source_kinds(wb: Workbook, f: Filters) -> pd.DataFrame:
    """What the learning network is made of: active sources per kind at the end of the range.

    Active means added by the last day of the selected range (or today, with no range) and not
    pruned by then. Every kind is listed, most common first; kinds with none count 0.
    Columns: ``kind``, ``sources``.
    """
    s = select(wb, f)
    sources = select(wb, f.every_quarter).sources
    end = pd.Timestamp(quarter_bounds(f.quarters[1], s.fiscal_start)[1] if f.quarters else s.today)
    active = sources[(sources["added_on"] <= end) & ~(sources["pruned_on"] <= end)]
    counts = active["kind"].value_counts().reindex(list(SOURCE_KINDS), fill_value=0)
    counts = counts.sort_values(ascending=False, kind="stable")  # ties keep the kinds' order
    return pd.DataFrame({"kind": counts.index.astype(str), "sources": counts.to_numpy(dtype="int64")})


@metric(columns=TOP_SOURCES_COLUMNS)
def top_sources(wb: Workbook, f: Filters, n: int | None = 10) -> pd.DataFrame:
    """The sources that influenced the most decisions: the number of decision write-ups in the
    range that name each source, highest first (ties by source id), sources named at least once;
    the first ``n`` (every one when None).

    Columns: ``source_id``, ``name``, ``kind``, ``decisions``, ``sheet``.
    """
    cited = citations(wb, f)
    cited = cited[cited["kind"].eq("source")]
    if cited.empty:
        return empty(TOP_SOURCES_COLUMNS)
    counts = cited.groupby(["sheet", "id"], observed=True, sort=False).size().rename("decisions").reset_index()
    top = counts.sort_values(["decisions", "id"], ascending=[False, True], kind="stable")
    top = top if n is None else top.head(n)
    sources = wb.sources.drop_duplicates(["sheet", "source_id"])[["sheet", "source_id", "name", "kind"]]
    top = top.merge(sources, left_on=["sheet", "id"], right_on=["sheet", "source_id"], how="left")
    return top.assign(source_id=top["id"]).astype({"decisions": "int64"})[TOP_SOURCES_COLUMNS]


@metric(columns=DORMANT_COLUMNS)
def dormant_sources(wb: Workbook, f: Filters, days: int = DORMANT_DAYS) -> pd.DataFrame:
    """Prune candidates: sources still in the network whose last engagement was more than
    ``days`` days (90 by default) before today.

    Last engagement is ``last_engaged_on``, or ``added_on`` when that is blank. A source is still
    in the network when it was added by today and not pruned by today. This is a "right now" list:
    teams, people and themes filters apply, the quarter range does not. Longest dormant first.
    Columns: ``source_id``, ``name``, ``kind``, ``owner``, ``team``, ``last_engaged_on`` (the date
    used), ``days_since``, ``sheet``.
    """
    s = select(wb, f.every_quarter)
    today = pd.Timestamp(s.today)
    sources = s.sources.assign(last_engaged_on=s.sources["last_engaged_on"].fillna(s.sources["added_on"]))
    sources = sources.assign(days_since=(today - sources["last_engaged_on"]).dt.days)
    dormant = sources[(sources["added_on"] <= today) & ~(sources["pruned_on"] <= today)
                      & (sources["days_since"] > days)]
    if dormant.empty:
        return empty(DORMANT_COLUMNS)
    dormant = dormant.sort_values(["days_since", "source_id"], ascending=[False, True], kind="stable")
    return dormant.reset_index(drop=True).astype({"days_since": "int64"})[DORMANT_COLUMNS]


@kept
def sources_added_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """The sources added during ``quarter`` (by the quarter of their ``added_on``), in the order
    added, then by id. Teams, people and themes filters apply; the quarter range does not.
    Columns: ``source_id``, ``name``, ``kind``, ``owner``, ``team``, ``added_on``, ``pruned_on``."""
    sources = select(wb, f.every_quarter).sources
    added = sources[sources["quarter"].eq(quarter).fillna(False).to_numpy(dtype=bool)]
    return added.sort_values(["added_on", "source_id"], kind="stable")[QUARTER_SOURCES_COLUMNS].reset_index(drop=True)


@kept
def sources_pruned_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """The sources pruned during ``quarter`` (``pruned_on`` from its first to its last day),
    whenever added, in the order pruned, then by id. Teams, people and themes filters apply; the
    quarter range does not. Columns as :func:`sources_added_in`."""
    s = select(wb, f.every_quarter)
    first, last = quarter_bounds(quarter, s.fiscal_start)
    in_quarter = s.sources["pruned_on"].between(pd.Timestamp(first), pd.Timestamp(last)).fillna(False)
    pruned = s.sources[in_quarter.to_numpy(dtype=bool)]
    return pruned.sort_values(["pruned_on", "source_id"], kind="stable")[QUARTER_SOURCES_COLUMNS].reset_index(drop=True)
