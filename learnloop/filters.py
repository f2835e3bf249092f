"""What the sidebar selects, applied the same way to every tab, and the quarter arithmetic behind it.

A :class:`Filters` is a plain, hashable value: a quarter range, teams, people, themes and the
date that counts as "today". :func:`filtered` applies it to one tab and :func:`apply` to the
whole workbook. The quarter helpers work on labels such as ``2026-Q1``; with a fiscal calendar
(``fiscal_year_start_month`` other than 1) a fiscal year is named by the calendar year in which
it ends, so with April starts ``2027-Q1`` is April to June 2026. Quarter labels sort as strings.

How each filter matches a row:

* **quarters** — the row's ``quarter``: the typed quarter of a theme, and for the other tabs the
  quarter of the date that places the row (sources ``added_on``, critiques ``date``,
  commitments ``committed_on``, decisions ``date``). The range is inclusive.
* **teams** — the row's ``team``, or, when that cell is blank, the team of the row's theme.
* **people** — the ``owner`` of a theme, source, commitment or decision; for a critique its
  ``presenter`` or anyone in its ``participants``. Names match ignoring case and outer spaces.
* **themes** — the row's ``theme_id`` (rows with no theme drop out).

Every filter left empty (or ``None``) matches every row.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa

from data_schemas import parsers
from learnloop import frames
from learnloop.workbook import Workbook

TAB_NAMES = ("themes", "sources", "critiques", "commitments", "decisions")
# The column(s) naming the person a row belongs to; critiques also match anyone in participants.
PERSON_COLUMNS: dict[str, str] = {
    "themes": "owner",
    "sources": "owner",
    "critiques": "presenter",
    "commitments": "owner",
    "decisions": "owner",
}
_QUARTER_LABEL = re.compile(r"^(\d{4})-Q([1-4])$")
_NAME_SPLIT = r"\s*[,;]\s*"


@dataclass(frozen=True)
class Filters:
    """The selection every metric honours.

    ``quarters`` is an inclusive range of quarter labels (``("2025-Q4", "2026-Q2")``) or None for
    every quarter in the workbook; ``teams``, ``people`` and ``themes`` (theme ids) are empty for
    "all"; ``as_of`` is the date that counts as today (None: the real today). ``as_of`` is the only
    place "now" enters the metrics, so tests and "as it stood on" views pass it explicitly.

    Labels are normalised on creation: the range is put in order and written as ``2026-Q1``,
    and blank or repeated names are dropped.
    """

    quarters: tuple[str, str] | None = None
    teams: tuple[str, ...] = ()
    people: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    as_of: dt.date | None = None

    def __post_init__(self) -> None:
        if self.quarters is not None:
            first, last = (canonical_quarter(label) for label in self.quarters)
            object.__setattr__(self, "quarters", (min(first, last), max(first, last)))
        for name in ("teams", "people", "themes"):
            values = getattr(self, name)
            if isinstance(values, str):
                values = (values,)
            cleaned = (str(value).strip() for value in values if value is not None)
            object.__setattr__(self, name, tuple(dict.fromkeys(value for value in cleaned if value)))
        if isinstance(self.as_of, dt.datetime):
            object.__setattr__(self, "as_of", self.as_of.date())

    def today(self) -> dt.date:
        """``as_of``, or the real today when it is None."""
        return self.as_of if self.as_of is not None else dt.date.today()


# --------------------------------------------------------------------------------------
# Quarter arithmetic
# --------------------------------------------------------------------------------------


def canonical_quarter(label: object) -> str:
    """``label`` written as ``2026-Q1`` (accepts ``2026 Q1``, ``Q1-2026`` and the like); ValueError otherwise."""
    text = str(label).strip()
    if _QUARTER_LABEL.match(text):
        return text
    parsed = parsers.quarter(pd.Series([text], dtype="object")).iloc[0]
    if pd.isna(parsed):
        raise ValueError(f"'{label}' is not a quarter; write it like 2026-Q1.")
    return str(parsed)


def split_quarter(label: str) -> tuple[int, int]:
    """``"2026-Q3"`` -> ``(2026, 3)``."""
    match = _QUARTER_LABEL.match(canonical_quarter(label))
    assert match is not None
    return int(match.group(1)), int(match.group(2))


def previous_quarter(quarter: str) -> str:
    """The quarter before ``quarter``: ``2026-Q1`` -> ``2025-Q4`` (the same for fiscal labels)."""
    year, number = split_quarter(quarter)
    return f"{year - 1}-Q4" if number == 1 else f"{year}-Q{number - 1}"


def next_quarter(quarter: str) -> str:
    """The quarter after ``quarter``: ``2025-Q4`` -> ``2026-Q1``."""
    year, number = split_quarter(quarter)
    return f"{year + 1}-Q1" if number == 4 else f"{year}-Q{number + 1}"


def quarter_range(start: str, end: str) -> list[str]:
    """Every quarter from ``start`` to ``end``, both included; empty when ``start`` is after ``end``."""
    first, last = canonical_quarter(start), canonical_quarter(end)
    out: list[str] = []
    current = first
    while current <= last:
        out.append(current)
        current = next_quarter(current)
    return out


def quarter_bounds(quarter: str, fiscal_year_start_month: int = 1) -> tuple[dt.date, dt.date]:
    """The first and last day of ``quarter`` (with fiscal years named by the year they end in)."""
    year, number = split_quarter(quarter)
    start_year = year - (1 if fiscal_year_start_month != 1 else 0)
    month = fiscal_year_start_month + 3 * (number - 1)
    if month > 12:
        month -= 12
        start_year += 1
    start = dt.date(start_year, month, 1)
    end_month, end_year = month + 3, start_year
    if end_month > 12:
        end_month -= 12
        end_year += 1
    return start, dt.date(end_year, end_month, 1) - dt.timedelta(days=1)


def quarter_months(quarter: str, fiscal_year_start_month: int = 1) -> list[pd.Period]:
    """The three calendar months of ``quarter``, as monthly periods, in order."""
    start, _ = quarter_bounds(quarter, fiscal_year_start_month)
    first = pd.Period(start, freq="M")
    return [first + offset for offset in range(3)]


def quarter_of_date(day: dt.date, fiscal_year_start_month: int = 1) -> str:
    """The quarter label ``day`` falls in."""
    month = (day.year - 1970) * 12 + day.month - 1
    return parsers.quarter_label(int(parsers.quarter_numbers_of_months(month, fiscal_year_start_month)))


def current_quarter(f: Filters, fiscal_year_start_month: int = 1) -> str:
    """The quarter that contains ``f.as_of`` (today when None)."""
    return quarter_of_date(f.today(), fiscal_year_start_month)


def fiscal_start(wb: Workbook) -> int:
    """The month the workbook's fiscal year starts in (1 for calendar quarters)."""
    return wb.options.fiscal_year_start_month


