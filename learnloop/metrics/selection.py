"""Filters -> the rows they pick: one selection per workbook and filter set, kept (see :mod:`.cache`).

How each filter matches a row:

* **quarters** — the row's ``quarter``: the typed quarter of a theme, and for the other tabs the
  quarter of the date that places the row (sources ``added_on``, critiques ``date``,
  commitments ``committed_on``, decisions ``date``). The range is inclusive.
* **teams** — the row's ``team``, or, when that cell is blank, the team of the row's theme (in the
  same sheet). Names match ignoring case.
* **people** — the ``owner`` of a theme, source, commitment or decision; for a critique its
  ``presenter`` or anyone in its ``participants``. Names match ignoring case.
* **themes** — the row's ``theme_id`` (rows with no theme drop out).

Every filter left empty matches every row. Ids belong to their sheet: a row's theme is the theme
with that id in the row's own sheet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from learnloop.metrics.cache import kept
from learnloop.metrics.quarters import is_label, quarter_bounds, quarter_range, quarters_of
from learnloop.workbook import Workbook

if TYPE_CHECKING:
    from learnloop.filters import Filters

TABS = ("themes", "sources", "critiques", "commitments", "decisions")
#: The column naming the person a row belongs to; a critique also names everyone in ``participants``.
PERSON_COLUMNS = {"themes": "owner", "sources": "owner", "critiques": "presenter", "commitments": "owner",
                  "decisions": "owner"}


@dataclass(frozen=True, eq=False)
class Selection:
    """The rows of each tab that a filter set picks (index and columns as in the workbook).

    ``picked`` says, for each tab, which of the workbook's rows are picked (True/False in the
    table's order; None when every row is). Each tab's rows are taken when first asked for.
    ``quarters`` are the quarters a per-quarter number reports on (:func:`quarters_in_scope`).
    A selection holds the workbook's tables, not the workbook, so it never outlives what it is kept for.
    """

    workbook_tables: dict[str, pd.DataFrame]
    picked: dict[str, np.ndarray | None]
    quarters: tuple[str, ...]
    today: dt.date
    fiscal_start: int

    def table(self, tab: str) -> pd.DataFrame:
        """The picked rows of ``tab``."""
        taken = self.__dict__.setdefault("_taken", {})
        if tab not in taken:
            rows = self.picked[tab]
            taken[tab] = self.workbook_tables[tab] if rows is None else self.workbook_tables[tab][rows]
        return taken[tab]

    @property
    def tables(self) -> dict[str, pd.DataFrame]:
        return {tab: self.table(tab) for tab in TABS}

    @property
    def themes(self) -> pd.DataFrame:
        return self.table("themes")

    @property
    def sources(self) -> pd.DataFrame:
        return self.table("sources")

    @property
    def critiques(self) -> pd.DataFrame:
        return self.table("critiques")

    @property
    def commitments(self) -> pd.DataFrame:
        return self.table("commitments")

    @property
    def decisions(self) -> pd.DataFrame:
        return self.table("decisions")

    def quarter_of(self, dates: pd.Series) -> pd.Series:
        """The quarter of each date of a column, in the workbook's calendar (missing when blank)."""
        return quarters_of(dates, self.fiscal_start)


@kept
def select(wb: Workbook, f: Filters) -> Selection:
    """The rows ``f`` picks in every tab of ``wb``."""
    if f.quarters is not None:
        everywhen = select(wb, f.every_quarter)
        in_range = quarter_range(*f.quarters)
        picked = {}
        for tab in TABS:
            rows = wb.tables[tab]["quarter"].isin(in_range).fillna(False).to_numpy(dtype=bool)
            picked[tab] = rows if everywhen.picked[tab] is None else rows & everywhen.picked[tab]
    else:
        picked = {tab: _pick(wb, tab, f) for tab in TABS}
    return Selection(wb.tables, picked, tuple(quarters_in_scope(wb, f)), f.today(), wb.options.fiscal_year_start_month)


def _pick(wb: Workbook, tab: str, f: Filters) -> np.ndarray | None:
    frame = wb.tables[tab]
    if not (f.teams or f.people or f.themes):
        return None
    keep = np.ones(len(frame), dtype=bool)
    if f.teams:
        keep &= _among(team_of(wb, tab), {team.casefold() for team in f.teams})
    if f.people:
        keep &= _names(frame, tab, {person.casefold() for person in f.people})
    if f.themes:
        keep &= frame["theme_id"].isin(f.themes).fillna(False).to_numpy(dtype=bool)
    return keep


def _among(names: pd.Series, wanted: set[str]) -> np.ndarray:
    """Which of ``names`` are in ``wanted`` (casefolded names)."""
    return names.str.casefold().isin(wanted).fillna(False).to_numpy(dtype=bool)


def team_of(wb: Workbook, tab: str) -> pd.Series:
    """Each row's team: its ``team`` cell, or when blank the team of its theme (in the same sheet)."""
    frame = wb.tables[tab]
    if tab == "themes":
        return frame["team"]
    themes = wb.themes.drop_duplicates(["sheet", "theme_id"])[["sheet", "theme_id", "team"]]
    theme_team = frame[["sheet", "theme_id"]].merge(themes, on=["sheet", "theme_id"], how="left")["team"]
    return frame["team"].fillna(pd.Series(theme_team.array, index=frame.index))


