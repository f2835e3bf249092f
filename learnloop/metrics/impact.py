"""Impact: what changed in decisions, discovery cadence and bets, and the learning each change traces to."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from data_schemas.decisions import DECISION_CATEGORIES
from learnloop.metrics.cache import kept, metric
from learnloop.metrics.selection import empty, select

if TYPE_CHECKING:
    from learnloop.filters import Filters
    from learnloop.workbook import Workbook

CATEGORY_LABELS = {"decision": "Decision", "discovery_cadence": "Discovery cadence", "bet": "Bet"}
PEER_CRITIQUE = "Peer critique"
NO_THEME = "No theme"
MIX_LABELS = {
    "from": "Learning from (sources only)",
    "with": "Learning with (critiques only)",
    "both": "Both",
}

DECISIONS_PER_QUARTER_COLUMNS = ["quarter", "decisions"]
DECISIONS_BY_CATEGORY_COLUMNS = ["quarter", "category", "decisions"]
LEARNING_MIX_COLUMNS = ["mix", "label", "decisions", "share"]
CITATION_COLUMNS = ["sheet", "decision_id", "decided_on", "quarter", "category", "theme_id", "kind", "id",
                    "learned_on", "source_kind", "name"]
TIME_TO_IMPACT_COLUMNS = ["kind", "id", "decision_id", "quarter", "learned_on", "decided_on", "days", "sheet"]
DECISION_LOG_COLUMNS = ["decision_id", "date", "quarter", "category", "summary", "theme", "learned_from",
                        "learned_with", "impact", "owner", "team", "status", "sheet"]
REVERSALS_COLUMNS = ["decision_id", "date", "quarter", "category", "summary", "team", "status",
                     "replaced_by", "replaced_on", "replaced_by_summary", "days_in_force", "sheet"]
LEARNING_FLOWS_COLUMNS = ["source_label", "target_label", "value", "source_stage", "target_stage"]


def _decisions(wb: Workbook, f: Filters, quarter: str | None) -> pd.DataFrame:
    """The decisions in ``quarter`` when given (teams, people and themes of ``f`` apply), else in ``f``'s range."""
    return select(wb, f if quarter is None else f.in_quarters(quarter)).decisions