# --------------------------------------------------------------------------------------
# Applying filters
# --------------------------------------------------------------------------------------


def _flag(values: pd.Series) -> pd.Series:
    """A boolean mask with missing values as False."""
    return values.fillna(False).astype(bool)


def team_of(wb: Workbook, tab: str) -> pd.Series:
    """Each row's team: its ``team`` cell, or when blank the team of its theme."""
    frame = wb.tables[tab]
    teams = frame["team"].astype("string").str.strip()
    if tab == "themes" or frame.empty:
        return teams
    themes = wb.tables["themes"]
    index = pd.Index(themes["theme_id"].astype(str).to_numpy())
    unique = ~index.duplicated()
    positions = index[unique].get_indexer(frame["theme_id"].astype(str).to_numpy())
    theme_team = pd.api.extensions.take(themes["team"].array[unique], positions, allow_fill=True)
    return teams.fillna(pd.Series(theme_team, index=frame.index).astype("string").str.strip())


def names_in(frame: pd.DataFrame, tab: str) -> list[str]:
    """Everyone ``tab`` names as a person (owner, or a critique's presenter and participants), as
    typed and stripped, each distinct spelling once (lists are split once per distinct cell)."""
    named = [name.strip() for name in frames.distinct(frame[PERSON_COLUMNS[tab]])]
    named = list(dict.fromkeys(named))
    if tab == "critiques":
        for cell in frames.distinct(frame["participants"]):
            named.extend(part.strip() for part in re.split(_NAME_SPLIT, cell))
    return [name for name in named if name]


