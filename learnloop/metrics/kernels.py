"""Kernels: faster ways to the same answers, where a profile showed a definition miss its budget.

Each kernel stands in for one plain definition (registered with :func:`~.cache.kernel`), takes the
same arguments and gives the same answer: ``tests/test_kernels.py`` runs both on generated workbooks,
merged roll-ups included, with every filter, and requires equal answers (same rows, order and dtypes).
Read the definition to know what a number means; read a kernel only to know why it is fast.

What makes them fast: the workbook is *compiled* once, piece by piece (each piece a
:func:`~.cache.kept` function of the workbook alone, worked out when a kernel first needs it), and
every kernel then works on numpy positions and counts instead of pandas frames:

* **codes** — a text column as a code per row into its distinct values (Arrow's dictionary
  encoding). A rule about a value (its label, whether it is in a range) is worked out once per
  distinct value and spread to the rows by their codes; per-quarter counts are bincounts of codes.
* **references** — where each ``theme_id``, cited source or critique and ``supersedes`` points: a
  row position found by Arrow's hash lookup *within the row's own sheet* (-1 when nothing matches).
* **citations** — every decision's ``source_ids`` and ``critique_ids`` flattened once into items
  (the decision's position, the id, the cited row, its name and date).
* **orders** — the sort a listing needs, worked out once over all rows (Arrow's stable multi-key
  sort, or numpy's radix sort on small numbers); a filter set keeps the order by taking its picked
  rows out of it.
* **the calendar on numbers** — dates as int64 microseconds, days and months; a quarter's bounds,
  ranges and labels counted on month and quarter numbers (checked against :mod:`.quarters`).
* **picked rows** — the selection's ``picked`` masks (:func:`~.selection.select`), with the quarter
  range applied to the codes of the quarter labels.

Only the finished tables leave this module: each is built once, with the definition's columns,
order and dtypes. Nothing positional is kept anywhere but in the :func:`kept` pieces below. Where a
definition's answer depends on pandas' handling of an odd case (no quarter in scope, a merge that
pairs up repeated keys), the kernel hands that case to the definition itself.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_schemas import parsers
from data_schemas.critiques import ARTIFACT_TYPES, ROLES
from data_schemas.decisions import DECISION_CATEGORIES
from data_schemas.sources import SOURCE_KINDS
from learnloop.metrics import cadence, commitments, impact, network, playbook, selection, themes
from learnloop.metrics.cache import kept, kernel
from learnloop.metrics.quarters import _LABEL, previous_quarter, quarter_bounds, quarter_range
from learnloop.metrics.selection import PERSON_COLUMNS, TABS, empty, select

if TYPE_CHECKING:
    from learnloop.filters import Filters
    from learnloop.workbook import Workbook

T = TypeVar("T")

_NAT = np.iinfo(np.int64).min  # NaT, as the int64 of a datetime64 column
_DAY_US = 86_400_000_000  # microseconds in a day
_COMMA = pa.scalar(", ", pa.large_string())


# --------------------------------------------------------------------------------------
# Arrow and numpy helpers
# --------------------------------------------------------------------------------------


def _text(values: pd.Series | pd.api.extensions.ExtensionArray) -> pa.Array:
    """A text column as one Arrow large-string array (blanks null), from its own buffers when it is
    Arrow-backed."""
    array = values.array if isinstance(values, pd.Series) else values
    if not isinstance(array, pd.arrays.ArrowStringArray):
        array = pd.array(np.asarray(array, dtype=object), dtype="string")
    combined = parsers.unchunked(array.__arrow_array__())
    return combined if combined.type == pa.large_string() else combined.cast(pa.large_string())


def _numpy(array: pa.Array, missing: int = -1) -> np.ndarray:
    """An Arrow integer array as int64 numpy, ``missing`` where it is null."""
    return pc.fill_null(array, missing).to_numpy(zero_copy_only=False).astype(np.int64, copy=False)


def _take(array: pa.Array, rows: np.ndarray) -> pa.Array:
    """``array`` at ``rows`` (null where a row is -1)."""
    return array.take(pa.array(rows, mask=rows < 0) if (rows < 0).any() else pa.array(rows))


def _string(values: pa.Array | pa.ChunkedArray) -> pd.api.extensions.ExtensionArray:
    """Arrow text as a pandas ``string`` array (missing <NA>)."""
    return pd.arrays.ArrowStringArray(values if values.type == pa.large_string() else values.cast(pa.large_string()))


def _words(codes: np.ndarray, words: list[str] | tuple[str, ...]) -> pd.api.extensions.ExtensionArray:
    """``words[code]`` for each code, as a pandas ``str`` array (Arrow decodes the dictionary)."""
    decoded = pa.array(list(words), pa.large_string()).take(pa.array(codes))
    return pd.arrays.ArrowStringArray(decoded, dtype=pd.StringDtype("pyarrow", na_value=np.nan))


def _frame(columns: dict[str, Any], length: int) -> pd.DataFrame:
    """A table of ``columns`` (arrays of ``length``), indexed 0..length-1."""
    return pd.DataFrame(columns, index=pd.RangeIndex(length), copy=False)


def _sort(*keys: np.ndarray | pa.Array) -> np.ndarray:
    """The positions that order ``keys`` (the first key first; int64 numpy or Arrow text, blanks
    last), equal keys in their order: Arrow's stable multi-key sort, which compares the text only
    where the keys before it are equal."""
    batch = pa.record_batch([pa.array(key) if isinstance(key, np.ndarray) else key for key in keys],
                            names=[str(n) for n in range(len(keys))])
    order = [(str(n), "ascending", "at_end") for n in range(len(keys))]
    return pc.sort_indices(batch, sort_keys=order).to_numpy().astype(np.int64)


def _blank_last(stamps: np.ndarray) -> np.ndarray:
    """Dates (int64 microseconds) as a sort key that puts a blank date after every date."""
    return np.where(stamps == _NAT, np.iinfo(np.int64).max, stamps)


def _distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of an int64 array, sorted: a bincount over their range when it is small
    (dates as days, months, codes), else ``np.unique``."""
    if not len(values):
        return values
    least, most = int(values.min()), int(values.max())
    if most - least > 4 * len(values) + 100_000:
        return np.unique(values)
    return np.flatnonzero(np.bincount(values - least)) + least