@metric(columns=DECISIONS_PER_QUARTER_COLUMNS)
def decisions_per_quarter(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Decision write-ups dated in each quarter, with 0 for quarters without one.

    Columns: ``quarter``, ``decisions``.
    """
    s = select(wb, f)
    counts = s.decisions.groupby("quarter").size().reindex(list(s.quarters), fill_value=0)
    return pd.DataFrame({"quarter": list(s.quarters), "decisions": counts.to_numpy(dtype="int64")})


@metric(columns=DECISIONS_BY_CATEGORY_COLUMNS)
def decisions_by_category(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Decision write-ups each quarter by what changed: a decision, the discovery cadence, or a bet.

    One row for every quarter and category (0 when none). Columns: ``quarter``, ``category``
    (decision, discovery_cadence, bet), ``decisions``.
    """
    s = select(wb, f)
    grid = pd.MultiIndex.from_product([list(s.quarters), list(DECISION_CATEGORIES)], names=["quarter", "category"])
    counts = s.decisions.groupby(["quarter", "category"]).size().reindex(grid, fill_value=0)
    return counts.rename("decisions").astype("int64").reset_index()


@metric(share=True)
def traced_share(wb: Workbook, f: Filters, quarter: str | None = None) -> float | None:
    """Share of decision write-ups that name at least one source or critique they came from.

    Decisions in ``quarter`` when given, else in the selected range; None when there are none.
    """
    decisions = _decisions(wb, f, quarter)
    if decisions.empty:
        return None
    traced = decisions["source_ids"].astype(bool) | decisions["critique_ids"].astype(bool)
    return float(traced.mean())


@metric(columns=LEARNING_MIX_COLUMNS, shares=("share",))
def learning_mix(wb: Workbook, f: Filters, quarter: str | None = None) -> pd.DataFrame:
    """Where the traced decisions' learning came from: learning *from* sources only, learning
    *with* peers (critiques) only, or both.

    Only decisions that name a source or critique count. ``share`` is of those traced decisions
    (empty when none). Three rows, always: from, with, both.
    Columns: ``mix`` (from, with, both), ``label``, ``decisions``, ``share``.
    """
    decisions = _decisions(wb, f, quarter)
    cites_source, cites_critique = decisions["source_ids"].astype(bool), decisions["critique_ids"].astype(bool)
    counts = pd.Series({"from": (cites_source & ~cites_critique).sum(), "with": (~cites_source & cites_critique).sum(),
                        "both": (cites_source & cites_critique).sum()}, dtype="int64")
    total = counts.sum()
    return pd.DataFrame({"mix": list(MIX_LABELS), "label": list(MIX_LABELS.values()), "decisions": counts.to_numpy(),
                         "share": counts.to_numpy() / total if total else np.full(3, np.nan)})


@kept
def citations(wb: Workbook, f: Filters) -> pd.DataFrame:
    """One row per source or critique that a decision write-up in the selection names, in the order
    the decisions and their cells list them (sources first): the decision (``sheet``,
    ``decision_id``, ``decided_on``, ``quarter``, ``category``, ``theme_id``), ``kind`` (source or
    critique), the cited ``id``, ``learned_on`` (the source's ``added_on`` or the critique's date),
    ``source_kind`` (newsletter, book… for a source) and ``name`` (the source's name or the critiqued
    artifact). Each id is looked up in the decision's own sheet."""
    decisions = select(wb, f).decisions.rename(columns={"date": "decided_on"})
    cited = {
        "source": wb.sources.rename(columns={"source_id": "id", "added_on": "learned_on", "kind": "source_kind"}),
        "critique": wb.critiques.rename(columns={"critique_id": "id", "date": "learned_on", "artifact": "name"}),
    }
    parts = []
    for kind, table in cited.items():
        ids = decisions[[*CITATION_COLUMNS[:6], f"{kind}_ids"]].explode(f"{kind}_ids")
        ids = ids.rename(columns={f"{kind}_ids": "id"}).dropna(subset=["id"]).astype({"id": "string"}).assign(kind=kind)
        rows = table.reindex(columns=["sheet", "id", "learned_on", "source_kind", "name"]).drop_duplicates(["sheet", "id"])
        parts.append(ids.merge(rows, on=["sheet", "id"], how="left"))
    cited = pd.concat(parts, ignore_index=True)[CITATION_COLUMNS]
    return cited.astype({"source_kind": "string", "name": "string", "learned_on": "datetime64[us]"})


@metric(columns=TIME_TO_IMPACT_COLUMNS)
def time_to_impact(wb: Workbook, f: Filters) -> pd.DataFrame:
    """How long learning took to change a decision: for each decision in the range and each
    source or critique it names, the days from the source's ``added_on`` (or the critique's
    date) to the decision's date.

    One row per (decision, source or critique) pair, by the decision's date and id, then kind and
    id. Negative days mean a decision names something dated after it. Columns: ``kind`` (source,
    critique), ``id``, ``decision_id``, ``quarter`` (the decision's), ``learned_on``, ``decided_on``,
    ``days``, ``sheet``.
    """
    pairs = citations(wb, f)
    pairs = pairs[pairs["learned_on"].notna()].assign(days=lambda p: (p["decided_on"] - p["learned_on"]).dt.days)
    pairs = pairs.sort_values(["decided_on", "decision_id", "sheet", "kind", "id"], kind="stable")
    return pairs.reset_index(drop=True).astype({"days": "int64"})[TIME_TO_IMPACT_COLUMNS]


@metric(columns=DECISION_LOG_COLUMNS)
def decision_log(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Every decision write-up in the selection, newest first, with the learning it cites.

    ``theme``: the theme's title; ``learned_from``: the names of the cited sources;
    ``learned_with``: the artifacts of the cited critiques (comma lists, blank when none);
    ``category`` in words ("discovery cadence").
    """
    decisions = select(wb, f).decisions
    if decisions.empty:
        return empty(DECISION_LOG_COLUMNS)
    log = decisions.assign(category=decisions["category"].str.replace("_", " "), theme=theme_titles(wb, decisions),
                           impact=decisions["impact"].astype("Int64"))
    log = log.merge(cited_names(wb, f), on=["sheet", "decision_id"], how="left")
    log = log.sort_values("date", ascending=False, kind="stable").reset_index(drop=True)
    return log.assign(date=log["date"].dt.date)[DECISION_LOG_COLUMNS]


@kept
def decisions_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """The decision write-ups of ``quarter``, oldest first, then by id: the :func:`decision_log`
    columns plus ``category_key`` (decision, discovery_cadence, bet) and ``supersedes``. Teams,
    people and themes filters apply; the quarter range does not."""
    in_quarter = f.in_quarters(quarter)
    log = decision_log(wb, in_quarter)
    rows = select(wb, in_quarter).decisions[["sheet", "decision_id", "category", "supersedes"]]
    log = log.merge(rows.rename(columns={"category": "category_key"}), on=["sheet", "decision_id"], how="left")
    return log.sort_values(["date", "decision_id"], kind="stable").reset_index(drop=True)


@kept
def cited_names(wb: Workbook, f: Filters) -> pd.DataFrame:
    """For each selected decision that names a source or critique (``sheet``, ``decision_id``, in that
    order): ``learned_from``, the names of the sources it names, and ``learned_with``, the artifacts of
    the critiques it names, each joined with ", " in the order its cell lists them (an id no row has
    stands for itself; blank when it names none of that kind)."""
    cited = citations(wb, f)
    names = cited["name"].fillna(cited["id"])
    joined = names.groupby([cited["sheet"], cited["decision_id"], cited["kind"]], observed=True, sort=False).agg(", ".join)
    by_kind = joined.unstack("kind").reindex(columns=["source", "critique"]).sort_index()
    by_kind = by_kind.rename(columns={"source": "learned_from", "critique": "learned_with"}).astype("string")
    return by_kind.rename_axis(columns=None).reset_index()


def theme_titles(wb: Workbook, rows: pd.DataFrame) -> pd.Series:
    """The title of each row's theme in its own sheet (missing when it names none)."""
    themes = wb.themes.drop_duplicates(["sheet", "theme_id"])[["sheet", "theme_id", "title"]]
    titles = rows[["sheet", "theme_id"]].merge(themes, on=["sheet", "theme_id"], how="left")["title"]
    return pd.Series(titles.array, index=rows.index)


@metric(columns=REVERSALS_COLUMNS)
def reversals(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Decisions that did not stick: write-ups marked superseded or reverted, or named by a later
    decision in its ``supersedes`` column, with the decision that replaced them.

    The reversed decision's own date places it in the range. ``status`` is as recorded, except
    that a decision another one supersedes reads "superseded" even when still marked active.
    ``replaced_by`` is the earliest decision naming it in the same sheet (blank when none);
    ``days_in_force`` the days from the decision to its replacement. Oldest first. Columns:
    ``decision_id``, ``date``, ``quarter``, ``category``, ``summary``, ``team``, ``status``,
    ``replaced_by``, ``replaced_on``, ``replaced_by_summary``, ``days_in_force``, ``sheet``.
    """
    decisions = select(wb, f).decisions
    replacing = (wb.decisions[wb.decisions["supersedes"].notna()].sort_values(["date", "decision_id"], kind="stable")
                 .drop_duplicates(["sheet", "supersedes"])
                 [["sheet", "supersedes", "decision_id", "date", "summary"]]
                 .rename(columns={"supersedes": "reversed", "decision_id": "replaced_by", "date": "replaced_on",
                                  "summary": "replaced_by_summary"}))
    out = decisions.merge(replacing, left_on=["sheet", "decision_id"], right_on=["sheet", "reversed"], how="left")
    replaced = out["replaced_by"].notna()
    out = out[out["status"].isin(["superseded", "reverted"]).fillna(False) | replaced]
    if out.empty:
        return empty(REVERSALS_COLUMNS)
    out = out.assign(status=out["status"].mask(out["replaced_by"].notna() & out["status"].eq("active"), "superseded"),
                     replaced_by=out["replaced_by"].astype("string"),
                     replaced_by_summary=out["replaced_by_summary"].astype("string"),
                     days_in_force=(out["replaced_on"] - out["date"]).dt.days.astype("Int64"))
    return out.sort_values(["date", "decision_id"], kind="stable").reset_index(drop=True)[REVERSALS_COLUMNS]


@metric(columns=LEARNING_FLOWS_COLUMNS)
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
    cited = citations(wb, f)
    cited = cited[(cited["kind"].eq("critique") | cited["source_kind"].notna()).to_numpy(dtype=bool)]
    if cited.empty:
        return empty(LEARNING_FLOWS_COLUMNS)
    learning = cited["source_kind"].str.replace("_", " ").str.capitalize().fillna(PEER_CRITIQUE)
    theme = theme_titles(wb, cited).fillna(NO_THEME)
    change = cited["category"].map(CATEGORY_LABELS).fillna(cited["category"])
    links = pd.DataFrame({"learning": learning.astype(str), "theme": theme.astype(str), "change": change.astype(str)})
    into = links.groupby(["learning", "theme"]).size().rename("value").reset_index()
    out_of = links.groupby(["theme", "change"]).size().rename("value").reset_index()
    return pd.concat([
        into.rename(columns={"learning": "source_label", "theme": "target_label"})
            .assign(source_stage="learning", target_stage="theme"),
        out_of.rename(columns={"theme": "source_label", "change": "target_label"})
            .assign(source_stage="theme", target_stage="change"),
    ], ignore_index=True).astype({"value": "int64"})[LEARNING_FLOWS_COLUMNS]
