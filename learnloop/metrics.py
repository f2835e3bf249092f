"""The numbers behind every chart: pure pandas, one function per metric.

Every function takes the validated workbook and the sidebar's :class:`~learnloop.filters.Filters`
(plus a quarter where it needs one) and honours every filter. The docstring of each function is
its definition, in the words shown to a team lead. No Streamlit, no I/O; "today" is ``f.as_of``
(the real today when None). A workbook never changes once loaded, so each answer is kept on the
workbook it was worked out from (:func:`_kept`), and so is what several metrics derive alike.

Conventions:

* The **quarter range** picks the rows by the date that places them in a quarter (a theme's own
  quarter; a source's ``added_on``, a critique's ``date``, a commitment's ``committed_on``, a
  decision's ``date``). With no range selected, per-quarter tables span the first to the last
  quarter present in the workbook. A function that takes an explicit ``quarter`` looks at that
  quarter instead of the range.
* A **team** matches a row's ``team`` cell, or the team of its theme when the cell is blank;
  a **person** matches an owner, a critique's presenter or any of its participants; a **theme**
  matches ``theme_id``.
* Counts of events (added, pruned, shipped…) place each event in the quarter of its own date.
* Tables are tidy ``DataFrame`` s with the columns their docstring lists, in that order; an empty
  selection gives an empty table with those columns, a count of 0 or None — never an error.
  ``month`` columns hold the first day of the month (``datetime64``).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_schemas import parsers
from data_schemas.critiques import ARTIFACT_TYPES, ROLES
from data_schemas.decisions import DECISION_CATEGORIES
from data_schemas.sources import SOURCE_KINDS
from learnloop import frames
from learnloop.filters import (
    Filters,
    count_per_quarter,
    count_up_to,
    fiscal_start,
    label_numbers,
    per_row,
    positions_in,
    present_quarters,
    previous_quarter,
    quarter_bounds,
    quarter_months,
    quarter_number,
    quarter_numbers,
    quarter_positions,
    quarters_in_scope,
    rows_in_quarters,
    selected,
    theme_order,
)
from learnloop.workbook import Workbook

T = TypeVar("T")

#: Active sources on the quarter's themes needed for step 2.
MIN_ACTIVE_SOURCES = 3
#: The roles a peer circle needs in the room at least once a quarter (step 3).
PEER_ROLES = ("PM", "Design", "Eng")
#: Default age, in days, after which an unpruned source with no engagement is a prune candidate.
DORMANT_DAYS = 90
#: Every quarter has three months (calendar or fiscal).
MONTHS_PER_QUARTER = 3

STEPS: tuple[tuple[int, str, str], ...] = (
    (1, "theme_set", "Theme set"),
    (2, "pln_curated", "PLN curated"),
    (3, "peer_circle", "Peer circle monthly"),
    (4, "artifact_shipped", "Artifact shipped"),
    (5, "loop_closed", "Loop closed"),
)
COMMITMENT_STATES = ("planned", "in_progress", "overdue", "shipped", "shipped_late", "dropped")
OPEN_STATES = ("planned", "in_progress", "overdue")
CATEGORY_LABELS = {"decision": "Decision", "discovery_cadence": "Discovery cadence", "bet": "Bet"}
PEER_CRITIQUE = "Peer critique"
NO_THEME = "No theme"
MIX_LABELS = {
    "from": "Learning from (sources only)",
    "with": "Learning with (critiques only)",
    "both": "Both",
}

# The documented columns of every table, in order (also what an empty result carries).
SCORE_TREND_COLUMNS = ["quarter", "score", *(key for _, key, _ in STEPS)]
CRITIQUES_PER_MONTH_COLUMNS = ["month", "critiques"]
SOURCES_FLOW_COLUMNS = ["quarter", "added", "pruned", "active_at_end"]
COMMITMENTS_PER_QUARTER_COLUMNS = ["quarter", "committed", "shipped", "shipped_on_time", "on_time_rate"]
DECISIONS_PER_QUARTER_COLUMNS = ["quarter", "decisions"]
DECISIONS_BY_CATEGORY_COLUMNS = ["quarter", "category", "decisions"]
LEARNING_MIX_COLUMNS = ["mix", "label", "decisions", "share"]
TIME_TO_IMPACT_COLUMNS = ["kind", "id", "decision_id", "quarter", "learned_on", "decided_on", "days"]
TOP_SOURCES_COLUMNS = ["source_id", "name", "kind", "decisions"]
DORMANT_COLUMNS = ["source_id", "name", "kind", "owner", "team", "last_engaged_on", "days_since"]
REVERSALS_COLUMNS = ["decision_id", "date", "quarter", "category", "summary", "team", "status",
                     "replaced_by", "replaced_on", "replaced_by_summary", "days_in_force"]
THEME_SUMMARY_COLUMNS = ["theme_id", "quarter", "title", "team", "owner", "status", "definition_of_good",
                         "sources", "critiques", "commitments", "shipped", "decisions"]
LEDGER_COLUMNS = ["commitment_id", "title", "kind", "owner", "team", "theme_id", "quarter", "committed_on",
                  "due_on", "shipped_on", "status", "state"]
CARRIED_OVER_COLUMNS = [*LEDGER_COLUMNS, "reason"]
ROLES_COVERAGE_COLUMNS = ["month", "role", "critiques"]
ARTIFACT_TYPES_COLUMNS = ["artifact_type", "critiques"]
LEARNING_FLOWS_COLUMNS = ["source_label", "target_label", "value", "source_stage", "target_stage"]


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------


def _kept(metric: Callable[..., T]) -> Callable[..., T]:
    """``metric`` worked out once per workbook, filters, today and arguments, and kept on the
    workbook (see :class:`~learnloop.workbook.Derived`): a loaded workbook never changes, so the
    answer does not either, and every rerun of a page after the first reads it back. Each caller
    gets its own copy of a table or list (shallow: pandas copies on write)."""
    @functools.wraps(metric)
    def kept(wb: Workbook, f: Filters, *args: Any, **kwargs: Any) -> T:
        key = ("metric", metric.__name__, f, f.today(), args, tuple(sorted(kwargs.items())))
        return _own_copy(wb.derived.get(key, lambda: metric(wb, f, *args, **kwargs)))

    return kept


def _own_copy(value: T) -> T:
    if isinstance(value, pd.DataFrame):
        return value.copy(deep=False)  # type: ignore[return-value]
    if isinstance(value, (list, dict)):
        return value.copy()  # type: ignore[return-value]
    return value


def _day(day: dt.date) -> np.datetime64:
    """A date as numpy compares it with a date column (:func:`_days`)."""
    return np.datetime64(day, "us")


def _days(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A date column as numpy dates (NaT when blank: every comparison with NaT is False)."""
    return frame[column].to_numpy(dtype="datetime64[us]")


def _tables(wb: Workbook, f: Filters, *, by_quarter: bool) -> dict[str, pd.DataFrame]:
    return {tab: selected(wb, tab, f, by_quarter=by_quarter) for tab in wb.tables}