def _person_mask(frame: pd.DataFrame, tab: str, people: tuple[str, ...]) -> pd.Series:
    """Rows naming any of ``people`` (ignoring case and outer spaces)."""
    wanted = {person.casefold() for person in people}
    mask = _flag(frame[PERSON_COLUMNS[tab]].astype("string").str.strip().str.casefold().isin(wanted))
    if tab == "critiques":
        names = "|".join(re.escape(person) for person in people)
        pattern = rf"(?:^|[,;])\s*(?:{names})\s*(?:[,;]|$)"
        mask |= _flag(frame["participants"].astype("string").str.contains(pattern, case=False, regex=True))
    return mask


def filtered(wb: Workbook, tab: str, f: Filters, *, by_quarter: bool = True) -> pd.DataFrame:
    """The rows of ``tab`` that every filter in ``f`` matches (index and columns unchanged).

    With ``by_quarter=False`` the quarter range is not applied (teams, people and themes still
    are): metrics that need history before the range, or a quarter of their own, use that.
    Each selection is made once per workbook; callers get their own shallow copy of it.
    """
    return selected(wb, tab, f, by_quarter=by_quarter).copy(deep=False)


def selected(wb: Workbook, tab: str, f: Filters, *, by_quarter: bool = True) -> pd.DataFrame:
    """:func:`filtered` without the copy: the frame the workbook keeps, shared by every caller, for
    code that only reads it (the metrics and the retro; a page gets its own copy)."""
    quarters = f.quarters if by_quarter else None
    if quarters is None and not (f.teams or f.people or f.themes):
        return wb.tables[tab]
    key = ("filtered", tab, quarters, f.teams, f.people, f.themes)
    return wb.derived.get(key, lambda: _select(wb, tab, f, quarters))


@functools.cache
def quarter_number(label: str) -> int:
    """``2026-Q2`` -> ``8105``: the year × 4 + quarter − 1, so consecutive quarters are consecutive numbers."""
    year, number = split_quarter(label)
    return year * 4 + number - 1


def quarter_numbers(wb: Workbook, tab: str, f: Filters, by: str = "quarter") -> np.ndarray:
    """Each row's quarter as a :func:`quarter_number` (-1 when it has none), for the rows of
    ``filtered(wb, tab, f, by_quarter=False)``. A row's quarter is its ``quarter`` cell, or with
    ``by`` a date column, the quarter of that date (a commitment's ``shipped_on``). Worked out once
    per tab and filter set: counting per quarter and picking a quarter's rows are then arithmetic."""
    return wb.derived.get(("quarter_numbers", tab, by, f.teams, f.people, f.themes),
                          lambda: _quarter_numbers(wb, tab, f, by))


def _quarter_numbers(wb: Workbook, tab: str, f: Filters, by: str) -> np.ndarray:
    frame = selected(wb, tab, f, by_quarter=False)
    if by != "quarter":
        return parsers.date_quarter_numbers(frame[by], fiscal_start(wb))
    return label_numbers(frame["quarter"])


def label_numbers(labels: pd.Series) -> np.ndarray:
    """Quarter labels (``2026-Q2``) as :func:`quarter_number` s; -1 for a blank or anything else."""
    codes, distinct = frames.encode(labels)
    known = [quarter_number(label) if _QUARTER_LABEL.match(label) else -1 for label in distinct]
    return np.array([*known, -1], dtype="int64")[codes]  # a blank's code is -1: the last entry


