"""Themes: each quarter's learning theme, what good looks like, and the learning tied to it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from learnloop.metrics.cache import kept, metric
from learnloop.metrics.selection import empty, select

if TYPE_CHECKING:
    from learnloop.filters import Filters
    from learnloop.workbook import Workbook

THEME_SUMMARY_COLUMNS = ["theme_id", "quarter", "title", "team", "owner", "status", "definition_of_good",
                         "sources", "critiques", "commitments", "shipped", "decisions", "sheet"]
LINKED = ("sources", "critiques", "commitments", "decisions")
COUNTS = ["sources", "critiques", "commitments", "shipped", "decisions"]


@metric(columns=THEME_SUMMARY_COLUMNS)
def theme_summary(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Each theme in the range with what the team did for it: sources tied to it (including
    pruned ones), critiques of it, commitments for it, how many of those shipped, and decisions
    written up under it — every row linked to the theme in its sheet, whatever its date.

    Ordered by quarter, team, theme id. Columns: ``theme_id``, ``quarter``, ``title``, ``team``,
    ``owner``, ``status``, ``definition_of_good``, ``sources``, ``critiques``, ``commitments``,
    ``shipped``, ``decisions``, ``sheet``.
    """
    themes = select(wb, f).themes
    if themes.empty:
        return empty(THEME_SUMMARY_COLUMNS)
    summary = themes.sort_values(["quarter", "team", "theme_id"], kind="stable", na_position="last")
    summary = summary.merge(linked_to_themes(wb, f.every_quarter), on=["sheet", "theme_id"], how="left")
    summary[COUNTS] = summary[COUNTS].fillna(0).astype("int64")
    return summary[THEME_SUMMARY_COLUMNS]


@kept
def linked_to_themes(wb: Workbook, f: Filters) -> pd.DataFrame:
    """Per theme id (and sheet) that any selected row names: the selected sources, critiques,
    commitments, shipped commitments and decisions naming it. Columns: ``sheet``, ``theme_id`` and
    those counts."""
    s = select(wb, f)
    named = [s.tables[tab][["sheet", "theme_id"]].assign(linked=tab) for tab in LINKED]
    shipped = s.commitments[s.commitments["shipped_on"].notna()]
    named.append(shipped[["sheet", "theme_id"]].assign(linked="shipped"))
    rows = pd.concat(named, ignore_index=True).dropna(subset=["theme_id"])
    counts = rows.groupby(["sheet", "theme_id", "linked"], observed=True).size().unstack("linked", fill_value=0)
    return counts.reindex(columns=COUNTS, fill_value=0).astype("int64").rename_axis(columns=None).reset_index()
