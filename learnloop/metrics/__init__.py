"""The numbers behind every chart, slide and write-up: plain pandas, one function per metric.

Every public metric is called as ``metrics.NAME(wb, f, ...)``: the validated workbook, the sidebar's
:class:`~learnloop.filters.Filters` (plus a quarter where it needs one). It honours every filter and
its docstring is its definition, in the words shown to a team lead. No Streamlit, no I/O; "today"
is ``f.as_of`` (the real today when None). Each answer is kept for the workbook it was worked out
from (:mod:`.cache`), so a page rerun reads it back.

The metrics live by what they are about:

* :mod:`.playbook` — the scorecard of the five steps, the score trend and the headline numbers;
* :mod:`.themes` — each theme and the learning tied to it;
* :mod:`.network` — the learning network: growth, kinds, the most cited sources, prune candidates;
* :mod:`.cadence` — the peer circle: critiques per month, the streak, who is in the room;
* :mod:`.commitments` — artifacts committed, shipped, late, carried over;
* :mod:`.impact` — decision write-ups, what they trace back to, and how long learning took.

:mod:`.selection` turns filters into rows (once per filter set) and :mod:`.quarters` is the one
calendar, fiscal years included.

Conventions:

* The **quarter range** picks the rows by the date that places them in a quarter (a theme's own
  quarter; a source's ``added_on``, a critique's ``date``, a commitment's ``committed_on``, a
  decision's ``date``). With no range selected, per-quarter tables span the first to the last
  quarter present in the workbook. A function that takes an explicit ``quarter`` looks at that
  quarter instead of the range.
* Counts of events (added, pruned, shipped…) place each event in the quarter of its own date.
* Ids belong to their sheet: in a roll-up of several sheets, every reference is looked up in the
  row's own sheet, and tables that list rows say which ``sheet`` each came from.
* Tables are tidy ``DataFrame`` s with the columns their docstring lists, in that order; an empty
  selection gives an empty table with those columns, a count of 0 or None — never an error.
  ``month`` columns hold the first day of the month (``datetime64``).
"""

from learnloop.metrics.cadence import (
    ARTIFACT_TYPES_COLUMNS,
    CRITIQUES_PER_MONTH_COLUMNS,
    PEER_ROLE_NAMES,
    PEER_ROLES,
    PEER_ROLES_SHARE_COLUMNS,
    ROLES_COVERAGE_COLUMNS,
    artifact_types,
    critiques_per_month,
    monthly_streak,
    peer_roles_share,
    roles_coverage,
)
from learnloop.metrics.commitments import (
    CARRIED_OVER_COLUMNS,
    COMMITMENT_STATES,
    COMMITMENTS_PER_QUARTER_COLUMNS,
    LEDGER_COLUMNS,
    OPEN_STATES,
    carried_over,
    commitment_figures,
    commitment_ledger,
    commitments_per_quarter,
)
from learnloop.metrics.impact import (
    CATEGORY_LABELS,
    DECISION_LOG_COLUMNS,
    DECISIONS_BY_CATEGORY_COLUMNS,
    DECISIONS_PER_QUARTER_COLUMNS,
    LEARNING_FLOWS_COLUMNS,
    LEARNING_MIX_COLUMNS,
    MIX_LABELS,
    NO_THEME,
    PEER_CRITIQUE,
    REVERSALS_COLUMNS,
    TIME_TO_IMPACT_COLUMNS,
    decision_log,
    decisions_by_category,
    decisions_per_quarter,
    learning_flows,
    learning_mix,
    reversals,
    time_to_impact,
    traced_share,
)
from learnloop.metrics.network import (
    DORMANT_COLUMNS,
    DORMANT_DAYS,
    SOURCE_KINDS_COLUMNS,
    SOURCES_FLOW_COLUMNS,
    TOP_SOURCES_COLUMNS,
    dormant_sources,
    source_kinds,
    sources_flow,
    top_sources,
)
from learnloop.metrics.playbook import (
    MIN_ACTIVE_SOURCES,
    MONTHS_PER_QUARTER,
    QUARTER_NUMBERS_COLUMNS,
    SCORE_TREND_COLUMNS,
    STEPS,
    Kpi,
    Scorecard,
    Step,
    kpi_text,
    kpis,
    quarter_numbers,
    score_trend,
    scorecard,
    under_way,
)
from learnloop.metrics.themes import THEME_SUMMARY_COLUMNS, theme_summary

#: Every public metric, by area.
__all__ = [  # noqa: RUF022 - grouped by area, as the modules are
    # playbook
    "kpis", "quarter_numbers", "score_trend", "scorecard",
    # themes
    "theme_summary",
    # learning network
    "dormant_sources", "source_kinds", "sources_flow", "top_sources",
    # peer circle
    "artifact_types", "critiques_per_month", "monthly_streak", "peer_roles_share", "roles_coverage",
    # commitments
    "carried_over", "commitment_figures", "commitment_ledger", "commitments_per_quarter",
    # impact
    "decision_log", "decisions_by_category", "decisions_per_quarter", "learning_flows", "learning_mix", "reversals",
    "time_to_impact", "traced_share",
]

__all__ += [
    "ARTIFACT_TYPES_COLUMNS", "CARRIED_OVER_COLUMNS", "CATEGORY_LABELS", "COMMITMENTS_PER_QUARTER_COLUMNS",
    "COMMITMENT_STATES", "CRITIQUES_PER_MONTH_COLUMNS", "DECISIONS_BY_CATEGORY_COLUMNS", "DECISIONS_PER_QUARTER_COLUMNS",
    "DECISION_LOG_COLUMNS", "DORMANT_COLUMNS", "DORMANT_DAYS", "LEARNING_FLOWS_COLUMNS", "LEARNING_MIX_COLUMNS",
    "LEDGER_COLUMNS", "MIN_ACTIVE_SOURCES", "MIX_LABELS", "MONTHS_PER_QUARTER", "NO_THEME", "OPEN_STATES",
    "PEER_CRITIQUE", "PEER_ROLES", "PEER_ROLES_SHARE_COLUMNS", "PEER_ROLE_NAMES", "QUARTER_NUMBERS_COLUMNS", "REVERSALS_COLUMNS",
    "ROLES_COVERAGE_COLUMNS", "SCORE_TREND_COLUMNS", "SOURCES_FLOW_COLUMNS", "SOURCE_KINDS_COLUMNS", "STEPS",
    "THEME_SUMMARY_COLUMNS", "TIME_TO_IMPACT_COLUMNS", "TOP_SOURCES_COLUMNS", "Kpi", "Scorecard", "Step", "kpi_text",
    "under_way",
]
from learnloop.metrics import kernels as _kernels  # noqa: E402,F401 - registers the kernels
