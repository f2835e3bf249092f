"""The playbook scorecard: did the team run each of the five steps in a quarter, and the headline numbers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from data_schemas.critiques import ROLES
from learnloop.metrics.cache import kept, metric
from learnloop.metrics.cadence import PEER_ROLE_NAMES, roles_in_the_room
from learnloop.metrics.impact import traced_share
from learnloop.metrics.quarters import previous_quarter, quarter_bounds
from learnloop.metrics.selection import present_quarters, quarter_as_it_stood, select
from learnloop.words import and_list, plural

if TYPE_CHECKING:
    import datetime as dt

    from learnloop.filters import Filters
    from learnloop.workbook import Workbook

#: Active sources on the quarter's themes needed for step 2.
MIN_ACTIVE_SOURCES = 3
#: Every quarter has three months (calendar or fiscal).
MONTHS_PER_QUARTER = 3

STEPS: tuple[tuple[int, str, str], ...] = (
    (1, "theme_set", "Theme set"),
    (2, "pln_curated", "PLN curated"),
    (3, "peer_circle", "Peer circle monthly"),
    (4, "artifact_shipped", "Artifact shipped"),
    (5, "loop_closed", "Loop closed"),
)
STEP_KEYS = [key for _, key, _ in STEPS]
SCORE_TREND_COLUMNS = ["quarter", "score", *STEP_KEYS]
#: The counts each step is judged on, per quarter (see :func:`step_facts`).
FACT_COUNTS = ["themes", "dropped_themes", "active_sources", "added", "pruned", "critiques",
               "months_with_critiques", "shipped", "decisions"]


@kept
def active_sources(wb: Workbook, f: Filters) -> pd.DataFrame:
    """The sources tied to a theme kept in a quarter (set for it, not dropped) that are in the
    network on that quarter's last day: added by then and not pruned by then. A source counts in
    every quarter its theme is kept in. Columns: ``sheet``, ``source_id``, ``quarter`` (the theme's),
    by quarter, then in sheet order."""
    s = select(wb, f.every_quarter)
    themes = s.themes[s.themes["status"].ne("dropped").fillna(True) & s.themes["quarter"].notna()]
    themes = themes[["sheet", "theme_id", "quarter"]].drop_duplicates()
    sources = s.sources[["sheet", "source_id", "theme_id", "added_on", "pruned_on"]]
    tied = sources.merge(themes, on=["sheet", "theme_id"])
    ends = {quarter: pd.Timestamp(quarter_bounds(quarter, s.fiscal_start)[1]) for quarter in tied["quarter"].unique()}
    end = tied["quarter"].map(ends).astype("datetime64[us]")
    active = tied[(tied["added_on"] <= end) & ~(tied["pruned_on"] <= end)]
    return active.sort_values("quarter", kind="stable")[["sheet", "source_id", "quarter"]].reset_index(drop=True)


@kept
def step_facts(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Per quarter present in the workbook, the numbers each playbook step is judged on: the one
    definition behind :func:`scorecard`, :func:`score_trend` and :func:`kpis`. Teams, people and
    themes of ``f`` apply, its quarter range does not.

    ``themes`` set and not dropped, ``dropped_themes``; ``active_sources`` (:func:`active_sources`);
    sources ``added`` and ``pruned`` in the quarter; ``critiques`` held and ``months_with_critiques``;
    one True/False column per role of the critiques tab: in the room at least once; artifacts
    ``shipped`` (by their ``shipped_on``); ``decisions`` written up. Indexed by quarter.
    """
    s = select(wb, f.every_quarter)
    themes, critiques = s.themes, s.critiques
    dropped = themes["status"].eq("dropped").fillna(False)
    counts = {
        "themes": themes["quarter"][~dropped].value_counts(),
        "dropped_themes": themes["quarter"][dropped].value_counts(),
        "active_sources": active_sources(wb, f.every_quarter)["quarter"].value_counts(),
        "added": s.sources["quarter"].value_counts(),
        "pruned": s.sources["pruned_quarter"].value_counts(),
        "critiques": critiques["quarter"].value_counts(),
        "months_with_critiques": critiques["date"].dt.to_period("M").groupby(critiques["quarter"]).nunique(),
        "shipped": s.commitments["shipped_quarter"].value_counts(),
        "decisions": s.decisions["quarter"].value_counts(),
    }
    facts = pd.DataFrame(counts, index=pd.Index(present_quarters(wb), name="quarter")).fillna(0).astype("int64")
    in_the_room = roles_in_the_room(wb, f.every_quarter).groupby(critiques["quarter"]).any()
    return facts.join(in_the_room.reindex(facts.index, fill_value=False))


@kept
def facts_for(wb: Workbook, f: Filters, quarters: tuple[str, ...]) -> pd.DataFrame:
    """:func:`step_facts` for ``quarters`` (in that order), and whether each step is done; a quarter
    with nothing in it has every count 0 and no step done."""
    facts = step_facts(wb, f.every_quarter).reindex(list(quarters))
    facts[FACT_COUNTS] = facts[FACT_COUNTS].fillna(0).astype("int64")
    facts[list(ROLES)] = facts[list(ROLES)].fillna(False).astype(bool)
    facts["theme_set"] = facts["themes"] >= 1
    facts["pln_curated"] = (facts["active_sources"] >= MIN_ACTIVE_SOURCES) & (facts["added"] + facts["pruned"] > 0)
    facts["peer_circle"] = (facts["months_with_critiques"] == MONTHS_PER_QUARTER) & facts[list(PEER_ROLE_NAMES)].all(axis=1)
    facts["artifact_shipped"] = facts["shipped"] >= 1
    facts["loop_closed"] = facts["decisions"] >= 1
    facts["score"] = facts[STEP_KEYS].sum(axis=1).astype("int64")
    return facts


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
        return pd.DataFrame([(s.number, s.key, s.name, s.done, s.evidence) for s in self.steps],
                            columns=["number", "key", "name", "done", "evidence"])


@metric()
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
    return card(quarter, facts_for(wb, f, (quarter,)).iloc[0], step_rows(wb, f, quarter))


def card(quarter: str, facts: Mapping[str, Any], rows: dict[str, list[str]]) -> Scorecard:
    """The :func:`scorecard` of ``quarter`` in words, from its :func:`facts_for` row and :func:`step_rows`."""
    names = {key: name for _, key, name in STEPS}

    def step(number: int, key: str, evidence: str, detail: dict[str, Any]) -> Step:
        return Step(number, names[key], bool(facts[key]), evidence, detail, key)

    if rows["themes"]:
        evidence = f"{plural(len(rows['themes']), 'theme')}: " + "; ".join(rows["titles"])
    else:
        dropped = rows["dropped"]
        evidence = "No theme set" + (f" ({plural(len(dropped), 'theme')} dropped)" if dropped else "")
    one = step(1, "theme_set", evidence, {"themes": rows["themes"], "dropped": rows["dropped"]})

    active_ids = rows["source_ids"]
    added, pruned = int(facts["added"]), int(facts["pruned"])
    reviewed = added + pruned > 0
    evidence = f"{plural(len(active_ids), 'active source')} on this quarter's themes"
    if len(active_ids) < MIN_ACTIVE_SOURCES:
        evidence += f" ({MIN_ACTIVE_SOURCES} needed)"
    evidence += f"; reviewed: {added} added, {pruned} pruned" if reviewed else "; not reviewed: nothing added or pruned"
    two = step(2, "pln_curated", evidence, {"active_sources": len(active_ids), "needed": MIN_ACTIVE_SOURCES,
                                            "source_ids": active_ids, "added": added, "pruned": pruned,
                                            "reviewed": reviewed})

    months_with = int(facts["months_with_critiques"])
    present = [role for role in ROLES if facts[role]]
    missing = [role for role in PEER_ROLE_NAMES if not facts[role]]
    evidence = f"Critiques in {months_with} of {MONTHS_PER_QUARTER} months; "
    evidence += f"{and_list(PEER_ROLE_NAMES)} all present" if not missing else f"{and_list(missing)} missing"
    three = step(3, "peer_circle", evidence, {"critiques": int(facts["critiques"]), "months_with_critiques": months_with,
                                              "months": MONTHS_PER_QUARTER, "roles_present": present,
                                              "roles_missing": missing})

    shipped = rows["commitment_ids"]
    evidence = (f"{plural(len(shipped), 'artifact')} shipped: " + "; ".join(rows["shipped_titles"]) if shipped
                else "No artifact shipped this quarter")
    four = step(4, "artifact_shipped", evidence, {"shipped": len(shipped), "commitment_ids": shipped})

    written = rows["decision_ids"]
    evidence = plural(len(written), "decision write-up") if written else "No decision write-up this quarter"
    five = step(5, "loop_closed", evidence, {"decisions": len(written), "decision_ids": written})
    return Scorecard(quarter, (one, two, three, four, five))


@kept
def step_rows(wb: Workbook, f: Filters, quarter: str) -> dict[str, list[str]]:
    """The rows the :func:`scorecard` of ``quarter`` names, each in sheet order: the ids and titles of
    the themes set for it (``themes``, ``titles``) and the ids of those dropped (``dropped``); the
    active sources on its themes (``source_ids``, as :func:`active_sources` lists them); the
    commitments shipped in it (``commitment_ids``, ``shipped_titles``); the decisions written up in
    it (``decision_ids``). Teams, people and themes filters apply; the quarter range does not."""
    s = select(wb, f.every_quarter)
    themes = s.themes[s.themes["quarter"].eq(quarter).fillna(False)]
    dropped = themes["status"].eq("dropped").fillna(False)
    active = active_sources(wb, f.every_quarter)
    shipped = s.commitments[s.commitments["shipped_quarter"].eq(quarter).fillna(False)]
    written = s.decisions[s.decisions["quarter"].eq(quarter).fillna(False)]
    return {
        "themes": themes["theme_id"][~dropped].tolist(),
        "titles": themes["title"][~dropped].tolist(),
        "dropped": themes["theme_id"][dropped].tolist(),
        "source_ids": active.loc[active["quarter"].eq(quarter), "source_id"].tolist(),
        "commitment_ids": shipped["commitment_id"].tolist(),
        "shipped_titles": shipped["title"].tolist(),
        "decision_ids": written["decision_id"].tolist(),
    }


@metric(columns=SCORE_TREND_COLUMNS)
def score_trend(wb: Workbook, f: Filters) -> pd.DataFrame:
    """The playbook score (0 to 5 steps done, see :func:`scorecard`) for each quarter in the range.

    Columns: ``quarter``, ``score`` and one True/False column per step: ``theme_set``,
    ``pln_curated``, ``peer_circle``, ``artifact_shipped``, ``loop_closed``.
    """
    facts = facts_for(wb, f, select(wb, f).quarters)
    return facts.reset_index()[SCORE_TREND_COLUMNS]


QUARTER_NUMBERS_COLUMNS = ["quarter", "score", "critiques", "decisions", "shipped"]


@metric(columns=QUARTER_NUMBERS_COLUMNS)
def quarter_numbers(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Quarter by quarter in the range, the numbers a retro compares: the playbook ``score`` (see
    :func:`scorecard`), ``critiques`` held, ``decisions`` written up and artifacts ``shipped`` (by
    the date they shipped), each as the scorecard counts it.

    Columns: ``quarter``, ``score``, ``critiques``, ``decisions``, ``shipped``.
    """
    facts = facts_for(wb, f, select(wb, f).quarters)
    return facts.reset_index()[QUARTER_NUMBERS_COLUMNS]


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


def under_way(wb: Workbook, f: Filters, quarter: str) -> bool:
    """Whether ``quarter`` is still under way: today (the filters' today) falls inside it, so its
    numbers are to date, not final."""
    first, last = quarter_bounds(quarter, wb.options.fiscal_year_start_month)
    return first <= f.today() <= last


@metric()
def kpis(wb: Workbook, f: Filters, quarter: str) -> list[Kpi]:
    """The four headline numbers for ``quarter``, each against the quarter before it: the playbook
    score, critiques held, decisions written up and the traced share.

    * **Playbook score** — steps of the playbook done in the quarter, out of 5.
    * **Critiques held** — peer-circle critiques dated in the quarter.
    * **Decisions written up** — decision write-ups dated in the quarter.
    * **Traced share** — share of those write-ups that name a source or critique they came from.

    A quarter still under way (it holds today) is compared fairly: its numbers are *to date* (the
    workbook as it stands today) and the quarter before it is taken as it stood the same number of
    days into it; each name then says "to date". Teams, people and themes filters apply; the quarter
    range does not.
    """
    previous = previous_quarter(quarter)
    if not under_way(wb, f, quarter):
        facts = facts_for(wb, f, (quarter, previous))
        return headline_numbers(facts.loc[quarter], facts.loc[previous], traced_share(wb, f, quarter),
                                traced_share(wb, f, previous))
    today, same_day, to_date = compared_days(wb, f, quarter)
    now_wb = quarter_as_it_stood(wb, quarter, today)
    before_wb = quarter_as_it_stood(wb, previous, same_day)
    return headline_numbers(facts_for(now_wb, f, (quarter,)).iloc[0], facts_for(before_wb, f, (previous,)).iloc[0],
                            traced_share(now_wb, f, quarter), traced_share(before_wb, f, previous), to_date=to_date)


def compared_days(wb: Workbook, f: Filters, quarter: str) -> tuple[dt.date, dt.date, str]:
    """What :func:`kpis` compares for ``quarter`` under way: today, the same day of the quarter before
    (as many days into it; its last day when it is shorter), and the comparison in words."""
    fiscal = wb.options.fiscal_year_start_month
    start, today = quarter_bounds(quarter, fiscal)[0], f.today()
    previous = previous_quarter(quarter)
    first, last = quarter_bounds(previous, fiscal)
    days = plural((today - start).days + 1, "day")
    return today, min(first + (today - start), last), f"its first {days}, against the first {days} of {previous}"


def headline_numbers(now: Mapping[str, Any], before: Mapping[str, Any], traced_now: float | None,
                     traced_before: float | None, *, to_date: str | None = None) -> list[Kpi]:
    """:func:`kpis` from the :func:`facts_for` rows of the quarter and of the quarter before, and the
    traced share of each. ``to_date`` (the quarter is under way) says what is compared: each name
    then ends in "to date" and its help says so."""
    def kpi(name: str, key: str, unit: Literal["score", "count", "share"], value: Any, earlier: Any, help: str) -> Kpi:
        delta = None if value is None or earlier is None else value - earlier
        if to_date:
            return Kpi(f"{name} to date", value, earlier, delta, f"{help} The quarter is under way: {to_date}.", key, unit)
        return Kpi(name, value, earlier, delta, help, key, unit)

    return [
        kpi("Playbook score", "playbook_score", "score", int(now["score"]), int(before["score"]),
            "Steps of the playbook done in the quarter, out of 5: theme set, learning network curated, "
            "peer circle every month, artifact shipped, loop closed with a write-up."),
        kpi("Critiques held", "critiques_held", "count", int(now["critiques"]), int(before["critiques"]),
            "Peer-circle critiques of experiments, roadmaps and discovery plans dated in the quarter."),
        kpi("Decisions written up", "decisions_written", "count", int(now["decisions"]), int(before["decisions"]),
            "Write-ups of what changed in a decision, the discovery cadence or a bet, dated in the quarter."),
        kpi("Traced share", "traced_share", "share", traced_now, traced_before,
            "Share of the quarter's decision write-ups that name at least one source or critique they came from."),
    ]