def _rows_in(wb: Workbook, tab: str, f: Filters, quarter: str | None, by: str = "quarter",
             columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of ``tab`` in ``quarter`` when given, else in the selected range (other filters always);
    with ``by`` a date column, the rows whose date is in ``quarter``; with ``columns``, only those."""
    if quarter is None:
        frame = selected(wb, tab, f)
        return frame if columns is None else frame[columns]
    frame, rows = _quarter_rows(wb, tab, f, quarter, by)
    return frame.iloc[rows] if columns is None else frames.pick(frame, rows, columns)


def _quarter_rows(wb: Workbook, tab: str, f: Filters, quarter: str, by: str = "quarter") -> tuple[pd.DataFrame, np.ndarray]:
    """``tab`` with ``f``'s teams, people and themes, and the positions in it of the rows in ``quarter``
    (by ``by`` as in :func:`_rows_in`)."""
    return selected(wb, tab, f, by_quarter=False), rows_in_quarters(wb, tab, f, (quarter, quarter), by)


def _listed(frame: pd.DataFrame, column: str, rows: np.ndarray) -> list[str]:
    """``column`` at positions ``rows`` as a list, for a column every kept row fills (ids, titles)."""
    return frames.text(frame[column]).take(pa.array(rows, type=pa.int64())).to_pylist()


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else (plural or word + 's')}"


def _and(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _citing(wb: Workbook, f: Filters, quarter: str | None) -> tuple[np.ndarray, np.ndarray]:
    """For each decision in ``quarter`` when given, else in the selected range: whether it names a
    source, and whether it names a critique."""
    if quarter is None:
        decisions, rows = selected(wb, "decisions", f), slice(None)
    else:
        decisions, rows = _quarter_rows(wb, "decisions", f, quarter)
    source, critique = (~np.asarray(decisions[column].array.isna())[rows] for column in ("source_ids", "critique_ids"))
    return source, critique


def _every_citation(wb: Workbook, column: str) -> pd.DataFrame:
    """One row per (decision, cited id) of the id-list ``column`` of every decision, in sheet order:
    ``position`` (the decision's position; its own columns are taken from it where needed), ``id``,
    ``cited`` (the cited row's position in its tab, -1 when there is none), ``learned_on`` (the
    cited source's ``added_on`` or critique's date) and, for sources, ``kind``. Worked out once per workbook."""
    return wb.derived.get(("citations", column), lambda: _cite(wb, column))


def _cite(wb: Workbook, column: str) -> pd.DataFrame:
    table, key, learned = (wb.sources, "source_id", "added_on") if column == "source_ids" else (
        wb.critiques, "critique_id", "date")
    checked = wb.reference("decisions", column)
    if checked is not None and checked.items is not None:  # the loader has looked every id up already
        position, items, row = checked.rows, checked.items, checked.targets
    else:
        position, items = parsers.split_list(frames.text(wb.decisions[column]))
        row = frames.positions(items, table, key)
    cited = {"position": position, "id": pd.array(items, dtype="str"), "cited": row,
             "learned_on": frames.take(table, learned, row)}
    if column == "source_ids":
        cited["kind"] = frames.take(table, "kind", row)
    return pd.DataFrame(cited)


def _month_numbers(dates: pd.Series) -> np.ndarray:
    """Each date's month counted from January 1970 (the ordinal of a monthly period); blanks are -1."""
    values = dates.to_numpy(dtype="datetime64[us]").astype("datetime64[M]")
    return np.where(np.isnat(values), -1, values.astype("int64"))


def _months_of(wb: Workbook, critiques: pd.DataFrame) -> np.ndarray:
    """:func:`_month_numbers` of the dates of ``critiques`` (a selection of the tab)."""
    return per_row(wb, "critiques", critiques, "months", lambda frame: _month_numbers(frame["date"]))


def _roles_of(wb: Workbook, critiques: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each of ``critiques``' roles cell as a code (-1 when blank), and the distinct cells."""
    every, distinct = wb.derived.get(("roles", "critiques"), lambda: frames.encode(wb.critiques["roles"]))
    codes = per_row(wb, "critiques", critiques, "role_codes",
                     lambda frame: every if frame is wb.critiques else frames.index_of(frame["roles"], distinct))
    return codes, distinct


def _per_month(months: pd.PeriodIndex, numbers: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where each month number (:func:`_month_numbers`) is on the ``months`` axis, and which are on it at all."""
    axis = months.asi8
    positions = np.searchsorted(axis, numbers)
    on_axis = positions < len(axis)
    on_axis[on_axis] = axis[positions[on_axis]] == numbers[on_axis]
    return positions, on_axis


def _month_axis(wb: Workbook, f: Filters, critiques: pd.DataFrame) -> pd.PeriodIndex:
    """The months of the quarters in scope, up to the later of today's month and the last month
    with a critique (so the future is not shown as months without a critique)."""
    scope = quarters_in_scope(wb, f)
    if not scope:
        return pd.PeriodIndex([], freq="M")
    fiscal = fiscal_start(wb)
    # The quarters in scope are consecutive, so their months are one run of month numbers.
    first, last = quarter_bounds(scope[0], fiscal)[0], quarter_bounds(scope[-1], fiscal)[1]
    months = np.arange((first.year - 1970) * 12 + first.month - 1, (last.year - 1970) * 12 + last.month)
    today = f.today()
    shown_to = max((today.year - 1970) * 12 + today.month - 1, int(_months_of(wb, critiques).max(initial=-1)))
    return pd.PeriodIndex.from_ordinals(months[months <= shown_to], freq="M")


# --------------------------------------------------------------------------------------
# Playbook scorecard
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One step of the playbook in one quarter: done or not, and the evidence in a sentence."""

    number: int
    name: str
    done: bool
    evidence: str
    detail: dict[str, Any] = field(default_factory=dict)
    #: A stable machine name: theme_set, pln_curated, peer_circle, artifact_shipped, loop_closed.
    key: str = ""


@dataclass(frozen=True)
class Scorecard:
    """The five playbook steps for one quarter."""

    quarter: str
    steps: tuple[Step, ...]

    @property
    def score(self) -> int:
        """Steps done, 0 to 5."""
        return sum(step.done for step in self.steps)

    def to_frame(self) -> pd.DataFrame:
        """The steps as a table: number, key, name, done, evidence."""
        return pd.DataFrame(
            [(s.number, s.key, s.name, s.done, s.evidence) for s in self.steps],
            columns=["number", "key", "name", "done", "evidence"],
        )


def _active_sources(wb: Workbook, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The sources tied to a theme kept in a quarter that are in the network on that quarter's last
    day (added by then, not pruned by then): ``source_id`` and ``quarter`` (the quarter's number,
    see :func:`~learnloop.filters.quarter_number`), by quarter, then in sheet order."""
    themes, sources = tables["themes"], tables["sources"]
    keep = ((_codes(wb, "themes", themes, "status", ("dropped",)) != 0) & themes["quarter"].notna().to_numpy(dtype=bool)
            & themes["theme_id"].notna().to_numpy(dtype=bool))
    kept = pd.DataFrame({"theme_id": themes["theme_id"].array[keep], "quarter": label_numbers(themes["quarter"])[keep]})
    kept = kept.loc[kept["quarter"].to_numpy() >= 0]
    if len(pc.unique(frames.text(kept["theme_id"]))) < len(kept):
        return _active_sources_joined(wb, kept, sources)
    # Each kept theme id once (the usual case: a repeated id is an error): one lookup per source.
    theme_of = frames.positions(sources["theme_id"], kept, "theme_id")
    rows = np.flatnonzero(theme_of >= 0)
    number = kept["quarter"].to_numpy()[theme_of[rows]]
    in_network = _in_network_at_end(wb, sources, rows, number)
    rows, number = rows[in_network], number[in_network]
    order = np.argsort(number, kind="stable")
    return pd.DataFrame({"source_id": sources["source_id"].array[rows[order]], "quarter": number[order]})


def _in_network_at_end(wb: Workbook, sources: pd.DataFrame, rows: np.ndarray, number: np.ndarray) -> np.ndarray:
    """Whether each source (by its position ``rows``) is in the network on the last day of the
    quarter numbered ``number``: added by then and not pruned by then."""
    quarters = np.unique(number)
    ends = np.array([quarter_bounds(parsers.quarter_label(int(q)), fiscal_start(wb))[1] for q in quarters],
                    dtype="datetime64[us]")
    end = ends[np.searchsorted(quarters, number)]
    added = sources["added_on"].to_numpy(dtype="datetime64[us]")[rows]
    pruned = sources["pruned_on"].to_numpy(dtype="datetime64[us]")[rows]
    return (added <= end) & ~(pruned <= end)


def _active_sources_joined(wb: Workbook, kept: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """:func:`_active_sources` when a theme id is kept in more than one quarter: a source tied to
    it counts in each."""
    kept = kept.drop_duplicates().astype({"theme_id": "string"})
    rows = np.flatnonzero(frames.isin(sources["theme_id"], kept["theme_id"]))
    tied = pd.DataFrame({"row": rows, "theme_id": sources["theme_id"].astype("string").array[rows]})
    tied = tied.merge(kept, on="theme_id", how="inner", sort=False)
    rows, number = tied["row"].to_numpy(), tied["quarter"].to_numpy()
    in_network = _in_network_at_end(wb, sources, rows, number)
    rows, number = rows[in_network], number[in_network]
    order = np.lexsort((rows, number))
    return pd.DataFrame({"source_id": sources["source_id"].array[rows[order]], "quarter": number[order]})


def _months_with_critiques(wb: Workbook, critiques: pd.DataFrame, where: np.ndarray, quarters: list[str]) -> np.ndarray:
    """For each of ``quarters``, how many of its months had a critique dated in them (``where``:
    each critique's place in ``quarters``, -1 when none)."""
    months = _months_of(wb, critiques)
    counted = (where >= 0) & (months >= 0)
    months = months[counted]
    if not len(months):
        return np.zeros(len(quarters), dtype="int64")
    held = np.zeros((len(quarters), months.max() - months.min() + 1), dtype=bool)
    held[where[counted], months - months.min()] = True
    return held.sum(axis=1).astype("int64")


def _role_lists(cells: pd.Index | np.ndarray) -> np.ndarray:
    """For each distinct roles cell (``"PM, Eng"``), which of :data:`ROLES` it lists (a row of 0/1)."""
    return np.array([[role in str(cell).split(", ") for role in ROLES] for cell in cells], dtype="int64").reshape(
        len(cells), len(ROLES))


def _roles_present(wb: Workbook, critiques: pd.DataFrame, where: np.ndarray, quarters: list[str]) -> np.ndarray:
    """For each of ``quarters`` (rows) and role (columns, in :data:`ROLES` order): was that role at a
    critique dated in the quarter? (``where`` as in :func:`_months_with_critiques`.)"""
    cells, distinct = _roles_of(wb, critiques)
    counted = (where >= 0) & (cells >= 0)
    per_cell = np.bincount(where[counted] * len(distinct) + cells[counted], minlength=len(quarters) * len(distinct))
    return (per_cell.reshape(len(quarters), len(distinct)) @ _role_lists(distinct) > 0).reshape(len(quarters), len(ROLES))


def _step_facts(wb: Workbook, f: Filters, quarters: list[str], active: pd.DataFrame) -> dict[str, np.ndarray]:
    """The numbers each playbook step is judged on, one value per quarter, and whether each step is
    done: the one definition behind :func:`scorecard`, :func:`score_trend` and the KPIs. Teams,
    people and themes of ``f`` apply; ``active`` is :func:`_active_sources`."""
    def count(tab: str, by: str = "quarter") -> np.ndarray:
        return count_per_quarter(quarter_numbers(wb, tab, f, by), quarters)

    themes = quarter_numbers(wb, "themes", f)
    dropped = _codes(wb, "themes", selected(wb, "themes", f, by_quarter=False), "status", ("dropped",)) == 0
    critiques = selected(wb, "critiques", f, by_quarter=False)
    where = quarter_positions(quarter_numbers(wb, "critiques", f), quarters)
    facts = {
        "themes": count_per_quarter(themes[~dropped], quarters),
        "dropped_themes": count_per_quarter(themes[dropped], quarters),
        "active_sources": count_per_quarter(active["quarter"].to_numpy(), quarters),
        "added": count("sources"),
        "pruned": count("sources", "pruned_on"),
        "critiques": np.bincount(where[where >= 0], minlength=len(quarters)).astype("int64"),
        "months_with_critiques": _months_with_critiques(wb, critiques, where, quarters),
        "shipped": count("commitments", "shipped_on"),
        "decisions": count("decisions"),
    }
    roles = _roles_present(wb, critiques, where, quarters)
    facts.update({role: roles[:, n] for n, role in enumerate(ROLES)})
    peer_roles = roles[:, [ROLES.index(role) for role in PEER_ROLES]].all(axis=1)
    facts.update({
        "theme_set": facts["themes"] >= 1,
        "pln_curated": (facts["active_sources"] >= MIN_ACTIVE_SOURCES) & (facts["added"] + facts["pruned"] > 0),
        "peer_circle": (facts["months_with_critiques"] == MONTHS_PER_QUARTER) & peer_roles,
        "artifact_shipped": facts["shipped"] >= 1,
        "loop_closed": facts["decisions"] >= 1,
    })
    return facts


def _steps(wb: Workbook, f: Filters) -> tuple[dict[str, np.ndarray], list[str], pd.DataFrame]:
    """:func:`_step_facts` of every quarter of the workbook (and those quarters), and
    :func:`_active_sources`, with ``f``'s teams, people and themes; worked out once (the
    scorecards, KPIs and trend all read them)."""
    def compute() -> tuple[dict[str, np.ndarray], list[str], pd.DataFrame]:
        active = _active_sources(wb, _tables(wb, f, by_quarter=False))
        quarters = present_quarters(wb)
        return _step_facts(wb, f, quarters, active), quarters, active

    return wb.derived.get(("steps", f.teams, f.people, f.themes), compute)


def _facts(wb: Workbook, f: Filters, quarters: list[str]) -> dict[str, np.ndarray]:
    """:func:`_step_facts` for ``quarters`` (in that order); a quarter with nothing in it has every
    count 0 and no step done."""
    every, present, active = _steps(wb, f)
    at = {quarter: n for n, quarter in enumerate(present)}
    missing = [quarter for quarter in dict.fromkeys(quarters) if quarter not in at]
    if missing:
        extra = _step_facts(wb, f, missing, active)
        every = {key: np.concatenate([values, extra[key]]) for key, values in every.items()}
        at.update({quarter: len(present) + n for n, quarter in enumerate(missing)})
    rows = np.array([at[quarter] for quarter in quarters], dtype="int64")
    return {key: values[rows] for key, values in every.items()}


def _scorecard(wb: Workbook, f: Filters, quarter: str) -> Scorecard:
    active_sources = _steps(wb, f)[2]
    facts = {key: values[0] for key, values in _facts(wb, f, [quarter]).items()}
    names = {number: name for number, _, name in STEPS}
    keys = {number: key for number, key, _ in STEPS}

    def step(number: int, evidence: str, detail: dict[str, Any]) -> Step:
        return Step(number, names[number], bool(facts[keys[number]]), evidence, detail, keys[number])

    # 1 Theme set
    themes, rows = _quarter_rows(wb, "themes", f, quarter)
    dropped = _codes(wb, "themes", themes, "status", ("dropped",))[rows] == 0
    kept, dropped_themes = rows[~dropped], rows[dropped]
    if len(kept):
        evidence = f"{_plural(len(kept), 'theme')}: " + "; ".join(_listed(themes, "title", kept))
    else:
        evidence = "No theme set" + (f" ({_plural(len(dropped_themes), 'theme')} dropped)" if len(dropped_themes) else "")
    one = step(1, evidence, {
        "themes": _listed(themes, "theme_id", kept),
        "dropped": _listed(themes, "theme_id", dropped_themes),
    })

    # 2 PLN curated
    active = int(facts["active_sources"])
    added, pruned = int(facts["added"]), int(facts["pruned"])
    reviewed = added + pruned > 0
    evidence = f"{_plural(active, 'active source')} on this quarter's themes"
    if active < MIN_ACTIVE_SOURCES:
        evidence += f" ({MIN_ACTIVE_SOURCES} needed)"
    evidence += f"; reviewed: {added} added, {pruned} pruned" if reviewed else "; not reviewed: nothing added or pruned"
    two = step(2, evidence, {
        "active_sources": active,
        "needed": MIN_ACTIVE_SOURCES,
        "source_ids": _listed(active_sources, "source_id",
                              np.flatnonzero(active_sources["quarter"].to_numpy() == quarter_number(quarter))),
        "added": added,
        "pruned": pruned,
        "reviewed": reviewed,
    })

    # 3 Peer circle monthly
    months_with = int(facts["months_with_critiques"])
    present = [role for role in ROLES if facts[role]]
    missing = [role for role in PEER_ROLES if not facts[role]]
    evidence = f"Critiques in {months_with} of {MONTHS_PER_QUARTER} months; "
    evidence += f"{_and(list(PEER_ROLES))} all present" if not missing else f"{_and(missing)} missing"
    three = step(3, evidence, {
        "critiques": int(facts["critiques"]),
        "months_with_critiques": months_with,
        "months": MONTHS_PER_QUARTER,
        "roles_present": present,
        "roles_missing": missing,
    })

    # 4 Artifact shipped
    commitments, shipped = _quarter_rows(wb, "commitments", f, quarter, by="shipped_on")
    if len(shipped):
        evidence = f"{_plural(len(shipped), 'artifact')} shipped: " + "; ".join(_listed(commitments, "title", shipped))
    else:
        evidence = "No artifact shipped this quarter"
    four = step(4, evidence, {
        "shipped": len(shipped),
        "commitment_ids": _listed(commitments, "commitment_id", shipped),
    })

    # 5 Loop closed
    decisions, written = _quarter_rows(wb, "decisions", f, quarter)
    evidence = (f"{_plural(len(written), 'decision write-up')}" if len(written)
                else "No decision write-up this quarter")
    five = step(5, evidence, {
        "decisions": len(written),
        "decision_ids": _listed(decisions, "decision_id", written),
    })
    return Scorecard(quarter, (one, two, three, four, five))


@_kept
def scorecard(wb: Workbook, f: Filters, quarter: str) -> Scorecard:
    """How many of the five playbook steps the team completed in the quarter (the score, 0 to 5).

    1. **Theme set** — at least one theme is set for the quarter and not dropped.
    2. **PLN curated** — at least 3 sources tied to the quarter's themes are active at the end of
       the quarter (added on or before its last day and not pruned by then), *and* the network
       was reviewed: at least one source was added or pruned during the quarter.
    3. **Peer circle monthly** — a critique was held in each of the quarter's 3 months, *and* PM,
       Design and Eng were each in the room at least once during the quarter.
    4. **Artifact shipped** — at least one committed artifact shipped during the quarter.
    5. **Loop closed** — at least one decision write-up is dated in the quarter.

    Teams, people and themes filters apply; the quarter range does not (``quarter`` is the quarter).
    """
    return _scorecard(wb, f, quarter)


@_kept
def score_trend(wb: Workbook, f: Filters) -> pd.DataFrame:
    """The playbook score (0 to 5 steps done, see :func:`scorecard`) for each quarter in the range.

    Columns: ``quarter``, ``score`` and one True/False column per step: ``theme_set``,
    ``pln_curated``, ``peer_circle``, ``artifact_shipped``, ``loop_closed``.
    """
    quarters = quarters_in_scope(wb, f)
    if not quarters:
        return _empty(SCORE_TREND_COLUMNS)
    facts = _facts(wb, f, quarters)
    done = {key: facts[key].astype(bool) for _, key, _ in STEPS}
    return pd.DataFrame({"quarter": quarters, "score": np.sum(list(done.values()), axis=0, dtype="int64"),
                         **done}, copy=False)


# --------------------------------------------------------------------------------------
# Cadence
# --------------------------------------------------------------------------------------


@_kept
def critiques_per_month(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Critiques held each month of the selected quarters, with 0 for months without one.

    Months after today are left out unless a critique is dated in them.
    Columns: ``month`` (first day of the month), ``critiques``.
    """
    critiques = selected(wb, "critiques", f)
    months = _month_axis(wb, f, critiques)
    if not len(months):
        return _empty(CRITIQUES_PER_MONTH_COLUMNS)
    positions, on_axis = _per_month(months, _months_of(wb, critiques))
    return pd.DataFrame({
        "month": months.to_timestamp(),
        "critiques": np.bincount(positions[on_axis], minlength=len(months)).astype("int64"),
    })


@_kept
def critique_months(wb: Workbook, f: Filters, quarter: str) -> int:
    """Months of the quarter with at least one critique (0 to 3)."""
    critiques = _rows_in(wb, "critiques", f, quarter, columns=["date"])
    held = set(critiques["date"].dt.to_period("M").dropna())
    return sum(month in held for month in quarter_months(quarter, fiscal_start(wb)))


@_kept
def monthly_streak(wb: Workbook, f: Filters) -> int:
    """How many months in a row, up to now, had at least one critique.

    Counting goes back month by month from the current month (the month of today) and stops at
    the first month without a critique. The current month is still under way, so when it has no
    critique yet it does not break the streak: counting then starts from the previous month.
    Critiques dated after today are ignored. This is a "right now" number: teams, people and
    themes filters apply, the quarter range does not.
    """
    critiques = selected(wb, "critiques", f, by_quarter=False)
    # Months counted from 1970-01, so "the month before" is minus one (a blank date is after every day).
    months = _months_of(wb, critiques)[_days(critiques, "date") <= _day(f.today())]
    held = set(np.unique(months).tolist())
    today = f.today()
    month = (today.year - 1970) * 12 + today.month - 1
    if month not in held:
        month -= 1
    streak = 0
    while month in held:
        streak += 1
        month -= 1
    return streak


@_kept
def sources_flow(wb: Workbook, f: Filters) -> pd.DataFrame:
    """How the learning network changed each quarter.

    ``added``: sources added during the quarter; ``pruned``: sources pruned during the quarter;
    ``active_at_end``: sources in the network on the quarter's last day (added by then and not
    pruned by then), counting sources added before the selected range too.
    Columns: ``quarter``, ``added``, ``pruned``, ``active_at_end``.
    """
    scope = quarters_in_scope(wb, f)
    if not scope:
        return _empty(SOURCES_FLOW_COLUMNS)
    added_in = quarter_numbers(wb, "sources", f)
    pruned_in = quarter_numbers(wb, "sources", f, by="pruned_on")
    return pd.DataFrame({
        "quarter": scope,
        "added": count_per_quarter(added_in, scope),
        "pruned": count_per_quarter(pruned_in, scope),
        "active_at_end": count_up_to(added_in, scope) - count_up_to(pruned_in, scope),
    })


@_kept
def source_kinds(wb: Workbook, f: Filters) -> pd.DataFrame:
    """What the learning network is made of: active sources per kind at the end of the range.

    Active means added by the last day of the selected range (or today, with no range) and not
    pruned by then. Every kind is listed, most common first; kinds with none count 0.
    Columns: ``kind``, ``sources``.
    """
    sources = selected(wb, "sources", f, by_quarter=False)
    scope = quarters_in_scope(wb, f)
    end = _day(quarter_bounds(scope[-1], fiscal_start(wb))[1] if f.quarters and scope else f.today())
    active = (_days(sources, "added_on") <= end) & ~(_days(sources, "pruned_on") <= end)
    kinds = list(SOURCE_KINDS)
    kind = _codes(wb, "sources", sources, "kind", SOURCE_KINDS)[active]
    counts = np.bincount(kind[kind >= 0], minlength=len(kinds)).astype("int64")
    order = np.argsort(-counts, kind="stable")  # most common first; ties keep the kinds' order
    return pd.DataFrame({"kind": pd.array(np.array(kinds, dtype=object)[order], dtype="str"), "sources": counts[order]})


@_kept
def commitments_per_quarter(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Public commitments made and artifacts shipped each quarter.

    ``committed``: commitments made in the quarter (by ``committed_on``); ``shipped``: artifacts
    shipped in the quarter (by ``shipped_on``, whenever they were committed); ``shipped_on_time``:
    of those, the ones shipped on or before their due date, or with no due date;
    ``on_time_rate``: shipped_on_time / shipped (empty when nothing shipped).
    Columns: ``quarter``, ``committed``, ``shipped``, ``shipped_on_time``, ``on_time_rate``.
    """
    scope = quarters_in_scope(wb, f)
    if not scope:
        return _empty(COMMITMENTS_PER_QUARTER_COLUMNS)
    commitments = selected(wb, "commitments", f, by_quarter=False)
    shipped_in = quarter_numbers(wb, "commitments", f, by="shipped_on")
    due_on = _days(commitments, "due_on")
    on_time = np.isnat(due_on) | (_days(commitments, "shipped_on") <= due_on)
    shipped = count_per_quarter(shipped_in, scope)
    shipped_on_time = count_per_quarter(shipped_in[on_time], scope)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.where(shipped > 0, shipped_on_time / np.maximum(shipped, 1), np.nan)
    return pd.DataFrame({
        "quarter": scope,
        "committed": count_per_quarter(quarter_numbers(wb, "commitments", f), scope),
        "shipped": shipped,
        "shipped_on_time": shipped_on_time,
        "on_time_rate": rate.astype("float64"),
    })


@_kept
def decisions_per_quarter(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Decision write-ups dated in each quarter, with 0 for quarters without one.

    Columns: ``quarter``, ``decisions``.
    """
    scope = quarters_in_scope(wb, f)
    if not scope:
        return _empty(DECISIONS_PER_QUARTER_COLUMNS)
    return pd.DataFrame({"quarter": scope, "decisions": count_per_quarter(quarter_numbers(wb, "decisions", f), scope)})


# --------------------------------------------------------------------------------------
# Impact
# --------------------------------------------------------------------------------------


@_kept
def decisions_by_category(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Decision write-ups each quarter by what changed: a decision, the discovery cadence, or a bet.

    One row for every quarter and category (0 when none). Columns: ``quarter``, ``category``
    (decision, discovery_cadence, bet), ``decisions``.
    """
    scope = quarters_in_scope(wb, f)
    if not scope:
        return _empty(DECISIONS_BY_CATEGORY_COLUMNS)
    categories = list(DECISION_CATEGORIES)
    where = quarter_positions(quarter_numbers(wb, "decisions", f), scope)
    category = _codes(wb, "decisions", selected(wb, "decisions", f, by_quarter=False), "category", DECISION_CATEGORIES)
    counted = (where >= 0) & (category >= 0)
    counts = np.bincount(where[counted] * len(categories) + category[counted], minlength=len(scope) * len(categories))
    return pd.DataFrame({
        "quarter": np.repeat(np.array(scope, dtype=object), len(categories)),
        "category": np.tile(np.array(categories, dtype=object), len(scope)),
        "decisions": counts.astype("int64"),
    })


@_kept
def traced_share(wb: Workbook, f: Filters, quarter: str | None = None) -> float | None:
    """Share of decision write-ups that name at least one source or critique they came from.

    Decisions in ``quarter`` when given, else in the selected range; None when there are none.
    """
    has_source, has_critique = _citing(wb, f, quarter)
    return float(np.mean(has_source | has_critique)) if len(has_source) else None


@_kept
def learning_mix(wb: Workbook, f: Filters, quarter: str | None = None) -> pd.DataFrame:
    """Where the traced decisions' learning came from: learning *from* sources only, learning
    *with* peers (critiques) only, or both.

    Only decisions that name a source or critique count. ``share`` is of those traced decisions
    (empty when none). Three rows, always: from, with, both.
    Columns: ``mix`` (from, with, both), ``label``, ``decisions``, ``share``.
    """
    has_source, has_critique = _citing(wb, f, quarter)
    counts = np.array([
        (has_source & ~has_critique).sum(),
        (~has_source & has_critique).sum(),
        (has_source & has_critique).sum(),
    ], dtype="int64")
    total = counts.sum()
    return pd.DataFrame({
        "mix": list(MIX_LABELS),
        "label": list(MIX_LABELS.values()),
        "decisions": counts,
        "share": counts / total if total else np.full(3, np.nan),
    })


@_kept
def time_to_impact(wb: Workbook, f: Filters) -> pd.DataFrame:
    """How long learning took to change a decision: for each decision in the range and each
    source or critique it names, the days from the source's ``added_on`` (or the critique's
    date) to the decision's date.

    One row per (decision, source or critique) pair. Negative days mean a decision names
    something dated after it. Columns: ``kind`` (source, critique), ``id``, ``decision_id``,
    ``quarter`` (the decision's), ``learned_on``, ``decided_on``, ``days``.
    """
    pairs, position = wb.derived.get("time_to_impact", lambda: _impact_pairs(wb))
    pairs = _of_decisions(wb, selected(wb, "decisions", f), pairs, position)
    return _empty(TIME_TO_IMPACT_COLUMNS) if pairs.empty else pairs


def _impact_pairs(wb: Workbook) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`time_to_impact` for every decision of the workbook, ordered by the decision's date and
    id, then kind and id; and the position of each pair's decision."""
    kinds = sorted(("source", "critique"))  # kinds sort as their names do
    parts = [_every_citation(wb, f"{kind}_ids") for kind in kinds]
    position = np.concatenate([part["position"].to_numpy() for part in parts])
    kind = np.repeat(np.arange(len(kinds)), [len(part) for part in parts])
    ids = pa.concat_arrays([frames.text(part["id"]) for part in parts])
    learned = np.concatenate([part["learned_on"].to_numpy(dtype="datetime64[us]") for part in parts])
    rows = _pair_order(wb.decisions, position, kind, ids)
    rows = rows[~np.isnat(learned[rows])]
    of_decision, learned = position[rows], learned[rows]
    decided = wb.decisions["date"].to_numpy(dtype="datetime64[us]")[of_decision]
    picked = pa.array(rows)
    return pd.DataFrame({
        "kind": pd.array(pa.array(kinds, pa.large_string()).take(kind[rows]), dtype="str"),
        "id": pd.array(ids.take(picked), dtype="str"),
        **{column: pd.array(frames.text(wb.decisions[column]).take(pa.array(of_decision)), dtype="str")
           for column in ("decision_id", "quarter")},
        "learned_on": learned,
        "decided_on": decided,
        "days": ((decided - learned) // np.timedelta64(1, "D")).astype("int64"),
    }, copy=False), of_decision


def _pair_order(decisions: pd.DataFrame, position: np.ndarray, kind: np.ndarray, ids: pa.Array) -> np.ndarray:
    """The order of (decision, kind, id) pairs by the decision's date and id, then ``kind``, then id.

    ``position`` is each pair's decision. Each (decision, kind) run of pairs must be contiguous, as
    the citations are (one cell's ids, in sheet order). Runs are placed by counting, not sorting; only
    runs whose ids are out of order are sorted. Decisions with the same date and id are ranked as one,
    so their pairs mix: those need a full sort."""
    ranked = frames.sort_order(decisions, ["date", "decision_id"])
    dates = decisions["date"].to_numpy(dtype="datetime64[us]")[ranked]
    decision_ids = frames.text(decisions["decision_id"]).take(pa.array(ranked))
    same = np.zeros(len(ranked), dtype=bool)
    same[1:] = (dates[1:] == dates[:-1]) & pc.fill_null(pc.equal(decision_ids[1:], decision_ids[:-1]), False).to_numpy(
        zero_copy_only=False)
    rank = np.empty(len(decisions), dtype="int64")
    rank[ranked] = np.cumsum(~same)
    run = rank[position] * (int(kind.max(initial=0)) + 1) + kind
    if same.any():
        keys = pa.table({"run": run, "id": ids})
        return pc.sort_indices(keys, options=pc.SortOptions([("run", "ascending"), ("id", "ascending")])).to_numpy()
    # Counting sort of the runs: each pair goes to its run's first slot plus its place in the run.
    starts_here = np.ones(len(run), dtype=bool)
    starts_here[1:] = run[1:] != run[:-1]
    first = np.flatnonzero(starts_here)
    within = np.arange(len(run)) - np.repeat(first, np.diff(np.append(first, len(run))))
    per_run = np.bincount(run, minlength=1)
    slot = (np.cumsum(per_run) - per_run)[run] + within
    order = np.empty(len(run), dtype="int64")
    order[slot] = np.arange(len(run))
    # A cell that lists its ids out of order: sort those runs by id and put them back in their slots.
    out_of_order = ~starts_here[1:] & pc.fill_null(pc.less(ids[1:], ids[:-1]), False).to_numpy(zero_copy_only=False)
    if out_of_order.any():
        unsorted = np.flatnonzero(np.isin(run, run[1:][out_of_order]))
        keys = pa.table({"run": run[unsorted], "id": ids.take(pa.array(unsorted))})
        by_id = pc.sort_indices(keys, options=pc.SortOptions([("run", "ascending"), ("id", "ascending")])).to_numpy()
        order[np.sort(slot[unsorted])] = unsorted[by_id]
    return order


def _of_decisions(wb: Workbook, decisions: pd.DataFrame, rows: pd.DataFrame, position: np.ndarray) -> pd.DataFrame:
    """The rows of ``rows`` (each belonging to the workbook decision at ``position``) that belong to
    ``decisions``, a selection of the workbook's decisions, numbered from 0."""
    chosen = _chosen(wb, decisions, position)
    return rows if chosen is None else rows.iloc[chosen].reset_index(drop=True)


def _chosen(wb: Workbook, decisions: pd.DataFrame, position: np.ndarray) -> np.ndarray | None:
    """Which of the rows placed at the workbook decisions ``position`` belong to ``decisions`` (a
    selection of the workbook's decisions), as positions; None when every decision is selected."""
    where = positions_in(wb, "decisions", decisions)
    if where is None:
        return None
    in_selection = np.zeros(len(wb.decisions), dtype=bool)
    in_selection[where] = True
    return np.flatnonzero(in_selection[position])


@_kept
def median_days_to_impact(wb: Workbook, f: Filters) -> dict[str, float | None]:
    """The median number of days from learning to a decision that names it (see
    :func:`time_to_impact`), separately for sources (from ``added_on``) and critiques (from the
    critique's date). None for a kind no decision names.

    Returns ``{"source": days or None, "critique": days or None}``.
    """
    pairs = time_to_impact(wb, f)
    out: dict[str, float | None] = {}
    for kind in ("source", "critique"):
        days = pairs.loc[pairs["kind"].eq(kind), "days"]
        out[kind] = float(days.median()) if len(days) else None
    return out


@_kept
def top_sources(wb: Workbook, f: Filters, n: int = 10) -> pd.DataFrame:
    """The sources that influenced the most decisions: the number of decision write-ups in the
    range that name each source, highest first (ties by source id), sources named at least once.

    Columns: ``source_id``, ``name``, ``kind``, ``decisions``.
    """
    every = _every_citation(wb, "source_ids")
    chosen = _chosen(wb, selected(wb, "decisions", f), every["position"].to_numpy())
    rows = every["cited"].to_numpy() if chosen is None else every["cited"].to_numpy()[chosen]
    if not len(rows):
        return _empty(TOP_SOURCES_COLUMNS)
    # Count by the row each citation found in the sources tab; ids with no such row by their text.
    found = rows >= 0
    per_row = np.bincount(rows[found], minlength=len(wb.sources))
    if found.all():  # the loader drops ids no source has, so this is the usual case
        unknown = pd.Series([], dtype="int64", index=pd.Index([], dtype="str"))
    else:
        ids = every["id"] if chosen is None else every["id"].iloc[chosen]
        unknown = ids[~found].value_counts(sort=False)
    counts = np.concatenate([per_row, unknown.to_numpy()]).astype("int64")
    # Only the sources that can make the top n are ranked: named at least once, and at least as
    # often as the n-th most named (ties at that count are all kept, the id decides among them).
    floor = max(1, np.partition(counts, len(counts) - n)[len(counts) - n]) if 0 < n < len(counts) else 1
    candidates = np.flatnonzero(counts >= floor)
    named, other = candidates[candidates < len(per_row)], candidates[candidates >= len(per_row)] - len(per_row)

    def column(name: str) -> pd.Series:
        known = pd.Series(wb.sources[name].array[named])
        if not len(other):
            return known
        unknown_values = (pd.Series(unknown.index[other], dtype="string") if name == "source_id"
                          else pd.Series(pd.NA, index=range(len(other)), dtype="string"))
        return pd.concat([known, unknown_values], ignore_index=True)

    ranked = pd.DataFrame({
        "source_id": column("source_id").astype("str"),
        "name": column("name"),
        "kind": column("kind"),
        "decisions": counts[candidates],
    })
    top = frames.sort_order(ranked, ["decisions", "source_id"], ascending=[False, True])[:n]
    return ranked.take(top).reset_index(drop=True)


@_kept
def dormant_sources(wb: Workbook, f: Filters, days: int = DORMANT_DAYS) -> pd.DataFrame:
    """Prune candidates: sources still in the network whose last engagement was more than
    ``days`` days (90 by default) before today.

    Last engagement is ``last_engaged_on``, or ``added_on`` when that is blank. A source is still
    in the network when it was added by today and not pruned by today. This is a "right now" list:
    teams, people and themes filters apply, the quarter range does not. Longest dormant first.
    Columns: ``source_id``, ``name``, ``kind``, ``owner``, ``team``, ``last_engaged_on`` (the date
    used), ``days_since``.
    """
    sources = selected(wb, "sources", f, by_quarter=False)
    today = _day(f.today())
    added, pruned, engaged = (_days(sources, column) for column in ("added_on", "pruned_on", "last_engaged_on"))
    last = np.where(np.isnat(engaged), added, engaged)
    # A blank date compares as False: a source never added is not in the network, one never engaged not dormant.
    dormant = np.flatnonzero((added <= today) & ~(pruned <= today) & (today - last > np.timedelta64(days, "D")))
    if not len(dormant):
        return _empty(DORMANT_COLUMNS)
    since = ((today - last[dormant]) // np.timedelta64(1, "D")).astype("int64")
    order = frames.sort_order(pd.DataFrame({"since": since, "id": sources["source_id"].array[dormant]}), ["since", "id"],
                              ascending=[False, True])
    taken = dormant[order]
    columns = {column: sources[column].array.take(taken) for column in ("source_id", "name", "kind", "owner", "team")}
    return pd.DataFrame({**columns, "last_engaged_on": last[taken], "days_since": since[order]}, copy=False)


@_kept
def average_impact(wb: Workbook, f: Filters, quarter: str | None = None) -> float | None:
    """The average impact score (1 small to 5 large) of decision write-ups that have one.

    Decisions in ``quarter`` when given, else in the selected range; None when none has a score.
    """
    impact = _rows_in(wb, "decisions", f, quarter, columns=["impact"])["impact"].dropna()
    return float(impact.mean()) if len(impact) else None


DECISION_LOG_COLUMNS = ["decision_id", "date", "quarter", "category", "summary", "theme", "learned_from",
                        "learned_with", "impact", "owner", "team", "status"]


@_kept
def decision_log(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Every decision write-up in the selection, newest first, with the learning it cites.

    ``theme``: the theme's title; ``learned_from``: the names of the cited sources;
    ``learned_with``: the artifacts of the cited critiques (comma lists, blank when none).
    """
    decisions = selected(wb, "decisions", f)
    if decisions.empty:
        return _empty(DECISION_LOG_COLUMNS)
    return _of_decisions(wb, decisions, *wb.derived.get("decision_log", lambda: _decision_log(wb)))


def _decision_log(wb: Workbook) -> tuple[pd.DataFrame, np.ndarray]:
    """:func:`decision_log` of every decision of the workbook, newest first; and each row's position
    among the workbook's decisions."""
    decisions = wb.decisions
    newest_first = frames.sort_order(decisions, "date", ascending=False)
    columns = {
        "decision_id": decisions["decision_id"],
        "date": _dates(decisions["date"]),
        "quarter": decisions["quarter"],
        "category": decisions["category"].str.replace("_", " "),
        "summary": decisions["summary"],
        "theme": _decision_themes(wb),
        "learned_from": _joined_names(wb, "source_ids", wb.sources, "name"),
        "learned_with": _joined_names(wb, "critique_ids", wb.critiques, "artifact"),
        "impact": decisions["impact"].astype("Int64"),
        "owner": decisions["owner"],
        "team": decisions["team"],
        "status": decisions["status"],
    }
    # Each column taken in order once (a frame built first would be copied again by its own take).
    return pd.DataFrame({name: column.array.take(newest_first) for name, column in columns.items()},
                        copy=False), newest_first


def _dates(values: pd.Series) -> pd.Series:
    """Timestamps as ``datetime.date`` values (blank stays NaT), converted by numpy rather than one by one."""
    days = values.to_numpy(dtype="datetime64[us]").astype("datetime64[D]")
    dates = days.astype(object)
    dates[np.isnat(days)] = pd.NaT
    return pd.Series(dates, index=values.index, dtype=object)


def _joined_names(wb: Workbook, column: str, table: pd.DataFrame, label: str) -> pd.Series:
    """For each decision, the ``label`` of every row of ``table`` its list column ``column`` names
    (the id itself when there is no such row), joined with ", "; missing when it names none."""
    cited = _every_citation(wb, column)
    rows = cited["cited"].to_numpy()
    named = frames.text(table[label]).take(pa.array(rows, mask=rows < 0))
    if (rows < 0).any() or named.null_count:  # an unknown id, or a row with no label: the id stands in
        named = pc.coalesce(named, frames.text(cited["id"]))
    # The citations keep the decisions' order, so each decision's names are one run: join the runs in one pass.
    counts = np.bincount(cited["position"].to_numpy(), minlength=len(wb.decisions))
    offsets = np.concatenate([[0], np.cumsum(counts)])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), named, mask=pa.array(counts == 0))
    joined = pc.binary_join(lists, pa.scalar(", ", pa.large_string()))
    return pd.Series(pd.array(joined, dtype="str"), index=wb.decisions.index)


@_kept
def reversals(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Decisions that did not stick: write-ups marked superseded or reverted, or named by a later
    decision in its ``supersedes`` column, with the decision that replaced them.

    The reversed decision's own date places it in the range. ``status`` is as recorded, except
    that a decision another one supersedes reads "superseded" even when still marked active.
    ``replaced_by`` is the earliest decision naming it (blank when none); ``days_in_force`` the
    days from the decision to its replacement. Columns: ``decision_id``, ``date``, ``quarter``,
    ``category``, ``summary``, ``team``, ``status``, ``replaced_by``, ``replaced_on``,
    ``replaced_by_summary``, ``days_in_force``.
    """
    decisions = selected(wb, "decisions", f)
    replacing = wb.derived.get("replacing", lambda: _replacing(wb))
    replaced = frames.isin(decisions["decision_id"], replacing["supersedes"])
    status = _codes(wb, "decisions", decisions, "status", ("superseded", "reverted", "active"))
    keep = np.flatnonzero(((status == 0) | (status == 1)) | replaced)
    if not len(keep):
        return _empty(REVERSALS_COLUMNS)
    keep = keep[frames.sort_order(decisions, ["date", "decision_id"], rows=keep)]
    text = ["decision_id", "quarter", "category", "summary", "team", "status"]
    out = frames.pick(decisions, keep, REVERSALS_COLUMNS[:7], dict.fromkeys(text, "str"), index=pd.RangeIndex(len(keep)))
    replacement = frames.positions(out["decision_id"], replacing, "supersedes")
    out["status"] = out["status"].mask(replaced[keep] & (status[keep] == 2), "superseded")
    out["replaced_by"] = pd.Series(frames.take(replacing, "decision_id", replacement)).astype("str")
    out["replaced_on"] = frames.take(replacing, "date", replacement)
    out["replaced_by_summary"] = pd.Series(frames.take(replacing, "summary", replacement)).astype("str")
    in_force = _days(out, "replaced_on") - _days(out, "date")
    blank = np.isnat(in_force)
    days = np.where(blank, np.timedelta64(0, "D"), in_force) // np.timedelta64(1, "D")
    out["days_in_force"] = pd.arrays.IntegerArray(days.astype("int64"), blank)
    return out


def _replacing(wb: Workbook) -> pd.DataFrame:
    """Every decision that supersedes another, earliest first (by date, then id): the columns a
    reversal shows of it."""
    columns = ["decision_id", "date", "summary", "supersedes"]
    replacing = frames.pick(wb.decisions, np.flatnonzero(wb.decisions["supersedes"].notna().to_numpy(dtype=bool)), columns)
    return frames.sort_rows(replacing, ["date", "decision_id"])


# --------------------------------------------------------------------------------------
# Themes
# --------------------------------------------------------------------------------------


@_kept
def theme_summary(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Each theme in the range with what the team did for it: sources tied to it (including
    pruned ones), critiques of it, commitments for it, how many of those shipped, and decisions
    written up under it — every row linked to the theme, whatever its date.

    Ordered by quarter, team, theme id. Columns: ``theme_id``, ``quarter``, ``title``, ``team``,
    ``owner``, ``status``, ``definition_of_good``, ``sources``, ``critiques``, ``commitments``,
    ``shipped``, ``decisions``.
    """
    themes = selected(wb, "themes", f)
    if themes.empty:
        return _empty(THEME_SUMMARY_COLUMNS)
    order = theme_order(wb, themes)
    linked = wb.derived.get(("theme_links", f.teams, f.people, f.themes), lambda: _theme_links(wb, f))
    positions = _theme_of(wb, "themes", themes)[order]
    columns = {column: themes[column].array.take(order) for column in THEME_SUMMARY_COLUMNS[:7]}
    columns.update({column: np.where(positions >= 0, counts[positions], 0) for column, counts in linked.items()})
    return pd.DataFrame(columns, copy=False)


def _theme_links(wb: Workbook, f: Filters) -> dict[str, np.ndarray]:
    """For each theme of the workbook (by position; a repeated id counts at its first row): the
    sources, critiques, commitments, shipped commitments and decisions linked to it that ``f``'s
    teams, people and themes keep."""
    def theme_of(tab: str) -> np.ndarray:
        return _theme_of(wb, tab, selected(wb, tab, f, by_quarter=False))

    def counted(positions: np.ndarray) -> np.ndarray:
        return np.bincount(positions[positions >= 0], minlength=len(wb.themes)).astype("int64")

    commitments = theme_of("commitments")
    shipped = ~np.isnat(_days(selected(wb, "commitments", f, by_quarter=False), "shipped_on"))
    return {"sources": counted(theme_of("sources")), "critiques": counted(theme_of("critiques")),
            "commitments": counted(commitments), "shipped": counted(commitments[shipped]),
            "decisions": counted(theme_of("decisions"))}


def _theme_of(wb: Workbook, tab: str, rows: pd.DataFrame) -> np.ndarray:
    """For each of ``rows`` (a selection of ``tab``), its theme's position in the themes tab (the
    first row with that id; -1 when it names none)."""
    def positions(frame: pd.DataFrame) -> np.ndarray:
        checked = wb.reference(tab, "theme_id") if frame is wb.tables[tab] else None
        return frames.positions(frame["theme_id"], wb.themes, "theme_id") if checked is None else checked.per_row()

    return per_row(wb, tab, rows, "theme_positions", positions)


def _theme_positions(wb: Workbook, tab: str) -> np.ndarray:
    """:func:`_theme_of` every row of ``tab``."""
    return _theme_of(wb, tab, wb.tables[tab])


def _decision_themes(wb: Workbook) -> pd.Series:
    """Each decision's theme title (missing when it names no theme, or one the themes tab lacks)."""
    return pd.Series(frames.take(wb.themes, "title", _theme_positions(wb, "decisions")))


def _codes(wb: Workbook, tab: str, rows: pd.DataFrame, column: str, values: tuple[str, ...]) -> np.ndarray:
    """For each of ``rows`` (a selection of ``tab``), which of ``values`` its ``column`` is (-1 for
    none): :func:`frames.index_of`, worked out once per tab."""
    return per_row(wb, tab, rows, ("codes", column, values), lambda frame: frames.index_of(frame[column], values))


# --------------------------------------------------------------------------------------
# KPIs
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    """A headline number for a quarter, the same number a quarter earlier, and the change."""

    name: str
    value: float | int | None
    previous: float | int | None
    #: value - previous; None when either is None.
    delta: float | int | None
    help: str
    #: A stable machine name: playbook_score, critiques_held, decisions_written, traced_share.
    key: str = ""
    #: How to show the value: "score" (of 5), "count" or "share" (0 to 1, show as a percentage).
    unit: Literal["score", "count", "share"] = "count"


def kpi_text(value: float | int | None, unit: str) -> str:
    """A headline number as people say it: "4 of 5", "68%", "12"; an en dash when there is none."""
    if value is None:
        return "–"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "score":
        return f"{value:g} of 5"
    return f"{value:g}"


@_kept
def kpis(wb: Workbook, f: Filters, quarter: str) -> list[Kpi]:
    """The four headline numbers for ``quarter``, each against the quarter before it:

    * **Playbook score** — steps of the playbook done in the quarter, out of 5.
    * **Critiques held** — peer-circle critiques dated in the quarter.
    * **Decisions written up** — decision write-ups dated in the quarter.
    * **Traced share** — share of those write-ups that name a source or critique they came from.

    Teams, people and themes filters apply; the quarter range does not.
    """
    previous = previous_quarter(quarter)
    facts = _facts(wb, f, [quarter, previous])

    def count(tab: str, q: str) -> int:
        return int(facts[tab][0 if q == quarter else 1])

    def traced(q: str) -> float | None:
        return traced_share(wb, f, q)

    def kpi(name: str, key: str, unit: Literal["score", "count", "share"], now: Any, before: Any,
            help: str) -> Kpi:
        delta = None if now is None or before is None else now - before
        return Kpi(name, now, before, delta, help, key, unit)

    steps = [key for _, key, _ in STEPS]
    score_now, score_before = (int(done) for done in np.sum([facts[step] for step in steps], axis=0, dtype="int64"))
    return [
        kpi("Playbook score", "playbook_score", "score", score_now, score_before,
            "Steps of the playbook done in the quarter, out of 5: theme set, learning network curated, "
            "peer circle every month, artifact shipped, loop closed with a write-up."),
        kpi("Critiques held", "critiques_held", "count", count("critiques", quarter), count("critiques", previous),
            "Peer-circle critiques of experiments, roadmaps and discovery plans dated in the quarter."),
        kpi("Decisions written up", "decisions_written", "count", count("decisions", quarter),
            count("decisions", previous),
            "Write-ups of what changed in a decision, the discovery cadence or a bet, dated in the quarter."),
        kpi("Traced share", "traced_share", "share", traced(quarter), traced(previous),
            "Share of the quarter's decision write-ups that name at least one source or critique they "
            "came from."),
    ]


# --------------------------------------------------------------------------------------
# Commitments ledger
# --------------------------------------------------------------------------------------


#: The statuses the ledger tells apart, in the order of the codes :func:`_codes` gives them (0, 1, 2).
_LEDGER_STATUSES = ("dropped", "shipped", "in_progress")


def _ledger(wb: Workbook, commitments: pd.DataFrame, today: np.datetime64, rows: np.ndarray | None = None,
            extra: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """:func:`commitment_ledger` of ``commitments`` (at positions ``rows`` when given), with the
    ``extra`` columns (one value per row) after ``state``."""
    # The rows are put in order first, so each column is taken once, already in order.
    keys = ["committed_on", "commitment_id"]
    order = frames.sort_order(commitments, keys, rows=rows)
    taken = order if rows is None else rows[order]
    shipped_on, due_on = _days(commitments, "shipped_on")[taken], _days(commitments, "due_on")[taken]
    status = _codes(wb, "commitments", commitments, "status", _LEDGER_STATUSES)[taken]
    has_shipped = ~np.isnat(shipped_on)
    columns = {column: commitments[column].array.take(taken) for column in LEDGER_COLUMNS[:-1]}
    columns["state"] = _labelled(
        [has_shipped & (shipped_on > due_on), has_shipped, status == 0, status == 1, due_on < today, status == 2],
        ["shipped_late", "shipped", "dropped", "shipped", "overdue", "in_progress"],
        default="planned",
    )
    columns.update({name: values.take(order) for name, values in (extra or {}).items()})
    return pd.DataFrame(columns, copy=False)


def _labelled(conditions: list[np.ndarray], labels: list[str], default: str) -> pd.api.extensions.ExtensionArray:
    """For each row, the label of the first of ``conditions`` it meets (``default`` when none), as
    text: ``np.select`` on label codes, so no row becomes a Python string."""
    codes = np.select(conditions, list(range(len(labels))), default=len(labels))
    return pd.array(pa.array([*labels, default], pa.large_string()).take(codes), dtype="str")


@_kept
def commitment_ledger(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Every commitment made in the range and where it stands today.

    ``state``: **shipped** (shipped on or before its due date, or with no due date),
    **shipped_late** (shipped after its due date), **dropped**, **overdue** (not shipped or
    dropped, and its due date has passed — due before today), **in_progress**, or **planned**
    (not started, or no status). A shipped date wins over the status column. Ordered by
    ``committed_on``. Columns: ``commitment_id``, ``title``, ``kind``, ``owner``, ``team``,
    ``theme_id``, ``quarter`` (when committed), ``committed_on``, ``due_on``, ``shipped_on``,
    ``status`` (as typed), ``state``.
    """
    commitments = selected(wb, "commitments", f)
    if commitments.empty:
        return _empty(LEDGER_COLUMNS)
    return _ledger(wb, commitments, _day(f.today()))


@_kept
def carried_over(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """Commitments still open at the end of ``quarter`` that cross its boundary: committed by the
    quarter's end, not shipped by then and not dropped, and either committed in an earlier
    quarter (carried in) or due after the quarter ends (carried out).

    Columns: the :func:`commitment_ledger` columns (``state`` as of today) and ``reason``
    ("committed earlier", "due later" or "committed earlier, due later").
    Teams, people and themes filters apply; the quarter range does not.
    """
    commitments = selected(wb, "commitments", f, by_quarter=False)
    if commitments.empty:
        return _empty(CARRIED_OVER_COLUMNS)
    end = _day(quarter_bounds(quarter, fiscal_start(wb))[1])
    committed_on, shipped_on, due_on = (_days(commitments, column) for column in ("committed_on", "shipped_on", "due_on"))
    status = _codes(wb, "commitments", commitments, "status", _LEDGER_STATUSES)
    open_at_end = (committed_on <= end) & (status != 0) & ~(shipped_on <= end) & ~((status == 1) & np.isnat(shipped_on))
    committed_in = quarter_numbers(wb, "commitments", f)
    earlier = (committed_in >= 0) & (committed_in < quarter_number(quarter))
    later = due_on > end
    keep = np.flatnonzero(open_at_end & (earlier | later))
    if not len(keep):
        return _empty(CARRIED_OVER_COLUMNS)
    reason = _labelled([earlier[keep] & later[keep], earlier[keep]], ["committed earlier, due later", "committed earlier"],
                       default="due later")
    return _ledger(wb, commitments, _day(f.today()), keep, extra={"reason": reason})


# --------------------------------------------------------------------------------------
# Peer circle make-up
# --------------------------------------------------------------------------------------


@_kept
def roles_coverage(wb: Workbook, f: Filters) -> pd.DataFrame:
    """For each month of the selected quarters and each role, the critiques that role was in the
    room for (0 when none) — a heatmap of who shows up.

    Months as in :func:`critiques_per_month`; roles in the order PM, Design, Eng, Data, Research,
    Other. Columns: ``month`` (first day of the month), ``role``, ``critiques``.
    """
    critiques = selected(wb, "critiques", f)
    months = _month_axis(wb, f, critiques)
    if not len(months):
        return _empty(ROLES_COVERAGE_COLUMNS)
    positions, on_axis = _per_month(months, _months_of(wb, critiques))
    cells, distinct = _roles_of(wb, critiques)
    on_axis &= cells >= 0
    # Count critiques per (month, distinct roles cell), then each cell adds to every role it lists.
    per_cell = np.bincount(positions[on_axis] * len(distinct) + cells[on_axis], minlength=len(months) * len(distinct))
    counts = per_cell.reshape(len(months), len(distinct)) @ _role_lists(distinct)
    return pd.DataFrame({
        "month": np.repeat(months.to_timestamp().to_numpy(), len(ROLES)),
        "role": pd.array(np.tile(np.array(ROLES, dtype=object), len(months)), dtype="str"),
        "critiques": counts.reshape(-1).astype("int64"),
    })


@_kept
def artifact_types(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Critiques in the range by what was critiqued: experiment, roadmap, discovery plan,
    prototype, strategy or other (every type listed, 0 when none, in that order).

    Columns: ``artifact_type``, ``critiques``.
    """
    critiques = selected(wb, "critiques", f)
    types = _codes(wb, "critiques", critiques, "artifact_type", ARTIFACT_TYPES)
    return pd.DataFrame({"artifact_type": list(ARTIFACT_TYPES),
                         "critiques": np.bincount(types[types >= 0], minlength=len(ARTIFACT_TYPES)).astype("int64")})


# --------------------------------------------------------------------------------------
# Learning flows (Sankey)
# --------------------------------------------------------------------------------------


@_kept
def learning_flows(wb: Workbook, f: Filters) -> pd.DataFrame:
    """How learning flows into change: from the kind of source (learning *from*: Newsletter,
    Book…) or a peer critique (learning *with*), through the theme, to what changed (Decision,
    Discovery cadence, Bet).

    ``value`` counts citations: each source or critique a decision write-up in the range names
    is one unit, so a decision naming two sources adds 2; what flows into a theme equals what
    flows out. Decisions naming nothing are left out; a decision with no theme flows through
    "No theme". Columns: ``source_label``, ``target_label``, ``value``, ``source_stage`` and
    ``target_stage`` ("learning", "theme" or "change"; the same label can occur at two stages).
    """
    links, labels = wb.derived.get("learning_flows", lambda: _flow_links(wb))
    chosen = _chosen(wb, selected(wb, "decisions", f), links["position"].to_numpy())
    learning, theme, change = (links[stage].to_numpy() if chosen is None else links[stage].to_numpy()[chosen]
                               for stage in ("learning", "theme", "change"))
    if not len(learning):
        return _empty(LEARNING_FLOWS_COLUMNS)
    out = pd.concat([_flows(learning, theme, labels["learning"], labels["theme"], ("learning", "theme")),
                     _flows(theme, change, labels["theme"], labels["change"], ("theme", "change"))], ignore_index=True)
    return out[LEARNING_FLOWS_COLUMNS]


def _flow_links(wb: Workbook) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Every citation of the workbook as codes of its learning, theme and change labels (labels
    sorted, so codes sort as the labels do), with its decision's ``position``; and the labels."""
    parts = (_every_citation(wb, "source_ids"), _every_citation(wb, "critique_ids"))
    position = np.concatenate([part["position"].to_numpy() for part in parts])
    decisions = wb.decisions
    # Each label is worked out once per distinct value (a kind, a theme title, a category), not per
    # citation; a decision's theme and change are looked up once per decision, then per citation by position.
    learning = _label_codes([_named(parts[0]["kind"], lambda kind: kind.replace("_", " ").capitalize()),
                             (np.zeros(len(parts[1]), dtype="int64"), [PEER_CRITIQUE, None])])
    theme = _label_codes([_named(_decision_themes(wb), str, blank=NO_THEME, blank_where=decisions["theme_id"].isna().to_numpy())])
    change = _label_codes([_named(decisions["category"], lambda category: CATEGORY_LABELS.get(category, category))])
    keep = (learning[0] >= 0) & (change[0][position] >= 0)
    links = pd.DataFrame({"position": position[keep], "learning": learning[0][keep],
                          "theme": theme[0][position[keep]], "change": change[0][position[keep]]})
    return links, {"learning": learning[1], "theme": theme[1], "change": change[1]}


def _named(values: pd.Series, name: Any, blank: str | None = None,
           blank_where: np.ndarray | None = None) -> tuple[np.ndarray, list[str | None]]:
    """``values`` as codes into their names (``name`` of each distinct value; the last name, ``blank``,
    for a blank value or where ``blank_where``)."""
    codes, distinct = pd.factorize(values)
    if blank_where is not None:
        codes = np.where(blank_where, -1, codes)
    return codes, [name(str(value)) for value in distinct] + [blank]


def _label_codes(parts: list[tuple[np.ndarray, list[str | None]]]) -> tuple[np.ndarray, np.ndarray]:
    """Codes into each part's own names (from :func:`_named`) as codes into the sorted names of all
    parts, -1 where the name is None; and those names."""
    labels = sorted({name for _, names in parts for name in names if name is not None})
    at = {label: code for code, label in enumerate(labels)}
    codes = [np.array([at.get(name, -1) if name is not None else -1 for name in names], dtype="int64")[local]
             for local, names in parts]
    return np.concatenate(codes), np.array(labels, dtype=object)


def _flows(sources: np.ndarray, targets: np.ndarray, source_labels: np.ndarray, target_labels: np.ndarray,
           stages: tuple[str, str]) -> pd.DataFrame:
    """Links counted per (source, target) label pair, in label order (as a group-by would list them)."""
    pairs, counts = np.unique(sources * len(target_labels) + targets, return_counts=True)
    return pd.DataFrame({
        "source_label": pd.array(source_labels[pairs // len(target_labels)], dtype="str"),
        "target_label": pd.array(target_labels[pairs % len(target_labels)], dtype="str"),
        "value": counts.astype("int64"),
        "source_stage": stages[0],
        "target_stage": stages[1],
    })


__all__ = [
    "Kpi",
    "Scorecard",
    "Step",
    "artifact_types",
    "average_impact",
    "carried_over",
    "commitment_ledger",
    "commitments_per_quarter",
    "critique_months",
    "critiques_per_month",
    "decisions_by_category",
    "decisions_per_quarter",
    "dormant_sources",
    "kpis",
    "learning_flows",
    "learning_mix",
    "median_days_to_impact",
    "monthly_streak",
    "reversals",
    "roles_coverage",
    "score_trend",
    "scorecard",
    "sources_flow",
    "theme_summary",
    "time_to_impact",
    "top_sources",
    "traced_share",
]
