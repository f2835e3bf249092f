"""The peer circle's cadence: critiques every month, who is in the room, and what is critiqued."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from data_schemas.critiques import ARTIFACT_TYPES, ROLES
from learnloop.metrics.cache import kept, metric
from learnloop.metrics.quarters import quarter_bounds
from learnloop.metrics.selection import Selection, empty, select

if TYPE_CHECKING:
    from learnloop.filters import Filters
    from learnloop.workbook import Workbook

#: The roles a peer circle needs in the room (at least once a quarter for the playbook's step 3).
PEER_ROLES = frozenset({"PM", "Design", "Eng"})
#: :data:`PEER_ROLES` in the order they are named.
PEER_ROLE_NAMES = tuple(role for role in ROLES if role in PEER_ROLES)

CRITIQUES_PER_MONTH_COLUMNS = ["month", "critiques"]
ROLES_COVERAGE_COLUMNS = ["month", "role", "critiques"]
ARTIFACT_TYPES_COLUMNS = ["artifact_type", "critiques"]
PEER_ROLES_SHARE_COLUMNS = ["quarter", "critiques", "all_present", "share"]
#: The columns of the retro's list of critiques held in a quarter.
QUARTER_CRITIQUES_COLUMNS = ["critique_id", "date", "artifact_type", "artifact", "presenter", "roles", "team"]


def month_axis(s: Selection) -> pd.PeriodIndex:
    """The months of the quarters in scope, up to today's month; a later month only when a selected
    critique is dated in it (the future is not shown as months without a critique)."""
    if not s.quarters:
        return pd.PeriodIndex([], freq="M")
    first, last = quarter_bounds(s.quarters[0], s.fiscal_start)[0], quarter_bounds(s.quarters[-1], s.fiscal_start)[1]
    months = pd.period_range(first, last, freq="M")
    held = s.critiques["date"].dt.to_period("M").unique()
    return months[(months <= pd.Period(s.today, freq="M")) | months.isin(held)]


@kept
def roles_in_the_room(wb: Workbook, f: Filters) -> pd.DataFrame:
    """For each selected critique, whether each role was in the room: a True/False column per role
    (PM, Design, Eng, Data, Research, Other), rows as in the selection's critiques."""
    critiques = select(wb, f).critiques
    # A roles column repeats a few distinct lists: each is read once and spread back.
    codes, cells = pd.factorize(critiques["roles"])
    per_cell = pd.DataFrame([[role in cell for role in ROLES] for cell in cells], columns=list(ROLES), dtype=bool)
    return per_cell.reindex(codes).set_axis(critiques.index).fillna(False).astype(bool) if len(codes) else \
        pd.DataFrame(np.zeros((0, len(ROLES)), dtype=bool), columns=list(ROLES), index=critiques.index)


def _months(column: pd.PeriodIndex | pd.Series) -> pd.Series:
    """Monthly periods as the first day of each month (``datetime64``)."""
    return pd.Series(pd.PeriodIndex(column, freq="M").to_timestamp(), dtype="datetime64[us]")


@metric(columns=CRITIQUES_PER_MONTH_COLUMNS)
def critiques_per_month(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Critiques held each month of the selected quarters, with 0 for months without one.

    Months after today are left out unless a critique is dated in them.
    Columns: ``month`` (first day of the month, ``datetime64``), ``critiques``.
    """
    s = select(wb, f)
    axis = month_axis(s)
    counts = s.critiques["date"].dt.to_period("M").value_counts().reindex(axis, fill_value=0)
    return pd.DataFrame({"month": _months(axis), "critiques": counts.to_numpy(dtype="int64")})


@metric()
def monthly_streak(wb: Workbook, f: Filters) -> int:
    """How many months in a row, up to now, had at least one critique.

    Counting goes back month by month from the current month (the month of today) and stops at
    the first month without a critique. The current month is still under way, so when it has no
    critique yet it does not break the streak: counting then starts from the previous month.
    Critiques dated after today are ignored. This is a "right now" number: teams, people and
    themes filters apply, the quarter range does not.
    """
    s = select(wb, f.every_quarter)
    dates = s.critiques["date"]
    held = set(dates[dates <= pd.Timestamp(s.today)].dt.to_period("M").unique())
    month = pd.Period(s.today, freq="M")
    if month not in held:
        month -= 1
    streak = 0
    while month in held:
        streak += 1
        month -= 1
    return streak


@metric(columns=ROLES_COVERAGE_COLUMNS)
def roles_coverage(wb: Workbook, f: Filters) -> pd.DataFrame:
    """For each month of the selected quarters and each role, the critiques that role was in the
    room for (0 when none) — a heatmap of who shows up.

    Months as in :func:`critiques_per_month`; roles in the order PM, Design, Eng, Data, Research,
    Other. Columns: ``month`` (first day of the month), ``role``, ``critiques``.
    """
    s = select(wb, f)
    axis = month_axis(s)
    if not len(axis):
        return empty(ROLES_COVERAGE_COLUMNS).astype({"month": "datetime64[us]"})
    in_the_room = roles_in_the_room(wb, f)
    counts = in_the_room.groupby(s.critiques["date"].dt.to_period("M")).sum().reindex(axis, fill_value=0)
    return pd.DataFrame({"month": _months(np.repeat(axis, len(ROLES))),
                         "role": list(ROLES) * len(axis),
                         "critiques": counts.to_numpy(dtype="int64").reshape(-1)})


@metric(columns=ARTIFACT_TYPES_COLUMNS)
def artifact_types(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Critiques in the range by what was critiqued: experiment, roadmap, discovery plan,
    prototype, strategy or other (every type listed, 0 when none, in that order).

    Columns: ``artifact_type``, ``critiques``.
    """
    counts = select(wb, f).critiques["artifact_type"].value_counts().reindex(list(ARTIFACT_TYPES), fill_value=0)
    return pd.DataFrame({"artifact_type": list(ARTIFACT_TYPES), "critiques": counts.to_numpy(dtype="int64")})


@metric(columns=PEER_ROLES_SHARE_COLUMNS, shares=("share",))
def peer_roles_share(wb: Workbook, f: Filters) -> pd.DataFrame:
    """PM, Design and Eng all in the room: of each quarter's critiques, the share with all three
    roles present (empty when the quarter has no critique).

    Columns: ``quarter``, ``critiques`` held, ``all_present`` (critiques with PM, Design and Eng),
    ``share``.
    """
    s = select(wb, f)
    c = s.critiques
    full = c["roles"].map(PEER_ROLES.issubset)
    per_quarter = full.groupby(c["quarter"]).agg(critiques="size", all_present="sum", share="mean")
    per_quarter = per_quarter.reindex(list(s.quarters)).fillna({"critiques": 0, "all_present": 0})
    return per_quarter.rename_axis("quarter").reset_index().astype({"critiques": "int64", "all_present": "int64",
                                                                   "share": "float64"})


@kept
def critiques_held_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """The critiques held in ``quarter`` (by the quarter of their date), in date order, then by id.
    Teams, people and themes filters apply; the quarter range does not. Columns: ``critique_id``,
    ``date``, ``artifact_type``, ``artifact``, ``presenter``, ``roles``, ``team``."""
    critiques = select(wb, f.every_quarter).critiques
    held = critiques[critiques["quarter"].eq(quarter).fillna(False).to_numpy(dtype=bool)]
    return held.sort_values(["date", "critique_id"], kind="stable")[QUARTER_CRITIQUES_COLUMNS].reset_index(drop=True)