def _tally(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a non-negative int64 array (sorted) and how many times each occurs: a
    bincount over their range when it is small, else ``np.unique``."""
    if len(values) and values.max() <= 4 * len(values) + 100_000:
        counts = np.bincount(values)
        distinct = np.flatnonzero(counts)
        return distinct, counts[distinct]
    return np.unique(values, return_counts=True)


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """The positions that order small non-negative int keys (equal keys in their order): numpy's radix
    sort when the keys fit 16 bits."""
    if len(keys) and keys.min() >= 0 and keys.max() < 2**16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    return np.argsort(keys, kind="stable")


def _first_of_each(values: pa.Array) -> np.ndarray:
    """The position of the first of each distinct value (blanks are one value), in order. Arrow's
    dictionary encoding numbers values as they first appear, so a first is a code above all before it."""
    codes = _numpy(pc.dictionary_encode(values, null_encoding="encode").indices)
    return np.flatnonzero(codes > np.maximum.accumulate(np.r_[-1, codes[:-1]])) if len(codes) else codes


def _by_text_within(order: np.ndarray, major: np.ndarray, text: pa.Array, at: np.ndarray) -> np.ndarray:
    """``order`` (positions sorted by ``major``), with each run of equal ``major`` put in the order of
    the text ``text[at[position]]`` (stable): a pair is swapped by one vectorised comparison, longer
    runs go through Arrow's stable sort."""
    if len(order) < 2:
        return order
    keys = major[order]
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    sizes = np.diff(np.r_[starts, len(order)])
    order = order.copy()
    first = starts[sizes == 2]
    if len(first):
        swap = pc.less(text.take(pa.array(at[order[first + 1]])), text.take(pa.array(at[order[first]])))
        swap = first[pc.fill_null(swap, False).to_numpy(zero_copy_only=False)]
        order[swap], order[swap + 1] = order[swap + 1], order[swap].copy()
    longer = sizes > 2
    if longer.any():
        rows = np.concatenate([np.arange(start, start + size) for start, size in zip(starts[longer], sizes[longer],
                                                                                      strict=True)])
        order[rows] = order[rows][_sort(keys[rows], text.take(pa.array(at[order[rows]])))]
    return order


# --------------------------------------------------------------------------------------
# The calendar, on numbers
# --------------------------------------------------------------------------------------


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _when(day: dt.date) -> int:
    """A date (its midnight) as the int64 microseconds of :func:`_stamps`."""
    return (day.toordinal() - _EPOCH) * _DAY_US


def _month(day: dt.date) -> int:
    """The month of a date, as months since January 1970 (a monthly period's ordinal)."""
    return (day.year - 1970) * 12 + day.month - 1


def _quarter_months(quarter: str, fiscal_year_start_month: int) -> tuple[int, int]:
    """The first and last month of ``quarter`` as :func:`_month` numbers: :func:`quarter_bounds`'s
    calendar (a fiscal year named by the year it ends in) worked out on month numbers."""
    match = _LABEL.match(quarter)
    if match is None:  # not written 2026-Q1: the calendar's own reading (or its error)
        first, last = quarter_bounds(quarter, fiscal_year_start_month)
        return _month(first), _month(last)
    year, number = int(match.group(1)), int(match.group(2))
    first = (year - (fiscal_year_start_month != 1) - 1970) * 12 + fiscal_year_start_month - 1 + 3 * (number - 1)
    return first, first + 2


def _quarter_days(quarter: str, fiscal_year_start_month: int) -> tuple[int, int]:
    """The first and last day of ``quarter`` (:func:`quarter_bounds`) as the microseconds of their midnights."""
    first, last = _quarter_months(quarter, fiscal_year_start_month)
    days = np.array([first, last + 1], dtype="datetime64[M]").astype("datetime64[D]").view(np.int64)
    return int(days[0]) * _DAY_US, (int(days[1]) - 1) * _DAY_US


def _quarter_range(first: str, last: str) -> list[str]:
    """:func:`quarter_range` counted on quarter numbers (year * 4 + quarter), for labels written 2026-Q1."""
    start, end = _LABEL.match(first), _LABEL.match(last)
    if start is None or end is None:
        return quarter_range(first, last)
    numbers = range(int(start.group(1)) * 4 + int(start.group(2)) - 1, int(end.group(1)) * 4 + int(end.group(2)))
    return [f"{number // 4}-Q{number % 4 + 1}" for number in numbers]


def _quarter_labels(months: np.ndarray, fiscal_year_start_month: int) -> list[str]:
    """The quarter of each month (a :func:`_month` number), labelled as :func:`quarters_of` labels a
    date in it: the fiscal year is named by the year it ends in."""
    shifted = months - (fiscal_year_start_month - 1)
    years = 1970 + shifted // 12 + (fiscal_year_start_month != 1)
    return [f"{year}-Q{quarter}" for year, quarter in zip(years.tolist(), (shifted % 12 // 3 + 1).tolist(), strict=True)]


def _month_stamps(months: np.ndarray) -> np.ndarray:
    """Month numbers as the first day of each month (``datetime64[us]``)."""
    return months.astype("datetime64[M]").astype("datetime64[us]")


# --------------------------------------------------------------------------------------
# The compiled workbook: kept pieces of the workbook alone
# --------------------------------------------------------------------------------------


def _compiled(function: Callable[..., T]) -> Callable[..., T]:
    """``function(wb, *args)`` :func:`kept` for the workbook alone (no filters): worked out once per
    workbook and arguments, when a kernel first asks for it."""
    keeping = kept(function)

    @functools.wraps(function)
    def compiled(wb: Workbook, *args: Any) -> T:
        return keeping(wb, None, *args)

    return compiled


@dataclass(frozen=True, eq=False)
class _Codes:
    """A text column as codes: ``codes[row]`` indexes ``values`` (-1 when blank)."""

    codes: np.ndarray
    values: list[str]

    def per_row(self, per_value: np.ndarray, blank: Any) -> np.ndarray:
        """``per_value`` (one entry per distinct value) spread to the rows; ``blank`` for a blank."""
        return np.append(per_value, np.asarray([blank], dtype=per_value.dtype))[self.codes]

    def where(self, test: Any) -> np.ndarray:
        """Which rows hold a value that passes ``test`` (a blank never does)."""
        passes = np.flatnonzero(np.fromiter((bool(test(v)) for v in self.values), bool, len(self.values)))
        if len(passes) == 0:
            return np.zeros(len(self.codes), dtype=bool)
        if len(passes) == 1:  # one value: a comparison, not a lookup per row
            return self.codes == passes[0]
        return self.per_row(np.isin(np.arange(len(self.values)), passes), False)

    def count(self, rows: np.ndarray | None = None) -> np.ndarray:
        """How many rows (of ``rows``, a mask, when given) hold each distinct value."""
        codes = self.codes if rows is None or rows.all() else self.codes[rows]
        return np.bincount(codes + 1, minlength=len(self.values) + 1)[1:]

    def in_order(self, labels: list[str]) -> np.ndarray:
        """For each distinct value, its position in ``labels`` (-1 when not among them)."""
        at = {label: n for n, label in enumerate(labels)}
        return np.fromiter((at.get(v, -1) for v in self.values), np.int64, len(self.values))


@_compiled
def _codes(wb: Workbook, tab: str, column: str) -> _Codes:
    """``wb.tables[tab][column]`` as codes (Arrow's dictionary encoding, distinct values in order of
    first appearance)."""
    encoded = pc.dictionary_encode(_arrow(wb, tab, column))
    return _Codes(_numpy(encoded.indices), encoded.dictionary.to_pylist())


@_compiled
def _arrays(wb: Workbook, tab: str) -> MappingProxyType[str, Any]:
    """The columns of ``tab`` as their pandas arrays, by name (read once, taken from without pandas
    looking the column up again)."""
    frame = wb.tables[tab]
    return MappingProxyType({column: frame[column].array for column in frame.columns})


@_compiled
def _arrow(wb: Workbook, tab: str, column: str) -> pa.Array:
    """A text column of ``tab`` as one Arrow large-string array (:func:`_text`)."""
    return _text(_arrays(wb, tab)[column])


@_compiled
def _stamps(wb: Workbook, tab: str, column: str) -> np.ndarray:
    """A date column as int64 microseconds (NaT as :data:`_NAT`)."""
    return _arrays(wb, tab)[column].to_numpy(dtype="datetime64[us]").view(np.int64)


def _column(wb: Workbook, tab: str, column: str, rows: np.ndarray) -> Any:
    """A column of ``tab`` at ``rows`` (positions), as an array of the same dtype."""
    return _arrays(wb, tab)[column].take(rows)


def _categorical(wb: Workbook, tab: str, column: str, rows: np.ndarray) -> pd.Categorical:
    """A categorical column of ``tab`` at ``rows`` (positions), without looking at its values."""
    values = _arrays(wb, tab)[column]
    return pd.Categorical.from_codes(values.codes[rows], dtype=values.dtype)


@_compiled
def _sheets(wb: Workbook, tab: str) -> np.ndarray:
    """Each row's sheet as a number shared by every tab (the sheet categories of all tabs, in order)."""
    column = wb.tables[tab]["sheet"].array
    categories = [wb.tables[t]["sheet"].array.categories for t in TABS]
    if all(c.equals(categories[0]) for c in categories):  # one sheet, or a roll-up: the codes are shared
        return column.codes.astype(np.int64)
    names = list(dict.fromkeys(name for c in categories for name in c))
    number = np.array([names.index(name) for name in column.categories], dtype=np.int64)
    return np.append(number, -1)[column.codes]


def _present(frame: pd.DataFrame, column: str) -> np.ndarray:
    """Which rows have a ``column`` value (not blank)."""
    return frame[column].notna().to_numpy(dtype=bool)


def _find(keys: pa.Array, key_sheets: np.ndarray, values: pa.Array, value_sheets: np.ndarray, *,
          blank_matches_nothing: bool = True) -> np.ndarray:
    """For each key, the position of the first of ``values`` in the key's sheet equal to it (-1 when
    none): Arrow's hash lookup, once per sheet. A blank key matches nothing, or with
    ``blank_matches_nothing=False`` the first blank value, as pandas' ``merge`` matches them."""
    found = np.full(len(keys), -1, dtype=np.int64)
    if not len(keys) or not len(values):
        return found
    sheet = key_sheets[0]
    if (key_sheets == sheet).all() and (value_sheets == sheet).all():  # one sheet
        return _numpy(pc.index_in(keys, value_set=values, skip_nulls=blank_matches_nothing))
    for sheet in np.unique(key_sheets):
        rows, among = np.flatnonzero(key_sheets == sheet), np.flatnonzero(value_sheets == sheet)
        if not len(among):
            continue
        at = _numpy(pc.index_in(keys.take(pa.array(rows)), value_set=values.take(pa.array(among)),
                                skip_nulls=blank_matches_nothing))
        found[rows] = np.where(at >= 0, among[np.maximum(at, 0)], -1)
    return found


@_compiled
def _theme_rows(wb: Workbook, tab: str) -> np.ndarray:
    """For each row of ``tab``, the position of the first theme with its ``theme_id`` in its sheet (-1;
    a blank ``theme_id`` finds the first theme with a blank one, as the definitions' merges do)."""
    return _find(_arrow(wb, tab, "theme_id"), _sheets(wb, tab), _arrow(wb, "themes", "theme_id"),
                 _sheets(wb, "themes"), blank_matches_nothing=False)


@_compiled
def _theme_order(wb: Workbook) -> np.ndarray:
    """The themes' positions ordered by quarter, team and theme id (stable, blanks last)."""
    return _sort(*(_arrow(wb, "themes", column) for column in ("quarter", "team", "theme_id")))


@_compiled
def _months(wb: Workbook, tab: str, column: str) -> np.ndarray:
    """Each date's month as :func:`_month` numbers it (:data:`_NAT` when blank): each distinct day
    is put in its month once."""
    stamps = _stamps(wb, tab, column)
    dated = stamps != _NAT
    if not dated.any():
        return np.full(len(stamps), _NAT, dtype=np.int64)
    every = dated.all()
    days = stamps // _DAY_US if every else np.where(dated, stamps // _DAY_US, 0)
    first = int(days.min() if every else days[dated].min())
    span = int(days.max() if every else days[dated].max()) - first + 1
    if span > 4 * len(stamps) + 100_000:  # dates far apart: each one converted
        month_of = stamps.view("datetime64[us]").astype("datetime64[M]").view(np.int64)
        return month_of if every else np.where(dated, month_of, _NAT)
    month_of_day = (np.arange(first, first + span).astype("datetime64[D]").astype("datetime64[M]").view(np.int64))
    if every:
        return month_of_day[days - first]
    return np.where(dated, month_of_day[np.where(dated, days - first, 0)], _NAT)


@_compiled
def _roles(wb: Workbook) -> np.ndarray:
    """Each critique's roles in the room as bits (bit n: ``ROLES[n]``), each distinct cell read once."""
    codes, cells = pd.factorize(wb.critiques["roles"])
    bits = np.array([sum(1 << n for n, role in enumerate(ROLES) if role in cell) for cell in cells], dtype=np.int64)
    return np.append(bits, 0)[codes]


@_compiled
def _participants(wb: Workbook) -> list[str]:
    """Everyone in a critique's ``participants``, each distinct list read once, in order."""
    return [name for names in dict.fromkeys(wb.critiques["participants"].to_numpy(dtype=object)) for name in names]


@_compiled
def _by_date(wb: Workbook, descending: bool) -> np.ndarray:
    """The decisions' positions by date (stable, blank dates last): newest first when ``descending``,
    else oldest first and then by ``decision_id`` (blank last)."""
    dates = _stamps(wb, "decisions", "date")
    if descending:
        return np.argsort(np.where(dates == _NAT, np.iinfo(np.int64).max, -dates), kind="stable")
    return _sort(_blank_last(dates), _arrow(wb, "decisions", "decision_id"))


@_compiled
def _decision_ranks(wb: Workbook) -> np.ndarray:
    """A number per decision that orders them by date, ``decision_id`` and sheet (blanks last; equal
    keys, equal numbers): read off the kept (date, id) order."""
    decisions = wb.decisions
    order = _by_date(wb, False)
    if not len(order):
        return order
    ids, dates = _arrow(wb, "decisions", "decision_id").take(pa.array(order)), _blank_last(_stamps(wb, "decisions", "date"))[order]
    same_id = pc.fill_null(pc.equal(ids[1:], ids[:-1]), False).to_numpy(zero_copy_only=False) | \
        (pc.is_null(ids[1:]).to_numpy(zero_copy_only=False) & pc.is_null(ids[:-1]).to_numpy(zero_copy_only=False))
    ranks = np.empty(len(order), dtype=np.int64)
    ranks[order] = np.r_[0, np.cumsum(~(same_id & (dates[1:] == dates[:-1])))]
    sheets = decisions["sheet"].array.codes.astype(np.int64)
    return ranks * (sheets.max() + 1) + sheets


@_compiled
def _decision_keys(wb: Workbook) -> tuple[np.ndarray, bool]:
    """Each decision's (sheet, ``decision_id``) as the position of the first decision with both (-1
    when the id is blank), and whether two decisions share them."""
    sheets = _sheets(wb, "decisions")
    ids = _arrow(wb, "decisions", "decision_id")
    if len(ids) and (sheets == sheets[0]).all() and len(pc.unique(ids)) == len(ids):  # one sheet, no id twice
        return np.where(ids.is_valid().to_numpy(zero_copy_only=False), np.arange(len(ids)), -1), False
    keys = _find(ids, sheets, ids, sheets)
    return keys, bool(((keys >= 0) & (keys != np.arange(len(keys)))).any())


@_compiled
def _replaced_by(wb: Workbook) -> np.ndarray:
    """For each decision, the earliest decision (by date, then id) of its sheet whose ``supersedes``
    names it (-1 when none)."""
    supersedes = _arrow(wb, "decisions", "supersedes")
    naming = _by_date(wb, False)
    naming = naming[supersedes.is_valid().to_numpy(zero_copy_only=False)[naming]]
    sheets = _sheets(wb, "decisions")
    at = _find(_arrow(wb, "decisions", "decision_id"), sheets, supersedes.take(pa.array(naming)), sheets[naming])
    return np.append(naming, -1)[at]


@_compiled
def _ledger_order(wb: Workbook) -> np.ndarray:
    """The commitments' positions by ``committed_on`` and ``commitment_id`` (stable, blanks last)."""
    return _sort(_blank_last(_stamps(wb, "commitments", "committed_on")), _arrow(wb, "commitments", "commitment_id"))


# --------------------------------------------------------------------------------------
# Citations: the decisions' source_ids and critique_ids, flattened once
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Cited:
    """The sources (or critiques) the decisions name: one item per id in a cell, in the order of the
    decisions and their cells."""

    decision: np.ndarray  # the decision's position
    ids: pa.Array  # the id as written
    row: np.ndarray  # the cited row in its sheet (-1 when no row has the id)
    per_decision: np.ndarray  # items per decision


_CITED = {"source": ("sources", "source_id", "added_on", "name"),
          "critique": ("critiques", "critique_id", "date", "artifact")}


@_compiled
def _cited(wb: Workbook, kind: str) -> _Cited:
    """Every decision's ``{kind}_ids`` flattened, each id found in the decision's own sheet."""
    tab, id_column, _, _ = _CITED[kind]
    cells = wb.decisions[f"{kind}_ids"].to_numpy(dtype=object)
    lists = pa.array(cells, type=pa.large_list(pa.large_string())) if len(cells) else \
        pa.array([], type=pa.large_list(pa.large_string()))
    per_decision = np.diff(lists.offsets.to_numpy()).astype(np.int64)
    decision = np.repeat(np.arange(len(cells)), per_decision)
    ids = lists.flatten()
    row = _find(ids, _sheets(wb, "decisions")[decision], _arrow(wb, tab, id_column), _sheets(wb, tab))
    return _Cited(decision, ids, row, per_decision)


@_compiled
def _cited_names(wb: Workbook, kind: str) -> pa.Array:
    """For each item of :func:`_cited`, the cited row's name (source) or artifact (critique), or the
    id itself when there is none."""
    cited = _cited(wb, kind)
    tab, _, _, name = _CITED[kind]
    names = _take(_arrow(wb, tab, name), cited.row)
    return pc.coalesce(names, cited.ids) if names.null_count else names


@_compiled
def _learned_on(wb: Workbook, kind: str) -> np.ndarray:
    """For each item of :func:`_cited`, the cited row's date (int64 microseconds; NaT when none)."""
    cited = _cited(wb, kind)
    tab, _, learned, _ = _CITED[kind]
    dates = np.append(_stamps(wb, tab, learned), _NAT)
    return dates[cited.row]


@_compiled
def _joined_names(wb: Workbook, kind: str) -> pa.Array:
    """For each decision, the names of what it cites of ``kind`` joined with ", " (null when none)."""
    cited = _cited(wb, kind)
    starts = np.r_[0, np.cumsum(cited.per_decision)]
    if cited.per_decision.max(initial=0) <= 1:  # one name or none per decision: nothing to join
        return _take(_cited_names(wb, kind), np.where(cited.per_decision == 1, starts[:-1], -1))
    lists = pa.LargeListArray.from_arrays(pa.array(starts, pa.int64()), _cited_names(wb, kind),
                                          mask=pa.array(cited.per_decision == 0))
    return pc.binary_join(lists, _COMMA)


@_compiled
def _pair_ids(wb: Workbook) -> pa.Array:
    """The ids of every source and then every critique item of :func:`_cited`, as one array."""
    return pa.concat_arrays([_cited(wb, "source").ids, _cited(wb, "critique").ids])


# --------------------------------------------------------------------------------------
# Picked rows, quarters in scope and lists of rows
# --------------------------------------------------------------------------------------


@kept
def _picked(wb: Workbook, f: Filters, tab: str) -> np.ndarray:
    """The rows of ``tab`` that ``f`` picks, as a mask (:func:`select`, with the quarter range tested
    on each distinct quarter label once)."""
    rows = select(wb, f.every_quarter).picked[tab]
    mask = np.ones(len(wb.tables[tab]), dtype=bool) if rows is None else np.asarray(rows, dtype=bool)
    if f.quarters is not None:
        mask = mask & _codes(wb, tab, "quarter").where(set(_quarter_range(*f.quarters)).__contains__)
    return mask


def _in_quarter(wb: Workbook, f: Filters, tab: str, quarter: str | None) -> np.ndarray:
    """The rows ``f`` picks, or with ``quarter`` the rows in it that the other filters pick."""
    return _picked(wb, f if quarter is None else f.in_quarters(quarter), tab)


def _in_scope(wb: Workbook, f: Filters) -> list[str]:
    """:func:`quarters_in_scope` with :func:`_quarter_range`."""
    if f.quarters is not None:
        return _quarter_range(*f.quarters)
    present = selection.present_quarters(wb)
    return _quarter_range(present[0], present[-1]) if present else []


def _scope(wb: Workbook, f: Filters, public: Callable[..., pd.DataFrame]) -> tuple[list[str], pd.DataFrame | None]:
    """The quarters in scope, and with none (a workbook with nothing dated in it), ``public``'s own
    definition's answer: its empty table's dtypes are what pandas makes of no quarters."""
    quarters = _in_scope(wb, f)
    return quarters, None if quarters else public.definition(wb, f)  # type: ignore[attr-defined]


def _per_quarter(wb: Workbook, tab: str, column: str, rows: np.ndarray, quarters: list[str] | tuple[str, ...]) -> np.ndarray:
    """How many of ``rows`` (a mask) have each of ``quarters`` in the label column ``column``."""
    codes = _codes(wb, tab, column)
    at, counts = codes.in_order(list(quarters)), codes.count(rows)
    out = np.zeros(len(quarters), dtype=np.int64)
    out[at[at >= 0]] = counts[at >= 0]
    return out


def _positions(wb: Workbook, tab: str, column: str, quarters: list[str] | tuple[str, ...]) -> np.ndarray:
    """Each row's position in ``quarters`` by its label column ``column`` (-1 when not among them)."""
    codes = _codes(wb, tab, column)
    return codes.per_row(codes.in_order(list(quarters)), -1)


def _listed(wb: Workbook, tab: str, rows: np.ndarray, columns: list[str]) -> pd.DataFrame:
    """``columns`` of ``tab`` at ``rows`` (positions, in order), indexed 0, 1, 2…"""
    return _frame({column: _column(wb, tab, column, rows) for column in columns}, len(rows))


def _in_order(wb: Workbook, tab: str, rows: np.ndarray, dated: str, id_column: str) -> np.ndarray:
    """``rows`` (positions in table order) by the date ``dated``, then ``id_column`` (stable, blanks last)."""
    return rows[_sort(_blank_last(_stamps(wb, tab, dated)[rows]), _arrow(wb, tab, id_column).take(pa.array(rows)))]


def _dated_in(wb: Workbook, tab: str, column: str, quarter: str) -> np.ndarray:
    """Which rows of ``tab`` have a ``column`` date from the first to the last day of ``quarter``."""
    first, last = _quarter_days(quarter, wb.options.fiscal_year_start_month)
    stamps = _stamps(wb, tab, column)
    return (stamps != _NAT) & (stamps >= first) & (stamps <= last)


def _each(codes: _Codes, per_value: list[Any], rows: np.ndarray) -> pa.Array:
    """``per_value[code]`` for the rows at ``rows`` (null when the row is blank), as Arrow text."""
    return _take(pa.array(per_value, pa.large_string()), codes.codes[rows])


def _whole_numbers(values: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Floats as ``Series.astype("Int64")`` makes them (NaN as <NA>), built straight from the values
    when every one is a whole number (else pandas' own cast, with its error)."""
    blank = np.isnan(values)
    whole = np.where(blank, 0, values)
    with np.errstate(invalid="ignore"):
        numbers = whole.astype(np.int64)
    if np.isfinite(whole).all() and (numbers == whole).all():
        return pd.arrays.IntegerArray(numbers, blank)
    return pd.Series(values).astype("Int64").array


def _dates(stamps: np.ndarray) -> np.ndarray:
    """int64 microseconds as ``datetime.date`` objects (NaT where blank), as ``Series.dt.date`` gives:
    each distinct day made once."""
    dated = stamps != _NAT
    if not dated.any():
        return np.full(len(stamps), pd.NaT, dtype=object)
    days = stamps // _DAY_US
    first, last = int(days[dated].min()), int(days[dated].max())
    if last - first > 4 * len(stamps) + 100_000:  # dates far apart: each one made
        made = days.astype("datetime64[D]").astype(object)
    else:  # a table of the days in the span, each made once
        made = np.arange(first, last + 1).astype("datetime64[D]").astype(object)[np.where(dated, days - first, 0)]
    made[~dated] = pd.NaT
    return made


# --------------------------------------------------------------------------------------
# The sidebar
# --------------------------------------------------------------------------------------


@kernel(selection.present_quarters)
def present_quarters(wb: Workbook) -> list[str]:
    """:func:`selection.present_quarters` from the kept distinct labels of each quarter column; the
    pruned and shipped dates are put in quarters once per distinct month (checked against
    ``quarters_of`` for every month of the years 1000-2999 and every fiscal start)."""
    found = {label for tab in TABS for label in _codes(wb, tab, "quarter").values}
    for tab, column in (("sources", "pruned_on"), ("commitments", "shipped_on")):
        months = _months(wb, tab, column)
        found.update(_quarter_labels(_distinct(months[months != _NAT]), wb.options.fiscal_year_start_month))
    return sorted(label for label in found if selection.is_label(label))


def _distinct_text(columns: list[pd.Series]) -> list[str]:
    """The distinct values of ``columns`` one after the other, in order of first appearance, blanks
    left out: one Arrow hash pass."""
    return pc.unique(pc.drop_null(pa.chunked_array([_text(column) for column in columns], pa.large_string()))).to_pylist()


def _as_text(values: pa.Array) -> list[Any]:
    """Arrow text as the Python values of ``Series.astype(str)`` (a blank is NaN)."""
    if values.null_count:
        return pd.Series(pd.array(values, dtype="string")).astype(str).tolist()
    return values.to_pylist()


@kernel(selection.choices)
def choices(wb: Workbook) -> dict[str, object]:
    """:func:`selection.choices` from the kept distinct values of each column (in order of first
    appearance, as the definition's ``unique`` finds them) and the themes' kept order."""
    teams = _distinct_text([wb.tables[tab]["team"] for tab in TABS])
    named = _distinct_text([wb.tables[tab][column] for tab, column in PERSON_COLUMNS.items()])
    order = _theme_order(wb)
    rows = order[_first_of_each(_arrow(wb, "themes", "theme_id").take(pa.array(order)))]
    ids, titles = (_as_text(_arrow(wb, "themes", column).take(pa.array(rows))) for column in ("theme_id", "title"))
    return {
        "quarters": selection.present_quarters(wb),
        "teams": selection._distinct_names([str(team) for team in teams]),
        "people": selection._distinct_names([str(name) for name in [*named, *_participants(wb)]]),
        "themes": dict(zip(ids, titles, strict=True)),
    }


# --------------------------------------------------------------------------------------
# Impact
# --------------------------------------------------------------------------------------


def _citation_rows(wb: Workbook, f: Filters, kind: str) -> np.ndarray:
    """The items of :func:`_cited` whose decision ``f`` picks (positions)."""
    picked, decision = _picked(wb, f, "decisions"), _cited(wb, kind).decision
    return np.arange(len(decision)) if picked.all() else np.flatnonzero(picked[decision])


@kernel(impact.citations)
def citations(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.citations` from the kept flattened citations (:func:`_cited`): the picked
    decisions' items taken out by position, each column built once."""
    decisions = wb.decisions
    parts: dict[str, list[Any]] = {column: [] for column in impact.CITATION_COLUMNS}
    for kind, (tab, _, _, name) in _CITED.items():
        cited, items = _cited(wb, kind), _citation_rows(wb, f, kind)
        at, rows = cited.decision[items], cited.row[items]
        parts["sheet"].append(_categorical(wb, "decisions", "sheet", at))
        for column, source in (("decision_id", "decision_id"), ("quarter", "quarter"), ("category", "category"),
                               ("theme_id", "theme_id")):
            parts[column].append(_arrow(wb, "decisions", source).take(pa.array(at)))
        parts["decided_on"].append(decisions["date"].to_numpy()[at])
        parts["kind"].append(np.full(len(items), 0 if kind == "source" else 1, dtype=np.int64))
        parts["id"].append(cited.ids.take(pa.array(items)))
        parts["learned_on"].append(_learned_on(wb, kind)[items].view("datetime64[us]"))
        parts["source_kind"].append(_take(_arrow(wb, tab, "kind"), rows) if kind == "source" else
                                    pa.nulls(len(items), pa.large_string()))
        parts["name"].append(_take(_arrow(wb, tab, name), rows))
    n = sum(len(part) for part in parts["kind"])
    sheet = pd.Categorical.from_codes(np.concatenate([p.codes for p in parts["sheet"]]),
                                      dtype=decisions["sheet"].dtype)
    columns: dict[str, Any] = {"sheet": sheet}
    for column in ("decision_id", "quarter", "category", "theme_id", "id", "source_kind", "name"):
        columns[column] = _string(pa.chunked_array(parts[column], pa.large_string()))
    columns["decided_on"] = np.concatenate(parts["decided_on"])
    columns["kind"] = _words(np.concatenate(parts["kind"]), ("source", "critique"))
    columns["learned_on"] = np.concatenate(parts["learned_on"])
    return _frame({column: columns[column] for column in impact.CITATION_COLUMNS}, n)


def _names_by_decision(wb: Workbook, f: Filters, kind: str, rows: np.ndarray) -> pa.Array:
    """For each decision at ``rows`` (picked by ``f``), the names of what the picked decisions with its
    sheet and id cite of ``kind``, joined with ", " (null when none): a decision's own names, unless
    two picked decisions share a sheet and id."""
    keys, shared = _decision_keys(wb)
    cited = _cited(wb, kind)
    if not shared and cited.per_decision.max(initial=0) <= 1:  # each decision's one name, or none
        first = np.cumsum(cited.per_decision) - cited.per_decision
        return _take(_cited_names(wb, kind), np.where(cited.per_decision[rows] == 1, first[rows], -1))
    joined = _joined_names(wb, kind)
    if not shared:
        return joined.take(pa.array(rows))
    picked = np.flatnonzero(_picked(wb, f, "decisions"))
    together: dict[int, list[str]] = {}
    for key, names in zip(keys[picked].tolist(), joined.take(pa.array(picked)).to_pylist(), strict=True):
        if key >= 0 and names is not None:
            together.setdefault(key, []).append(names)
    return pa.array([", ".join(together[key]) if key in together else None for key in keys[rows].tolist()],
                    pa.large_string())


@kernel(impact.cited_names)
def cited_names(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.cited_names` from the names joined once per decision (:func:`_joined_names`,
    Arrow's ``binary_join``): the picked decisions that cite anything, one per sheet and id, in
    sheet and id order."""
    decisions = wb.decisions
    picked = _picked(wb, f, "decisions")
    cites = (_cited(wb, "source").per_decision > 0) | (_cited(wb, "critique").per_decision > 0)
    keys, _ = _decision_keys(wb)
    rows = np.flatnonzero(picked & cites & (keys >= 0))
    _, first = np.unique(keys[rows], return_index=True)
    rows = rows[np.sort(first)]
    rows = rows[_sort(decisions["sheet"].array.codes[rows].astype(np.int64),
                      _arrow(wb, "decisions", "decision_id").take(pa.array(rows)))]
    return _frame({"sheet": _categorical(wb, "decisions", "sheet", rows),
                   "decision_id": _column(wb, "decisions", "decision_id", rows),
                   "learned_from": _string(_names_by_decision(wb, f, "source", rows)),
                   "learned_with": _string(_names_by_decision(wb, f, "critique", rows))}, len(rows))


@kernel(network.top_sources)
def top_sources(wb: Workbook, f: Filters, n: int | None = 10) -> pd.DataFrame:
    """:func:`network.top_sources` from the kept citations: a (sheet, id) group is the cited row (an
    id no row has is told apart by Arrow's dictionary of those ids), counted by a bincount; only the
    groups that can be among the first ``n`` are ordered (Arrow's stable sort on their count, id and
    first citation) and become a table."""
    cited = _cited(wb, "source")
    items = _citation_rows(wb, f, "source")
    if not len(items):
        return empty(network.TOP_SOURCES_COLUMNS)
    keys = cited.row[items].copy()
    unknown = np.flatnonzero(keys < 0)
    if len(unknown):
        sheets = _sheets(wb, "decisions")[cited.decision[items[unknown]]]
        codes = _numpy(pc.dictionary_encode(cited.ids.take(pa.array(items[unknown]))).indices)
        keys[unknown] = len(wb.sources) + codes * (sheets.max() + 1) + sheets
    counts = np.bincount(keys)
    if n is not None and 0 <= n < np.count_nonzero(counts):  # groups tied with the n-th could be among them
        least = -np.partition(-counts[counts > 0], n - 1)[n - 1] if n else counts.max() + 1
        counts = np.where(counts >= least, counts, 0)
    chosen = np.flatnonzero(counts[keys] > 0)
    _, first = np.unique(keys[chosen], return_index=True)
    first = chosen[np.sort(first)]  # each group's first citation, in order
    order = _sort(-counts[keys[first]], cited.ids.take(pa.array(items[first])))
    order = order if n is None else order[:n]
    at = items[first[order]]
    rows = cited.row[at]
    return _frame({"source_id": _string(cited.ids.take(pa.array(at))),
                   "name": _string(_take(_arrow(wb, "sources", "name"), rows)),
                   "kind": _string(_take(_arrow(wb, "sources", "kind"), rows)),
                   "decisions": counts[keys[first[order]]].astype(np.int64),
                   "sheet": _categorical(wb, "decisions", "sheet", cited.decision[at])}, len(at))


@kernel(impact.time_to_impact)
def time_to_impact(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.time_to_impact` from the kept citations: the pairs with a date, ordered by a
    stable (radix when it fits) sort of the decision's kept rank (date, id, sheet) and the kind; only
    pairs tied on both (a decision naming several of a kind) are then put in id order."""
    ranks = _decision_ranks(wb)
    items, majors, learned_on, decision = [], [], [], []
    offset = 0
    for bit, kind in ((1, "source"), (0, "critique")):
        cited = _cited(wb, kind)
        picked = _citation_rows(wb, f, kind)
        learned = _learned_on(wb, kind)[picked]
        dated = learned != _NAT
        picked = picked if dated.all() else picked[dated]
        items.append(picked + offset)
        decision.append(cited.decision[picked])
        majors.append(ranks[decision[-1]] * 2 + bit)
        learned_on.append(learned[dated])
        offset += len(cited.ids)
    major = np.concatenate(majors)
    ids = _pair_ids(wb)
    at = np.concatenate(items)
    order = _by_text_within(_stable_order(major), major, ids, at)
    at = at[order]
    kinds = (at >= len(_cited(wb, "source").ids)).astype(np.int8)
    decision = np.concatenate(decision)[order]
    learned = np.concatenate(learned_on)[order]
    decided = _stamps(wb, "decisions", "date")[decision]
    return _frame({"kind": _words(kinds, ("source", "critique")),
                   "id": _string(ids.take(pa.array(at))),
                   "decision_id": _column(wb, "decisions", "decision_id", decision),
                   "quarter": _column(wb, "decisions", "quarter", decision),
                   "learned_on": learned.view("datetime64[us]"),
                   "decided_on": decided.view("datetime64[us]"),
                   "days": (decided - learned) // _DAY_US,
                   "sheet": _categorical(wb, "decisions", "sheet", decision)}, len(order))


@kernel(impact.learning_flows)
def learning_flows(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.learning_flows` from the kept citations: each citation's learning, theme and
    change as codes, the combinations counted by ``np.unique``, labels made once per distinct value."""
    kinds = _codes(wb, "sources", "kind")
    learning = pd.Series(kinds.values, dtype="string").str.replace("_", " ").str.capitalize().tolist()
    learning.append(impact.PEER_CRITIQUE)
    titles = _codes(wb, "themes", "title")
    theme_code = np.append(titles.codes, -1)[_theme_rows(wb, "decisions")]
    theme_code = np.where(theme_code >= 0, theme_code, len(titles.values))
    themes = [*titles.values, impact.NO_THEME]
    categories = _codes(wb, "decisions", "category")
    changes: list[str | None] = [impact.CATEGORY_LABELS.get(value, value) for value in categories.values]
    changes.append(None)
    parts = []
    for kind in ("source", "critique"):
        cited = _cited(wb, kind)
        items = _citation_rows(wb, f, kind)
        if kind == "source":
            code = np.append(kinds.codes, -1)[cited.row[items]]
            items, code = items[code >= 0], code[code >= 0]
        else:
            code = np.full(len(items), len(kinds.values), dtype=np.int64)
        at = cited.decision[items]
        # One number per (learning, theme, change); a blank category is the last change.
        parts.append((code * len(themes) + theme_code[at]) * len(changes) + np.where(categories.codes[at] >= 0,
                                                                                     categories.codes[at], len(changes) - 1))
    links = np.concatenate(parts)
    if not len(links):
        return empty(impact.LEARNING_FLOWS_COLUMNS)
    combos, counts = _tally(links)
    into: dict[tuple[str, str], int] = {}
    out_of: dict[tuple[str, str], int] = {}
    combos, change_codes = np.divmod(combos, len(changes))
    learn_codes, theme_codes = np.divmod(combos, len(themes))
    for learn, theme, change, count in zip(learn_codes.tolist(), theme_codes.tolist(), change_codes.tolist(),
                                           counts.tolist(), strict=True):
        into[learning[learn], themes[theme]] = into.get((learning[learn], themes[theme]), 0) + count
        if changes[change] is not None:
            out_of[themes[theme], changes[change]] = out_of.get((themes[theme], changes[change]), 0) + count
    pairs = [*sorted(into.items()), *sorted(out_of.items())]
    stages = ["learning"] * len(into) + ["theme"] * len(out_of), ["theme"] * len(into) + ["change"] * len(out_of)
    return _frame({"source_label": pd.array([a for (a, _), _ in pairs], dtype="str"),
                   "target_label": pd.array([b for (_, b), _ in pairs], dtype="str"),
                   "value": np.array([value for _, value in pairs], dtype=np.int64),
                   "source_stage": pd.array(stages[0], dtype="str"),
                   "target_stage": pd.array(stages[1], dtype="str")}, len(pairs))


@kernel(impact.decision_log)
def decision_log(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.decision_log` from the kept newest-first order, theme titles and joined names:
    the picked decisions taken out of the order, each column taken once."""
    order = _by_date(wb, True)
    rows = order[_picked(wb, f, "decisions")[order]]
    if not len(rows):
        return empty(impact.DECISION_LOG_COLUMNS)
    return _frame(_log(wb, f, rows), len(rows))


def _log(wb: Workbook, f: Filters, rows: np.ndarray) -> dict[str, Any]:
    """The :func:`impact.decision_log` columns of the decisions at ``rows`` (positions, picked by ``f``)."""
    decisions = wb.decisions
    categories = _codes(wb, "decisions", "category")
    words = pd.Series(categories.values, dtype="string").str.replace("_", " ").tolist()
    impact_ = _whole_numbers(decisions["impact"].to_numpy()[rows])
    return {"decision_id": _column(wb, "decisions", "decision_id", rows),
            "date": _dates(_stamps(wb, "decisions", "date")[rows]),
            "quarter": _column(wb, "decisions", "quarter", rows),
            "category": _string(_each(categories, words, rows)),
            "summary": _column(wb, "decisions", "summary", rows),
            "theme": _string(_take(_arrow(wb, "themes", "title"), _theme_rows(wb, "decisions")[rows])),
            "learned_from": _string(_names_by_decision(wb, f, "source", rows)),
            "learned_with": _string(_names_by_decision(wb, f, "critique", rows)),
            "impact": impact_,
            "owner": _column(wb, "decisions", "owner", rows),
            "team": _column(wb, "decisions", "team", rows),
            "status": _column(wb, "decisions", "status", rows),
            "sheet": _categorical(wb, "decisions", "sheet", rows)}


@kernel(impact.decisions_in)
def decisions_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """:func:`impact.decisions_in`: the quarter's picked decisions taken out of the kept newest-first
    order and sorted by day and id (stable), built as :func:`decision_log` builds its rows. With none,
    or with two of them sharing a sheet and id (which its merge pairs up), the definition answers."""
    in_quarter = f.in_quarters(quarter)
    order = _by_date(wb, True)
    rows = order[_picked(wb, in_quarter, "decisions")[order]]
    keys, _ = _decision_keys(wb)
    if not len(rows) or len(np.unique(keys[rows])) < len(rows) or (keys[rows] < 0).any():
        return impact.decisions_in.definition(wb, f, quarter)  # type: ignore[attr-defined]
    days = _stamps(wb, "decisions", "date")[rows]
    days = np.where(days == _NAT, _NAT, days // _DAY_US)
    rows = rows[_sort(_blank_last(days), _arrow(wb, "decisions", "decision_id").take(pa.array(rows)))]
    columns = _log(wb, in_quarter, rows)
    columns["category_key"] = _column(wb, "decisions", "category", rows)
    columns["supersedes"] = _column(wb, "decisions", "supersedes", rows)
    return _frame(columns, len(rows))


@kernel(impact.reversals)
def reversals(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.reversals` from each decision's kept replacement (:func:`_replaced_by`) and the
    kept oldest-first order."""
    replaced_by = _replaced_by(wb)
    status = _codes(wb, "decisions", "status")
    kept_rows = _picked(wb, f, "decisions") & ((replaced_by >= 0) | status.where({"superseded", "reverted"}.__contains__))
    order = _by_date(wb, False)
    rows = order[kept_rows[order]]
    if not len(rows):
        return empty(impact.REVERSALS_COLUMNS)
    by = replaced_by[rows]
    active = (by >= 0) & status.where("active".__eq__)[rows]
    dates = _stamps(wb, "decisions", "date")
    on = np.append(dates, _NAT)[by]
    days = pd.array(np.where((on == _NAT) | (dates[rows] == _NAT), 0, (on - dates[rows]) // _DAY_US), dtype="Int64")
    days[(on == _NAT) | (dates[rows] == _NAT)] = pd.NA
    return _frame({"decision_id": _column(wb, "decisions", "decision_id", rows),
                   "date": dates[rows].view("datetime64[us]"),
                   "quarter": _column(wb, "decisions", "quarter", rows),
                   "category": _column(wb, "decisions", "category", rows),
                   "summary": _column(wb, "decisions", "summary", rows),
                   "team": _column(wb, "decisions", "team", rows),
                   "status": _string(pc.if_else(pa.array(active), "superseded",
                                                _arrow(wb, "decisions", "status").take(pa.array(rows)))),
                   "replaced_by": _string(_take(_arrow(wb, "decisions", "decision_id"), by)),
                   "replaced_on": on.view("datetime64[us]"),
                   "replaced_by_summary": _string(_take(_arrow(wb, "decisions", "summary"), by)),
                   "days_in_force": days,
                   "sheet": _categorical(wb, "decisions", "sheet", rows)}, len(rows))


def _tracing(wb: Workbook, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """For the decisions at ``rows`` (a mask): whether each names a source, and a critique; None
    when there are none."""
    if not rows.any():
        return None
    return _cited(wb, "source").per_decision[rows] > 0, _cited(wb, "critique").per_decision[rows] > 0


def _traced(wb: Workbook, rows: np.ndarray) -> float | None:
    """:func:`impact.traced_share` of the decisions at ``rows`` (a mask): the share of them that name a
    source or critique; None when there are none."""
    tracing = _tracing(wb, rows)
    return None if tracing is None else float((tracing[0] | tracing[1]).mean())


@kernel(impact.traced_share)
def traced_share(wb: Workbook, f: Filters, quarter: str | None = None) -> float | None:
    """:func:`impact.traced_share` from the kept counts of ids per decision."""
    return _traced(wb, _in_quarter(wb, f, "decisions", quarter))


@kernel(impact.learning_mix)
def learning_mix(wb: Workbook, f: Filters, quarter: str | None = None) -> pd.DataFrame:
    """:func:`impact.learning_mix` from the kept counts of ids per decision."""
    tracing = _tracing(wb, _in_quarter(wb, f, "decisions", quarter))
    source, critique = tracing or (np.zeros(0, bool), np.zeros(0, bool))
    counts = np.array([(source & ~critique).sum(), (~source & critique).sum(), (source & critique).sum()],
                      dtype=np.int64)
    total = counts.sum()
    return _frame({"mix": pd.array(list(impact.MIX_LABELS), dtype="str"),
                   "label": pd.array(list(impact.MIX_LABELS.values()), dtype="str"),
                   "decisions": counts, "share": counts / total if total else np.full(3, np.nan)}, 3)


@kernel(impact.decisions_per_quarter)
def decisions_per_quarter(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.decisions_per_quarter` by a bincount of the kept label codes."""
    quarters, nothing = _scope(wb, f, impact.decisions_per_quarter)
    if nothing is not None:
        return nothing
    return _frame({"quarter": pd.Index(quarters).array,
                   "decisions": _per_quarter(wb, "decisions", "quarter", _picked(wb, f, "decisions"), quarters)},
                  len(quarters))


@kernel(impact.decisions_by_category)
def decisions_by_category(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.decisions_by_category` by a bincount of (quarter, category) numbers."""
    quarters, nothing = _scope(wb, f, impact.decisions_by_category)
    if nothing is not None:
        return nothing
    rows = _picked(wb, f, "decisions")
    quarter = _positions(wb, "decisions", "quarter", quarters)
    categories = _codes(wb, "decisions", "category")
    category = categories.per_row(categories.in_order(list(DECISION_CATEGORIES)), -1)
    both = rows & (quarter >= 0) & (category >= 0)
    width = len(DECISION_CATEGORIES)
    counts = np.bincount(quarter[both] * width + category[both], minlength=len(quarters) * width).astype(np.int64)
    return _frame({"quarter": pd.Index(np.repeat(np.array(quarters, dtype=object), width).tolist()).array,
                   "category": pd.Index(list(DECISION_CATEGORIES) * len(quarters)).array,
                   "decisions": counts}, len(counts))


# --------------------------------------------------------------------------------------
# The playbook
# --------------------------------------------------------------------------------------


@kept
def _tied(wb: Workbook, f: Filters) -> tuple[np.ndarray, np.ndarray]:
    """The sources tied to a theme kept in a quarter, as positions: each source's row and its theme's
    quarter (a code of the themes' quarter labels), once per quarter its theme is kept in. Each source
    finds its kept themes' quarters through the first theme of its sheet and id (``searchsorted`` into
    the distinct (theme, quarter) pairs when a theme is kept in several quarters)."""
    quarters = _codes(wb, "themes", "quarter")
    kept_themes = np.flatnonzero(_picked(wb, f, "themes") & ~_codes(wb, "themes", "status").where("dropped".__eq__)
                                 & (quarters.codes >= 0))
    span = len(quarters.values)
    pairs = _distinct(_theme_rows(wb, "themes")[kept_themes] * span + quarters.codes[kept_themes])
    sources = np.flatnonzero(_picked(wb, f, "sources"))
    themes_of = _theme_rows(wb, "sources")[sources]
    theme_of_pair = pairs // span
    if (theme_of_pair[1:] != theme_of_pair[:-1]).all():  # each theme kept in one quarter (pairs are sorted)
        quarter_of = np.full(len(wb.themes) + 1, -1, dtype=np.int64)
        quarter_of[theme_of_pair] = pairs % span
        quarter = quarter_of[themes_of]
        rows, quarter = sources[quarter >= 0], quarter[quarter >= 0]
    else:
        lo, hi = np.searchsorted(theme_of_pair, themes_of, "left"), np.searchsorted(theme_of_pair, themes_of, "right")
        n = np.where(themes_of >= 0, hi - lo, 0)
        rows = np.repeat(sources, n)
        quarter = pairs[np.repeat(lo - (np.cumsum(n) - n), n) + np.arange(n.sum())] % span
    return rows, quarter


@kept
def _active(wb: Workbook, f: Filters) -> tuple[np.ndarray, np.ndarray]:
    """:func:`playbook.active_sources` as positions: :func:`_tied`'s pairs whose source is in the
    network on the quarter's last day, in the definition's order. Each quarter's last day is worked
    out once; the pairs are put in quarter order by a radix sort."""
    rows, quarter = _tied(wb, f)
    quarters = _codes(wb, "themes", "quarter")
    span = len(quarters.values)
    ends = np.zeros(span, dtype=np.int64)
    for code in _distinct(quarter).tolist():
        ends[code] = _quarter_days(quarters.values[code], wb.options.fiscal_year_start_month)[1]
    active = _in_network(wb, ends[quarter], rows)
    rows, quarter = rows[active], quarter[active]
    text_order = np.empty(span, dtype=np.int64)
    text_order[np.argsort(np.array(quarters.values, dtype=object), kind="stable")] = np.arange(span)
    order = _stable_order(text_order[quarter])
    return rows[order], quarter[order]


@kernel(playbook.active_sources)
def active_sources(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`playbook.active_sources` from :func:`_active`."""
    rows, quarter = _active(wb, f.every_quarter)
    labels = pa.array(_codes(wb, "themes", "quarter").values, pa.large_string())
    return _frame({"sheet": _categorical(wb, "sources", "sheet", rows), "source_id": _column(wb, "sources", "source_id", rows),
                   "quarter": _string(labels.take(pa.array(quarter)))}, len(rows))


@kept
def _facts(wb: Workbook, f: Filters) -> dict[str, np.ndarray]:
    """:func:`playbook.step_facts` as arrays over the present quarters: counts by bincounts of label
    codes, months by distinct (quarter, month) numbers, roles by bits."""
    present = selection.present_quarters(wb)
    picked = {tab: _picked(wb, f, tab) for tab in TABS}
    dropped = _codes(wb, "themes", "status").where("dropped".__eq__)
    _, active_quarter = _active(wb, f)
    active = np.bincount(active_quarter, minlength=len(_codes(wb, "themes", "quarter").values))
    active_at = _codes(wb, "themes", "quarter").in_order(present)
    facts = {
        "themes": _per_quarter(wb, "themes", "quarter", picked["themes"] & ~dropped, present),
        "dropped_themes": _per_quarter(wb, "themes", "quarter", picked["themes"] & dropped, present),
        "active_sources": np.zeros(len(present), dtype=np.int64),
        "added": _per_quarter(wb, "sources", "quarter", picked["sources"], present),
        "pruned": _per_quarter(wb, "sources", "pruned_quarter", picked["sources"], present),
        "critiques": _per_quarter(wb, "critiques", "quarter", picked["critiques"], present),
        "months_with_critiques": np.zeros(len(present), dtype=np.int64),
        "shipped": _per_quarter(wb, "commitments", "shipped_quarter", picked["commitments"], present),
        "decisions": _per_quarter(wb, "decisions", "quarter", picked["decisions"], present),
    }
    facts["active_sources"][active_at[active_at >= 0]] = active[active_at >= 0]
    at = _positions(wb, "critiques", "quarter", present)
    months = _months(wb, "critiques", "date")
    held = picked["critiques"] & (at >= 0)
    dated = held & (months != _NAT)
    if dated.any():
        dated_months, dated_at = months[dated], at[dated]
        first = dated_months.min()
        span = dated_months.max() - first + 1
        distinct = _distinct(dated_at * span + (dated_months - first))
        facts["months_with_critiques"] = np.bincount(distinct // span, minlength=len(present)).astype(np.int64)
    in_the_room = _role_counts(at[held], _roles(wb)[held], len(present)) > 0
    for n, role in enumerate(ROLES):
        facts[role] = in_the_room[:, n].copy()
    return facts


@kernel(playbook.step_facts)
def step_facts(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`playbook.step_facts` from :func:`_facts`, built once."""
    facts = _facts(wb, f.every_quarter)
    present = selection.present_quarters(wb)
    return pd.DataFrame(facts, index=pd.Index(present, name="quarter"), copy=False)


def _steps(wb: Workbook, f: Filters, quarters: tuple[str, ...]) -> dict[str, np.ndarray]:
    """:func:`playbook.facts_for` as arrays over ``quarters``."""
    facts = _facts(wb, f.every_quarter)
    at = {label: n for n, label in enumerate(selection.present_quarters(wb))}
    where = np.array([at.get(quarter, -1) for quarter in quarters], dtype=np.int64)
    return _judged({name: np.append(values, np.zeros(1, dtype=values.dtype))[where] for name, values in facts.items()})


def _judged(steps: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """:func:`_facts`-like arrays with whether each step is done, and the score (as :func:`playbook.facts_for`)."""
    steps["theme_set"] = steps["themes"] >= 1
    steps["pln_curated"] = (steps["active_sources"] >= playbook.MIN_ACTIVE_SOURCES) & (steps["added"] + steps["pruned"] > 0)
    steps["peer_circle"] = (steps["months_with_critiques"] == playbook.MONTHS_PER_QUARTER) & np.logical_and.reduce(
        [steps[role] for role in cadence.PEER_ROLE_NAMES])
    steps["artifact_shipped"] = steps["shipped"] >= 1
    steps["loop_closed"] = steps["decisions"] >= 1
    steps["score"] = np.sum([steps[key] for key in playbook.STEP_KEYS], axis=0, dtype=np.int64)
    return steps


@kernel(playbook.facts_for)
def facts_for(wb: Workbook, f: Filters, quarters: tuple[str, ...]) -> pd.DataFrame:
    """:func:`playbook.facts_for` from :func:`_facts`, built once."""
    return pd.DataFrame(_steps(wb, f, quarters), index=pd.Index(list(quarters), name="quarter"),
                        copy=False)


def _quarter_table(wb: Workbook, f: Filters, columns: list[str]) -> pd.DataFrame:
    """``columns`` of :func:`playbook.facts_for` over the quarters in scope, as a table."""
    quarters = _in_scope(wb, f)
    steps = _steps(wb, f, tuple(quarters))
    return _frame({"quarter": pd.Index(quarters).array, **{c: steps[c] for c in columns[1:]}}, len(quarters))


@kernel(playbook.score_trend)
def score_trend(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`playbook.score_trend` from :func:`_facts`."""
    return _quarter_table(wb, f, playbook.SCORE_TREND_COLUMNS)


@kernel(playbook.quarter_numbers)
def quarter_numbers(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`playbook.quarter_numbers` from :func:`_facts`."""
    return _quarter_table(wb, f, playbook.QUARTER_NUMBERS_COLUMNS)


def _facts_of(wb: Workbook, f: Filters, quarters: tuple[str, ...]) -> list[dict[str, Any]]:
    """:func:`playbook.facts_for`'s rows for ``quarters``, as plain mappings (no frame is built)."""
    steps = _steps(wb, f, quarters)
    return [{name: values[n] for name, values in steps.items()} for n in range(len(quarters))]


@kernel(playbook.scorecard)
def scorecard(wb: Workbook, f: Filters, quarter: str) -> playbook.Scorecard:
    """:func:`playbook.scorecard` worded by :func:`playbook.card` from :func:`_facts` itself."""
    return playbook.card(quarter, _facts_of(wb, f, (quarter,))[0], playbook.step_rows(wb, f, quarter))


@kernel(playbook.kpis)
def kpis(wb: Workbook, f: Filters, quarter: str) -> list[playbook.Kpi]:
    """:func:`playbook.kpis` by :func:`playbook.headline_numbers` from :func:`_facts` itself; a quarter
    still under way from :func:`_as_it_stood` at today and at the same day of the quarter before."""
    previous = previous_quarter(quarter)
    if not playbook.under_way(wb, f, quarter):
        now, before = _facts_of(wb, f, (quarter, previous))
        return playbook.headline_numbers(now, before, impact.traced_share(wb, f, quarter),
                                         impact.traced_share(wb, f, previous))
    today, same_day, to_date = playbook.compared_days(wb, f, quarter)
    (now, traced_now), (before, traced_before) = (_as_it_stood(wb, f, quarter, today),
                                                  _as_it_stood(wb, f, previous, same_day))
    return playbook.headline_numbers(now, before, traced_now, traced_before, to_date=to_date)


def _as_it_stood(wb: Workbook, f: Filters, quarter: str, day: dt.date) -> tuple[dict[str, Any], float | None]:
    """:func:`playbook.facts_for`'s row for ``quarter`` and its traced share, in the workbook as
    :func:`selection.quarter_as_it_stood` cuts it at the end of ``day``: masks of the rows dated by
    then (and from the quarter's first day) over the kept arrays, not a copy of the tables."""
    fiscal = wb.options.fiscal_year_start_month
    (first, end), cut = _quarter_days(quarter, fiscal), _when(day)

    def dated(tab: str, column: str, since: int | None = None) -> np.ndarray:
        stamps = _stamps(wb, tab, column)
        by_then = (stamps != _NAT) & (stamps <= cut)
        return by_then if since is None else by_then & (stamps >= since)

    def in_quarter(tab: str, column: str = "quarter") -> np.ndarray:
        return _codes(wb, tab, column).where(quarter.__eq__)

    every = f.every_quarter
    picked = {tab: _picked(wb, every, tab) for tab in TABS}
    dropped = _codes(wb, "themes", "status").where("dropped".__eq__)
    themes = picked["themes"] & in_quarter("themes")
    sources = picked["sources"] & dated("sources", "added_on")
    critiques = picked["critiques"] & in_quarter("critiques") & dated("critiques", "date", first)
    shipped = (picked["commitments"] & in_quarter("commitments", "shipped_quarter")
               & dated("commitments", "committed_on") & dated("commitments", "shipped_on", first))
    decisions = in_quarter("decisions") & dated("decisions", "date", first)
    # In the network on the quarter's last day, as it stood: added by then, and not pruned by then.
    last = min(cut, end)
    rows, theme_quarter = _tied(wb, every)
    tied = rows[np.isin(theme_quarter, [n for n, label in enumerate(_codes(wb, "themes", "quarter").values) if label == quarter])]
    active = _in_network(wb, last, tied)
    months = _months(wb, "critiques", "date")[critiques]
    in_the_room = _role_counts(np.zeros(int(critiques.sum()), dtype=np.int64), _roles(wb)[critiques], 1)[0] > 0
    facts = {
        "themes": int((themes & ~dropped).sum()), "dropped_themes": int((themes & dropped).sum()),
        "active_sources": int(active.sum()), "added": int((sources & in_quarter("sources")).sum()),
        "pruned": int((sources & in_quarter("sources", "pruned_quarter") & dated("sources", "pruned_on")).sum()),
        "critiques": int(critiques.sum()), "months_with_critiques": len(np.unique(months[months != _NAT])),
        "shipped": int(shipped.sum()), "decisions": int((picked["decisions"] & decisions).sum()),
        **{role: bool(in_the_room[n]) for n, role in enumerate(ROLES)},
    }
    steps = _judged({name: np.array([value]) for name, value in facts.items()})
    traced = _traced(wb, decisions & _in_quarter(wb, f, "decisions", quarter))
    return {name: values[0] for name, values in steps.items()}, traced


@kernel(playbook.step_rows)
def step_rows(wb: Workbook, f: Filters, quarter: str) -> dict[str, list[str]]:
    """:func:`playbook.step_rows` from the picked masks, the label codes and :func:`_active`."""
    every = f.every_quarter
    in_quarter = {tab: _picked(wb, every, tab) & _codes(wb, tab, column).where(quarter.__eq__)
                  for tab, column in (("themes", "quarter"), ("commitments", "shipped_quarter"),
                                      ("decisions", "quarter"))}
    dropped = _codes(wb, "themes", "status").where("dropped".__eq__)
    set_, dropped_ = np.flatnonzero(in_quarter["themes"] & ~dropped), np.flatnonzero(in_quarter["themes"] & dropped)
    sources, active_quarter = _active(wb, every)
    labels = _codes(wb, "themes", "quarter").values
    active = sources[active_quarter == labels.index(quarter)] if quarter in labels else sources[:0]
    shipped, written = np.flatnonzero(in_quarter["commitments"]), np.flatnonzero(in_quarter["decisions"])
    return {
        "themes": _listed_text(wb, "themes", "theme_id", set_),
        "titles": _listed_text(wb, "themes", "title", set_),
        "dropped": _listed_text(wb, "themes", "theme_id", dropped_),
        "source_ids": _listed_text(wb, "sources", "source_id", active),
        "commitment_ids": _listed_text(wb, "commitments", "commitment_id", shipped),
        "shipped_titles": _listed_text(wb, "commitments", "title", shipped),
        "decision_ids": _listed_text(wb, "decisions", "decision_id", written),
    }


def _listed_text(wb: Workbook, tab: str, column: str, rows: np.ndarray) -> list[Any]:
    """A text column of ``tab`` at ``rows`` as the list ``Series.tolist()`` gives (a blank is <NA>),
    converted by Arrow."""
    values = _arrow(wb, tab, column).take(pa.array(rows))
    listed = values.to_pylist()
    return [pd.NA if value is None else value for value in listed] if values.null_count else listed


# --------------------------------------------------------------------------------------
# Themes
# --------------------------------------------------------------------------------------


@kept
def _linked(wb: Workbook, f: Filters) -> dict[str, np.ndarray]:
    """:func:`themes.linked_to_themes` as counts per theme row (at the first theme of each sheet and
    id): bincounts of each picked row's kept theme position."""
    linked = {}
    for name, tab in (("sources", "sources"), ("critiques", "critiques"), ("commitments", "commitments"),
                      ("shipped", "commitments"), ("decisions", "decisions")):
        rows = _picked(wb, f, tab) & _present(wb.tables[tab], "theme_id")
        if name == "shipped":
            rows = rows & (_stamps(wb, "commitments", "shipped_on") != _NAT)
        at = _theme_rows(wb, tab)[rows]
        linked[name] = np.bincount(at[at >= 0], minlength=len(wb.themes)).astype(np.int64)
    return linked


@kernel(themes.theme_summary)
def theme_summary(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`themes.theme_summary` from the themes' kept order and :func:`_linked`."""
    order = _theme_order(wb)
    rows = order[_picked(wb, f, "themes")[order]]
    if not len(rows):
        return empty(themes.THEME_SUMMARY_COLUMNS)
    linked = _linked(wb, f.every_quarter)
    at = np.where(_present(wb.themes, "theme_id")[rows], _theme_rows(wb, "themes")[rows], -1)
    columns: dict[str, Any] = {column: _column(wb, "themes", column, rows) for column in themes.THEME_SUMMARY_COLUMNS[:7]}
    for name in themes.COUNTS:
        columns[name] = np.append(linked[name], 0)[at]
    columns["sheet"] = _categorical(wb, "themes", "sheet", rows)
    return _frame(columns, len(rows))


# --------------------------------------------------------------------------------------
# The peer circle
# --------------------------------------------------------------------------------------


_PEER_BITS = sum(1 << ROLES.index(role) for role in cadence.PEER_ROLES)


def _month_axis(wb: Workbook, f: Filters) -> np.ndarray:
    """:func:`cadence.month_axis` as month numbers."""
    quarters = _in_scope(wb, f)
    if not quarters:
        return np.zeros(0, dtype=np.int64)
    fiscal = wb.options.fiscal_year_start_month
    months = np.arange(_quarter_months(quarters[0], fiscal)[0], _quarter_months(quarters[-1], fiscal)[1] + 1)
    held = _months(wb, "critiques", "date")[_picked(wb, f, "critiques")]
    held = _distinct(held[held != _NAT])
    return months[(months <= _month(f.today())) | np.isin(months, held, assume_unique=True)]


def _in_axis(wb: Workbook, axis: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """For each critique at ``rows`` (a mask), the position of its month in ``axis`` (-1 when not in
    it): a lookup table over the axis' span of months."""
    months = _months(wb, "critiques", "date")[rows]
    if not len(axis):
        return np.full(len(months), -1, dtype=np.int64)
    place = np.full(int(axis[-1] - axis[0]) + 2, -1, dtype=np.int64)  # the last entry: outside the span
    place[axis - axis[0]] = np.arange(len(axis))
    offset = months - axis[0]
    return place[np.where((offset >= 0) & (offset < len(place) - 1), offset, len(place) - 1)]


@kernel(cadence.critiques_per_month)
def critiques_per_month(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`cadence.critiques_per_month` from the kept month numbers, counted by ``searchsorted``
    into the axis and a bincount."""
    axis = _month_axis(wb, f)
    at = _in_axis(wb, axis, _picked(wb, f, "critiques"))
    return _frame({"month": _month_stamps(axis),
                   "critiques": np.bincount(at[at >= 0], minlength=len(axis)).astype(np.int64)}, len(axis))


@kernel(cadence.monthly_streak)
def monthly_streak(wb: Workbook, f: Filters) -> int:
    """:func:`cadence.monthly_streak` from the kept month numbers."""
    every = f.every_quarter
    rows = _picked(wb, every, "critiques") & (_stamps(wb, "critiques", "date") <= _when(f.today()))
    held = set(_distinct(_months(wb, "critiques", "date")[rows & (_stamps(wb, "critiques", "date") != _NAT)]).tolist())
    month = _month(f.today())
    if month not in held:
        month -= 1
    streak = 0
    while month in held:
        streak += 1
        month -= 1
    return streak


def _role_counts(at: np.ndarray, bits: np.ndarray, length: int) -> np.ndarray:
    """For each of ``length`` places and each role, how many rows (placed at ``at``, -1 for none)
    have the role among their ``bits``: one bincount of (place, bits) numbers, then a product with
    which role each of the 64 bit patterns holds."""
    placed = at >= 0
    counts = np.bincount(at[placed] * 64 + bits[placed], minlength=length * 64).reshape(length, 64)
    holds = (np.arange(64)[:, None] >> np.arange(len(ROLES))) & 1
    return counts @ holds


@kernel(cadence.roles_coverage)
def roles_coverage(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`cadence.roles_coverage` from the kept month numbers and role bits: one bincount."""
    axis = _month_axis(wb, f)
    if not len(axis):
        return empty(cadence.ROLES_COVERAGE_COLUMNS).astype({"month": "datetime64[us]"})
    rows = _picked(wb, f, "critiques")
    at = _in_axis(wb, axis, rows)
    counts = _role_counts(at, _roles(wb)[rows], len(axis)).astype(np.int64)
    return _frame({"month": _month_stamps(np.repeat(axis, len(ROLES))), "role": list(ROLES) * len(axis),
                   "critiques": counts.reshape(-1)}, counts.size)


@kernel(cadence.artifact_types)
def artifact_types(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`cadence.artifact_types` by a bincount of the kept type codes."""
    return _frame({"artifact_type": list(ARTIFACT_TYPES),
                   "critiques": _per_quarter(wb, "critiques", "artifact_type", _picked(wb, f, "critiques"),
                                             ARTIFACT_TYPES)}, len(ARTIFACT_TYPES))


@kernel(cadence.peer_roles_share)
def peer_roles_share(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`cadence.peer_roles_share` from the kept role bits, counted per quarter label."""
    quarters, nothing = _scope(wb, f, cadence.peer_roles_share)
    if nothing is not None:
        return nothing
    rows = _picked(wb, f, "critiques")
    full = rows & (_roles(wb) & _PEER_BITS == _PEER_BITS)
    held = _per_quarter(wb, "critiques", "quarter", rows, quarters)
    all_present = _per_quarter(wb, "critiques", "quarter", full, quarters)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(held > 0, all_present / np.maximum(held, 1), np.nan)
    return _frame({"quarter": pd.Index(quarters).array, "critiques": held, "all_present": all_present,
                   "share": share.astype(np.float64)}, len(quarters))


@kernel(cadence.critiques_held_in)
def critiques_held_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """:func:`cadence.critiques_held_in` from the picked mask and the quarter codes."""
    rows = np.flatnonzero(_picked(wb, f.every_quarter, "critiques")
                          & _codes(wb, "critiques", "quarter").where(quarter.__eq__))
    return _listed(wb, "critiques", _in_order(wb, "critiques", rows, "date", "critique_id"),
                   cadence.QUARTER_CRITIQUES_COLUMNS)


# --------------------------------------------------------------------------------------
# The learning network
# --------------------------------------------------------------------------------------


def _up_to(wb: Workbook, column: str, rows: np.ndarray, quarters: list[str]) -> np.ndarray:
    """For each of ``quarters``, how many sources at ``rows`` (a mask) have a ``column`` label that
    is that quarter or earlier (labels compared as text, once per distinct label)."""
    codes = _codes(wb, "sources", column)
    counts = codes.count(rows)
    labels = np.array(codes.values, dtype=object)
    return np.array([int(counts[labels <= quarter].sum()) if len(labels) else 0 for quarter in quarters],
                    dtype=np.int64)


@kernel(network.sources_flow)
def sources_flow(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`network.sources_flow` from bincounts of the kept label codes."""
    quarters, nothing = _scope(wb, f, network.sources_flow)
    if nothing is not None:
        return nothing
    rows = _picked(wb, f.every_quarter, "sources")
    return _frame({"quarter": pd.Index(quarters).array,
                   "added": _per_quarter(wb, "sources", "quarter", rows, quarters),
                   "pruned": _per_quarter(wb, "sources", "pruned_quarter", rows, quarters),
                   "active_at_end": _up_to(wb, "quarter", rows, quarters) - _up_to(wb, "pruned_quarter", rows, quarters)},
                  len(quarters))


def _in_network(wb: Workbook, day: int | np.ndarray, rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """Which sources (every one, or those at ``rows``, positions) are in the network on ``day`` (int64
    microseconds; one for all, or one per source): added by then, not pruned by then."""
    added, pruned = _stamps(wb, "sources", "added_on")[rows], _stamps(wb, "sources", "pruned_on")[rows]
    return (added != _NAT) & (added <= day) & ~((pruned != _NAT) & (pruned <= day))


@kernel(network.source_kinds)
def source_kinds(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`network.source_kinds` by a bincount of the kept kind codes."""
    end = _quarter_days(f.quarters[1], wb.options.fiscal_year_start_month)[1] if f.quarters else _when(f.today())
    counts = _per_quarter(wb, "sources", "kind", _picked(wb, f.every_quarter, "sources") & _in_network(wb, end),
                          SOURCE_KINDS)
    order = np.argsort(-counts, kind="stable")
    return _frame({"kind": pd.Index(np.array(SOURCE_KINDS, dtype=object)[order].tolist()).array,
                   "sources": counts[order]}, len(order))


@kernel(network.dormant_sources)
def dormant_sources(wb: Workbook, f: Filters, days: int = network.DORMANT_DAYS) -> pd.DataFrame:
    """:func:`network.dormant_sources` on the dates as int64 microseconds and the kept id ranks."""
    today = _when(f.today())
    engaged = _stamps(wb, "sources", "last_engaged_on")
    engaged = np.where(engaged == _NAT, _stamps(wb, "sources", "added_on"), engaged)
    since = np.where(engaged == _NAT, 0, (today - engaged) // _DAY_US)
    dormant = np.flatnonzero(_picked(wb, f.every_quarter, "sources") & _in_network(wb, today)
                             & (engaged != _NAT) & (since > days))
    if not len(dormant):
        return empty(network.DORMANT_COLUMNS)
    rows = dormant[_sort(-since[dormant], _arrow(wb, "sources", "source_id").take(pa.array(dormant)))]
    columns: dict[str, Any] = {column: _column(wb, "sources", column, rows) for column in ("source_id", "name", "kind",
                                                                                    "owner", "team")}
    columns["last_engaged_on"] = engaged[rows].view("datetime64[us]")
    columns["days_since"] = since[rows]
    columns["sheet"] = _categorical(wb, "sources", "sheet", rows)
    return _frame(columns, len(rows))


@kernel(network.sources_added_in)
def sources_added_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """:func:`network.sources_added_in` from the picked mask and the quarter codes."""
    rows = np.flatnonzero(_picked(wb, f.every_quarter, "sources") & _codes(wb, "sources", "quarter").where(quarter.__eq__))
    return _listed(wb, "sources", _in_order(wb, "sources", rows, "added_on", "source_id"), network.QUARTER_SOURCES_COLUMNS)


@kernel(network.sources_pruned_in)
def sources_pruned_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """:func:`network.sources_pruned_in` from the picked mask and the dates as int64."""
    rows = np.flatnonzero(_picked(wb, f.every_quarter, "sources") & _dated_in(wb, "sources", "pruned_on", quarter))
    return _listed(wb, "sources", _in_order(wb, "sources", rows, "pruned_on", "source_id"), network.QUARTER_SOURCES_COLUMNS)


# --------------------------------------------------------------------------------------
# Commitments
# --------------------------------------------------------------------------------------


@kernel(commitments.commitments_per_quarter)
def commitments_per_quarter(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`commitments.commitments_per_quarter` from bincounts of the kept label codes."""
    quarters, nothing = _scope(wb, f, commitments.commitments_per_quarter)
    if nothing is not None:
        return nothing
    rows = _picked(wb, f.every_quarter, "commitments")
    shipped_on, due_on = _stamps(wb, "commitments", "shipped_on"), _stamps(wb, "commitments", "due_on")
    on_time = (due_on == _NAT) | ((shipped_on != _NAT) & (shipped_on <= due_on))
    shipped = _per_quarter(wb, "commitments", "shipped_quarter", rows, quarters)
    shipped_on_time = _per_quarter(wb, "commitments", "shipped_quarter", rows & on_time, quarters)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(shipped > 0, shipped_on_time / np.maximum(shipped, 1), np.nan)
    return _frame({"quarter": pd.Index(quarters).array,
                   "committed": _per_quarter(wb, "commitments", "quarter", rows, quarters),
                   "shipped": shipped, "shipped_on_time": shipped_on_time, "on_time_rate": rate}, len(quarters))


_STATES = ("shipped_late", "shipped", "dropped", "overdue", "in_progress", "planned")


def _ledger(wb: Workbook, rows: np.ndarray, today: int) -> dict[str, Any]:
    """The :func:`commitments.commitment_ledger` columns of the commitments at ``rows`` (positions,
    in order), ``state`` as of ``today``."""
    shipped_on, due_on = _stamps(wb, "commitments", "shipped_on")[rows], _stamps(wb, "commitments", "due_on")[rows]
    status = _codes(wb, "commitments", "status")
    has_shipped, has_due = shipped_on != _NAT, due_on != _NAT
    conditions = [has_shipped & has_due & (shipped_on > due_on), has_shipped,
                  status.where("dropped".__eq__)[rows], status.where("shipped".__eq__)[rows],
                  has_due & (due_on < today), status.where("in_progress".__eq__)[rows]]
    state = np.select(conditions, [0, 1, 2, 1, 3, 4], default=5)
    columns: dict[str, Any] = {column: _column(wb, "commitments", column, rows) for column in commitments.LEDGER_COLUMNS[:-2]}
    columns["state"] = _words(state, _STATES)
    columns["sheet"] = _categorical(wb, "commitments", "sheet", rows)
    return columns


@kernel(commitments.commitment_ledger)
def commitment_ledger(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`commitments.commitment_ledger`: the picked commitments taken out of the kept order."""
    order = _ledger_order(wb)
    rows = order[_picked(wb, f, "commitments")[order]]
    if not len(rows):
        return empty(commitments.LEDGER_COLUMNS)
    return _frame(_ledger(wb, rows, _when(f.today())), len(rows))


@kernel(commitments.carried_over)
def carried_over(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """:func:`commitments.carried_over` on the dates as int64 microseconds, labels compared once per
    distinct label, rows taken out of the kept order."""
    end = _quarter_days(quarter, wb.options.fiscal_year_start_month)[1]
    status = _codes(wb, "commitments", "status")
    committed, shipped_on, due_on = (_stamps(wb, "commitments", column) for column in ("committed_on", "shipped_on", "due_on"))
    open_at_end = ((committed != _NAT) & (committed <= end) & ~status.where("dropped".__eq__)
                   & ~((shipped_on != _NAT) & (shipped_on <= end))
                   & ~(status.where("shipped".__eq__) & (shipped_on == _NAT)))
    earlier = _codes(wb, "commitments", "quarter").where(lambda label: label < quarter)
    later = (due_on != _NAT) & (due_on > end)
    crossing = _picked(wb, f.every_quarter, "commitments") & open_at_end & (earlier | later)
    order = _ledger_order(wb)
    rows = order[crossing[order]]
    if not len(rows):
        return empty(commitments.CARRIED_OVER_COLUMNS)
    columns = _ledger(wb, rows, _when(f.today()))
    reasons = np.select([earlier[rows] & later[rows], earlier[rows]], [0, 1], 2)
    columns["reason"] = _words(reasons, ("committed earlier, due later", "committed earlier", "due later"))
    return _frame(columns, len(rows))


@kernel(commitments.shipped_in)
def shipped_in(wb: Workbook, f: Filters, quarter: str) -> pd.DataFrame:
    """:func:`commitments.shipped_in`: the ledger's rows shipped in the quarter, ordered by ship date,
    id and their place in the kept ledger order (one stable sort), built as the ledger builds them."""
    picked = _picked(wb, f.every_quarter, "commitments")
    if not picked.any():
        return empty(commitments.LEDGER_COLUMNS)
    rows = np.flatnonzero(picked & _dated_in(wb, "commitments", "shipped_on", quarter))
    place = np.empty(len(wb.commitments), dtype=np.int64)
    place[_ledger_order(wb)] = np.arange(len(wb.commitments))
    rows = rows[_sort(_stamps(wb, "commitments", "shipped_on")[rows], _arrow(wb, "commitments", "commitment_id").take(pa.array(rows)),
                      place[rows])]
    return _frame(_ledger(wb, rows, _when(f.today())), len(rows))
