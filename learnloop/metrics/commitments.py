"""Public commitments: the artifacts people commit to ship, and what happened to them."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from learnloop.metrics.cache import kept, metric
from learnloop.metrics.playbook import Kpi
from learnloop.metrics.quarters import quarter_bounds
from learnloop.metrics.selection import empty, select

if TYPE_CHECKING:
    from learnloop.filters import Filters
    from learnloop.workbook import Workbook

COMMITMENT_STATES = ("planned", "in_progress", "overdue", "shipped", "shipped_late", "dropped")
OPEN_STATES = ("planned", "in_progress", "overdue")
COMMITMENTS_PER_QUARTER_COLUMNS = ["quarter", "committed", "shipped", "shipped_on_time", "on_time_rate"]
LEDGER_COLUMNS = ["commitment_id", "title", "kind", "owner", "team", "theme_id", "quarter", "committed_on",
                  "due_on", "shipped_on", "status", "state", "sheet"]
CARRIED_OVER_COLUMNS = [*LEDGER_COLUMNS, "reason"]


@metric(columns=COMMITMENTS_PER_QUARTER_COLUMNS, shares=("on_time_rate",))
def commitments_per_quarter(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Public commitments made and artifacts shipped each quarter.

    ``committed``: commitments made in the quarter (by ``committed_on``); ``shipped``: artifacts
    shipped in the quarter (by ``shipped_on``, whenever they were committed); ``shipped_on_time``:
    of those, the ones shipped on or before their due date, or with no due date;
    ``on_time_rate``: shipped_on_time / shipped (empty when nothing shipped).
    Columns: ``quarter``, ``committed``, ``shipped``, ``shipped_on_time``, ``on_time_rate``.
    """
    s = select(wb, f)
    commitments = select(wb, f.every_quarter).commitments
    scope = list(s.quarters)
    shipped_in = commitments["shipped_quarter"]
    on_time = commitments["due_on"].isna() | (commitments["shipped_on"] <= commitments["due_on"])
    table = pd.DataFrame({
        "committed": commitments.groupby("quarter").size(),
        "shipped": commitments.groupby(shipped_in).size(),
        "shipped_on_time": commitments[on_time.to_numpy(dtype=bool)].groupby(shipped_in[on_time]).size(),
    }).reindex(scope).fillna(0).astype("int64")
    table["on_time_rate"] = table["shipped_on_time"] / table["shipped"].where(table["shipped"] > 0)
    return table.rename_axis("quarter").reset_index()[COMMITMENTS_PER_QUARTER_COLUMNS]


def state(commitments: pd.DataFrame, today: pd.Timestamp) -> pd.Series:
    """Where each commitment stands on ``today``: **shipped** (shipped on or before its due date, or
    with no due date), **shipped_late** (shipped after its due date), **dropped**, **overdue** (not
    shipped or dropped, and due before today), **in_progress**, or **planned** (not started, or no
    status). A shipped date wins over the status column."""
    shipped_on, due_on, status = commitments["shipped_on"], commitments["due_on"], commitments["status"]
    has_shipped = shipped_on.notna()
    conditions = [has_shipped & (shipped_on > due_on), has_shipped, status.eq("dropped"), status.eq("shipped"),
                  due_on < today, status.eq("in_progress")]
    states = ["shipped_late", "shipped", "dropped", "shipped", "overdue", "in_progress"]
    chosen = np.select([c.fillna(False).to_numpy(dtype=bool) for c in conditions], states, default="planned")
    return pd.Series(chosen, index=commitments.index, dtype="str")


def _ledger(commitments: pd.DataFrame, today: pd.Timestamp) -> pd.DataFrame:
    ordered = commitments.sort_values(["committed_on", "commitment_id"], kind="stable").reset_index(drop=True)
    return ordered.assign(state=state(ordered, today))