def quarter_positions(numbers: np.ndarray, quarters: list[str]) -> np.ndarray:
    """For each of ``numbers`` (quarter numbers), where its quarter is in ``quarters`` (-1 when it is not)."""
    if not quarters:
        return np.full(len(numbers), -1, dtype="int64")
    wanted = _numbers_of(quarters)
    first, last = wanted.min(), wanted.max()
    where = np.full(last - first + 2, -1, dtype="int64")  # the last slot: outside the quarters' span
    where[wanted[::-1] - first] = np.arange(len(wanted))[::-1]  # a repeated quarter counts at its first place
    inside = (numbers >= first) & (numbers <= last)
    return where[np.where(inside, numbers - first, last - first + 1)]


def count_per_quarter(numbers: np.ndarray, quarters: list[str]) -> np.ndarray:
    """How many of ``numbers`` (quarter numbers) are each of ``quarters``."""
    where = quarter_positions(numbers, quarters)
    return np.bincount(where[where >= 0], minlength=len(quarters)).astype("int64")


def count_up_to(numbers: np.ndarray, quarters: list[str]) -> np.ndarray:
    """For each of ``quarters``, how many of ``numbers`` (quarter numbers) are that quarter or earlier."""
    return np.searchsorted(np.sort(numbers[numbers >= 0]), _numbers_of(quarters), "right").astype("int64")


def _numbers_of(quarters: list[str]) -> np.ndarray:
    return np.array([quarter_number(quarter) for quarter in quarters], dtype="int64")


def rows_in_quarters(wb: Workbook, tab: str, f: Filters, quarters: tuple[str, str], by: str = "quarter") -> np.ndarray:
    """Where, in ``filtered(wb, tab, f, by_quarter=False)``, the rows in the inclusive range
    ``quarters`` are (positions, in sheet order); ``by`` as in :func:`quarter_numbers`."""
    numbers = quarter_numbers(wb, tab, f, by)
    return np.flatnonzero((numbers >= quarter_number(quarters[0])) & (numbers <= quarter_number(quarters[1])))


def _select(wb: Workbook, tab: str, f: Filters, quarters: tuple[str, str] | None) -> pd.DataFrame:
    frame = wb.tables[tab]
    if frame.empty:
        return frame
    if quarters is not None:
        # Teams, people and themes first (kept once for every range), then the range from the quarter index.
        return selected(wb, tab, f, by_quarter=False).iloc[rows_in_quarters(wb, tab, f, quarters)]
    keep = np.ones(len(frame), dtype=bool)
    if f.teams:
        wanted = {team.casefold() for team in f.teams}
        keep &= _flag(team_of(wb, tab).str.casefold().isin(wanted)).to_numpy(dtype=bool)
    if f.people:
        keep &= _person_mask(frame, tab, f.people).to_numpy(dtype=bool)
    if f.themes:
        keep &= _flag(frame["theme_id"].isin(list(f.themes))).to_numpy(dtype=bool)
    return frame.loc[keep]


def apply(wb: Workbook, f: Filters, *, by_quarter: bool = True) -> Workbook:
    """A copy of ``wb`` whose five tables hold only the rows ``f`` matches (issues and options kept)."""
    tables = {tab: filtered(wb, tab, f, by_quarter=by_quarter) for tab in wb.tables}
    return replace(wb, tables=tables)


# --------------------------------------------------------------------------------------
# What there is to choose from
# --------------------------------------------------------------------------------------


def present_quarters(wb: Workbook) -> list[str]:
    """Every quarter the workbook has something in, sorted: theme quarters, and the quarters of
    every source added or pruned, critique, commitment made or shipped, and decision."""
    return list(wb.derived.get("present_quarters", lambda: _present_quarters(wb)))


def _present_quarters(wb: Workbook) -> tuple[str, ...]:
    everything = Filters()
    numbers = [quarter_numbers(wb, tab, everything) for tab in TAB_NAMES]
    numbers.append(quarter_numbers(wb, "sources", everything, by="pruned_on"))
    numbers.append(quarter_numbers(wb, "commitments", everything, by="shipped_on"))
    found = np.flatnonzero(np.bincount(np.concatenate([part[part >= 0] for part in numbers]), minlength=1))
    # Labels are written with four-digit years (a date typed in the year 900 places no quarter).
    return tuple(parsers.quarter_label(int(number)) for number in found[(found >= 1000 * 4) & (found < 10000 * 4)])