def _names(frame: pd.DataFrame, tab: str, wanted: set[str]) -> np.ndarray:
    """Which rows name one of ``wanted`` (casefolded names)."""
    named = _among(frame[PERSON_COLUMNS[tab]], wanted).copy()
    if tab == "critiques":
        participants = frame["participants"].reset_index(drop=True).explode().dropna()
        named[participants.index[_among(participants, wanted)]] = True
    return named


@kept
def present_quarters(wb: Workbook) -> list[str]:
    """Every quarter the workbook has something in, sorted: theme quarters, and the quarters of
    every source added or pruned, critique, commitment made or shipped, and decision."""
    fiscal = wb.options.fiscal_year_start_month
    labels = [wb.tables[tab]["quarter"] for tab in TABS]
    labels += [quarters_of(wb.sources["pruned_on"], fiscal), quarters_of(wb.commitments["shipped_on"], fiscal)]
    found = pd.concat([column.dropna().astype(str) for column in labels]).unique()
    # Only four-digit years make a quarter (a date typed in the year 900 places none).
    return sorted(label for label in found if is_label(label))


def quarters_in_scope(wb: Workbook, f: Filters) -> list[str]:
    """The quarters a per-quarter number reports on: the selected range, or when none is selected,
    every quarter from the first to the last one present in the workbook (gaps included)."""
    if f.quarters is not None:
        return quarter_range(*f.quarters)
    present = present_quarters(wb)
    return quarter_range(present[0], present[-1]) if present else []


def _distinct_names(values: list[str]) -> list[str]:
    """Distinct names ignoring case (the first spelling wins), sorted ignoring case."""
    unique: dict[str, str] = {}
    for value in values:
        unique.setdefault(value.casefold(), value)
    return sorted(unique.values(), key=str.casefold)


@kept
def choices(wb: Workbook) -> dict[str, object]:
    """What the sidebar offers.

    ``quarters``: the quarters present (sorted); ``teams``: every team named (sorted, ignoring case);
    ``people``: everyone named as an owner, presenter or participant (sorted, ignoring case);
    ``themes``: theme id -> title, ordered by quarter, team and id.
    """
    teams = pd.concat([wb.tables[tab]["team"] for tab in TABS]).dropna().unique().tolist()
    named = pd.concat([wb.tables[tab][column] for tab, column in PERSON_COLUMNS.items()]).dropna().unique().tolist()
    # A participants column repeats its lists: each distinct list is read once.
    taking_part = [name for names in pd.unique(wb.critiques["participants"]) for name in names]
    themes = wb.themes.sort_values(["quarter", "team", "theme_id"], kind="stable", na_position="last")
    themes = themes.drop_duplicates("theme_id")
    return {
        "quarters": present_quarters(wb),
        "teams": _distinct_names([str(team) for team in teams]),
        "people": _distinct_names([str(name) for name in [*named, *taking_part]]),
        "themes": dict(zip(themes["theme_id"].astype(str), themes["title"].astype(str), strict=True)),
    }


def quarter_as_it_stood(wb: Workbook, quarter: str, day: dt.date) -> Workbook:
    """What ``quarter``'s playbook numbers see of the workbook as it stood at the end of ``day``: every
    theme; the sources added by then, a source pruned later as not pruned yet; and the critiques held,
    commitments shipped and decisions written from the quarter's first day to ``day`` (a commitment
    shipped later is not shipped yet). The quarter's step facts and traced share are those of the
    whole workbook cut at ``day``; other quarters' are not, so the copy serves that one quarter (and
    holds a quarter's rows, not every quarter's)."""
    fiscal = wb.options.fiscal_year_start_month
    first, cut = pd.Timestamp(quarter_bounds(quarter, fiscal)[0]), pd.Timestamp(day)

    def dated(frame: pd.DataFrame, column: str, since: pd.Timestamp | None = None) -> np.ndarray:
        by_then = (frame[column] <= cut).fillna(False).to_numpy(dtype=bool)
        return by_then if since is None else by_then & (frame[column] >= since).fillna(False).to_numpy(dtype=bool)

    sources = wb.sources[dated(wb.sources, "added_on")]
    pruned_on = sources["pruned_on"].mask(sources["pruned_on"] > cut)
    sources = sources.assign(pruned_on=pruned_on, pruned_quarter=quarters_of(pruned_on, fiscal))
    # Commitments are left out whole (no shipped_on is changed), so shipped_quarter stands as loaded.
    commitments = wb.commitments[dated(wb.commitments, "committed_on") & dated(wb.commitments, "shipped_on", first)]
    tables = {"themes": wb.themes, "sources": sources, "critiques": wb.critiques[dated(wb.critiques, "date", first)],
              "commitments": commitments, "decisions": wb.decisions[dated(wb.decisions, "date", first)]}
    return dataclasses.replace(wb, tables=tables)


def empty(columns: list[str]) -> pd.DataFrame:
    """A table with ``columns`` and no rows: what a number shows for an empty selection."""
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})