@metric(columns=LEDGER_COLUMNS)
def commitment_ledger(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Every commitment made in the range and where it stands today (see :func:`state`).

    Ordered by ``committed_on``. Columns: ``commitment_id``, ``title``, ``kind``, ``owner``, ``team``,
    ``theme_id``, ``quarter`` (when committed), ``committed_on``, ``due_on``, ``shipped_on``,
    ``status`` (as typed), ``state``, ``sheet``.
    """
    s = select(wb, f)
    if s.commitments.empty:
        return empty(LEDGER_COLUMNS)
    return _ledger(s.commitments, pd.Timestamp(s.today))[LEDGER_COLUMNS]


@metric(columns=CARRIED_OVER_COLUMNS)
def carried_over(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """Commitments still open at the end of ``quarter`` that cross its boundary: committed by the
    quarter's end, not shipped by then and not dropped, and either committed in an earlier
    quarter (carried in) or due after the quarter ends (carried out).

    Columns: the :func:`commitment_ledger` columns (``state`` as of today) and ``reason``
    ("committed earlier", "due later" or "committed earlier, due later").
    Teams, people and themes filters apply; the quarter range does not.
    """
    s = select(wb, f.every_quarter)
    c = s.commitments
    end = pd.Timestamp(quarter_bounds(quarter, s.fiscal_start)[1])
    dropped, marked_shipped = c["status"].eq("dropped").fillna(False), c["status"].eq("shipped").fillna(False)
    open_at_end = (c["committed_on"] <= end) & ~dropped & ~(c["shipped_on"] <= end) & ~(marked_shipped & c["shipped_on"].isna())
    earlier = c["quarter"].lt(quarter).fillna(False)
    later = c["due_on"] > end
    crossing = (open_at_end & (earlier | later)).to_numpy(dtype=bool)
    if not crossing.any():
        return empty(CARRIED_OVER_COLUMNS)
    earlier, later = earlier.to_numpy(dtype=bool)[crossing], later.fillna(False).to_numpy(dtype=bool)[crossing]
    reason = np.select([earlier & later, earlier], ["committed earlier, due later", "committed earlier"], "due later")
    carried = c[crossing].assign(reason=pd.array(reason, dtype="str"))
    return _ledger(carried, pd.Timestamp(s.today))[CARRIED_OVER_COLUMNS]


@metric()
def commitment_figures(wb: Workbook, f: Filters) -> list[Kpi]:
    """The commitments' headline numbers for the selected range (every quarter when none is selected):
    commitments made, artifacts shipped, shipped late, open, overdue and dropped, each under one label
    wherever it is shown.

    * **Commitments made** — commitments made in the range (by ``committed_on``).
    * **Artifacts shipped** — artifacts shipped in the range (by ``shipped_on``), whenever committed.
    * **Shipped late** — of those, the ones shipped after their due date.
    * **Open** — of the commitments made in the range, those not shipped or dropped today.
    * **Overdue** — of those open, the ones due before today.
    * **Dropped** — of the commitments made in the range, those dropped.

    Teams, people and themes filters apply. No previous value: these are not compared.
    """
    per_quarter = commitments_per_quarter(wb, f)
    shipped, on_time = int(per_quarter["shipped"].sum()), int(per_quarter["shipped_on_time"].sum())
    states = commitment_ledger(wb, f)["state"].value_counts()

    def figure(key: str, name: str, value: int, help: str) -> Kpi:
        return Kpi(name, value, None, None, help, key, "count")

    return [
        figure("commitments_made", "Commitments made", int(per_quarter["committed"].sum()),
               "Commitments made in the selected quarters (by the date they were made)."),
        figure("artifacts_shipped", "Artifacts shipped", shipped,
               "Artifacts shipped in the selected quarters (by the date they shipped), whenever they were committed."),
        figure("shipped_late", "Shipped late", shipped - on_time,
               "Of the artifacts shipped in the selected quarters, those shipped after their due date."),
        figure("open", "Open", int(sum(states.get(state, 0) for state in OPEN_STATES)),
               "Of the commitments made in the selected quarters, those not shipped or dropped today."),
        figure("overdue", "Overdue", int(states.get("overdue", 0)),
               "Of the commitments made in the selected quarters, those still open and due before today."),
        figure("dropped", "Dropped", int(states.get("dropped", 0)),
               "Of the commitments made in the selected quarters, those dropped."),
    ]


@kept
def shipped_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """The commitments shipped during ``quarter`` (``shipped_on`` from its first to its last day),
    whenever made: :func:`commitment_ledger` rows (``state`` as of today), in the order shipped,
    then by id. Teams, people and themes filters apply; the quarter range does not."""
    ledger = commitment_ledger(wb, f.every_quarter)
    if ledger.empty:
        return ledger
    first, last = quarter_bounds(quarter, wb.options.fiscal_year_start_month)
    shipped = ledger[ledger["shipped_on"].between(pd.Timestamp(first), pd.Timestamp(last)).fillna(False).to_numpy(dtype=bool)]
    return shipped.sort_values(["shipped_on", "commitment_id"], kind="stable").reset_index(drop=True)