def quarters_in_scope(wb: Workbook, f: Filters) -> list[str]:
    """The quarters a per-quarter metric reports on: the selected range, or when none is selected,
    every quarter from the first to the last one present in the workbook (gaps included)."""
    if f.quarters is not None:
        return quarter_range(*f.quarters)
    present = present_quarters(wb)
    return quarter_range(present[0], present[-1]) if present else []


def positions_in(wb: Workbook, tab: str, rows: pd.DataFrame) -> np.ndarray | None:
    """Where ``rows`` (a selection of ``tab``, from :func:`filtered` or picked from it) are in the
    tab, by their sheet row numbers; None when they are the whole tab."""
    table = wb.tables[tab]
    if rows.index is table.index or rows.index.equals(table.index):
        return None
    return table.index.get_indexer(rows.index)


def per_row(wb: Workbook, tab: str, rows: pd.DataFrame, name: Hashable,
            compute: Callable[[pd.DataFrame], np.ndarray]) -> np.ndarray:
    """``compute(frame)`` (an array, one value per row) for ``rows``, a selection of ``tab``: worked
    out once for the whole tab and kept on the workbook as ``name``, then taken at the selected rows."""
    table = wb.tables[tab]
    if not table.index.is_unique:  # rows are placed by their sheet row number: without it, the rows themselves
        return compute(rows)
    every = wb.derived.get((name, tab), lambda: compute(table))
    where = positions_in(wb, tab, rows)
    return every if where is None else every[where]


def theme_order(wb: Workbook, themes: pd.DataFrame) -> np.ndarray:
    """The positions of ``themes``' rows (rows of the workbook's themes tab) ordered by quarter, team
    and theme id, as the sidebar lists them: the tab is sorted once, and any selection of it follows
    that order."""
    return np.argsort(per_row(wb, "themes", themes, "theme_rank", _theme_rank), kind="stable")


def _theme_rank(themes: pd.DataFrame) -> np.ndarray:
    """Each row's place when ``themes`` is ordered by quarter, team and theme id."""
    order = frames.sort_order(themes, ["quarter", "team", "theme_id"])
    rank = np.empty(len(order), dtype="int64")
    rank[order] = np.arange(len(order))
    return rank


def _sorted_names(values: list[str]) -> list[str]:
    """Distinct names ignoring case (the first spelling wins), sorted ignoring case."""
    unique: dict[str, str] = {}
    for value in values:
        unique.setdefault(value.casefold(), value)
    return sorted(unique.values(), key=str.casefold)


def available(wb: Workbook) -> dict[str, object]:
    """The choices for the sidebar.

    ``quarters``: list of the quarter labels present (sorted); ``teams``: list of team names;
    ``people``: list of everyone named as an owner, presenter or participant (sorted, ignoring
    case); ``themes``: dict theme_id -> title, ordered by quarter, team and id.
    """
    choices = wb.derived.get("available", lambda: _available(wb))
    return {name: value.copy() for name, value in choices.items()}


def _available(wb: Workbook) -> dict[str, list[str] | dict[str, str]]:
    # Every tab's teams at once: each spelling is stripped and compared once, in order of first appearance.
    teams = [team.strip() for team in frames.distinct(pa.concat_arrays([frames.text(wb.tables[tab]["team"])
                                                                        for tab in TAB_NAMES]))]
    people = [name for tab in TAB_NAMES for name in names_in(wb.tables[tab], tab)]
    themes = frames.pick(wb.tables["themes"], theme_order(wb, wb.tables["themes"]), ["theme_id", "title"])
    themes = themes.iloc[np.flatnonzero(themes["theme_id"].notna().to_numpy(dtype=bool))]
    ids = themes["theme_id"].astype(str).to_numpy(dtype=object).tolist()
    return {
        "quarters": present_quarters(wb),
        "teams": _sorted_names([team for team in teams if team]),
        "people": _sorted_names(people),
        "themes": dict(zip(ids, themes["title"].astype(str).to_numpy(dtype=object).tolist(), strict=True)),
    }
