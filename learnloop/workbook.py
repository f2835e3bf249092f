"""The loaded workbook: validated tables, the rows left out, and every issue found on the way."""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from data_schemas import TABS, ParseOptions

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Issue:
    """One thing a sheet editor can fix: where it is, what was typed and what to type instead.

    ``row`` is the row number the editor sees in the sheet (the header row is 1); it is None
    for problems with a whole tab or column.
    """

    tab: str
    row: int | None
    column: str | None
    value: str | None
    severity: Severity
    message: str
    sheet: str | None = None
    #: The cell in A1 notation (``C7``), when the issue is about one cell.
    cell: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


T = TypeVar("T")


class Derived:
    """What the metrics work out from a workbook's tables, kept with the workbook.

    A loaded workbook never changes, so anything computed from it (a filtered tab, the decisions'
    citations, a metric's answer for a filter set) stays true for as long as the workbook is served.
    The loader keeps one workbook for every session until the next refresh; keeping its derived data
    on it means each filter set is worked out once per refresh, not once per chart per click. The
    least recently used entries go first once there are :attr:`MAX_ENTRIES` or their tables hold
    more than :attr:`MAX_BYTES`, so clicking through many filter sets of a sheet near Google's size
    limit stays bounded.
    """

    MAX_ENTRIES = 512
    MAX_BYTES = 768 * 2**20

    def __init__(self) -> None:
        self._values: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The value for ``key``, from ``compute()`` the first time it is asked for."""
        with self._lock:
            if key in self._values:
                self._values.move_to_end(key)
                return self._values[key][0]
        # Computed outside the lock: two sessions asking at once both compute, and both get the same answer.
        value = compute()
        size = _table_bytes(value)
        with self._lock:
            if key in self._values:
                self._bytes -= self._values.pop(key)[1]
            self._values[key] = (value, size)
            self._bytes += size
            # The newest entry always stays, however large.
            while len(self._values) > 1 and (len(self._values) > self.MAX_ENTRIES or self._bytes > self.MAX_BYTES):
                self._bytes -= self._values.popitem(last=False)[1][1]
        return value

    def __len__(self) -> int:
        return len(self._values)

    @property
    def bytes(self) -> int:
        """What the kept tables hold, roughly (their columns' buffers)."""
        return self._bytes

    def __reduce__(self) -> tuple[type[Derived], tuple[()]]:
        # A copy of a workbook starts with nothing derived (the lock cannot be pickled, and the data is cheap to redo).
        return (Derived, ())


def _table_bytes(value: object) -> int:
    """The memory held by the frames and arrays in ``value`` (tuples, lists and dicts looked into)."""
    if isinstance(value, pd.DataFrame):
        # The column arrays' own sizes: memory_usage builds a Series per call, a cost paid on every
        # entry kept; pandas' block manager lists the arrays directly (the public way when it cannot).
        arrays = getattr(getattr(value, "_mgr", None), "arrays", None)
        if arrays is None:
            return int(value.memory_usage(index=False, deep=False).sum())
        return sum(int(array.nbytes) for array in arrays)
    if isinstance(value, (pd.Series, pd.Index)):
        return int(value.memory_usage(deep=False))
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, (tuple, list)):
        # A list of labels (the sidebar's names) is small next to any table: not worth a look per item.
        if value and isinstance(value[0], (str, int, float)):
            return 0
        return sum(_table_bytes(item) for item in value)
    return 0


@dataclass(frozen=True, eq=False)
class Reference:
    """Where one reference column's ids point, as the loader's reference check found them.

    One entry per id, in sheet order: ``rows``, the position of the row the id is in; ``targets``,
    the position in ``target_tab`` of the first row with that id (ids no row has were dropped by
    the loader, so every entry has one); ``items``, the ids themselves for a list column (one cell
    may name several), None for a one-id column, whose ids are its cells. It holds for the frames
    ``table`` and ``target`` only: see :meth:`Workbook.reference`.
    """

    target_tab: str
    table: pd.DataFrame
    target: pd.DataFrame
    rows: np.ndarray
    targets: np.ndarray
    items: pa.Array | None = None

    def per_row(self) -> np.ndarray:
        """For each row of ``table``, the position in ``target_tab`` of the row its id names (-1 when
        it names none): a one-id column's ids placed row by row."""
        placed = np.full(len(self.table), -1, dtype="int64")
        placed[self.rows] = self.targets
        return placed


ISSUE_COLUMNS = ["sheet", "tab", "row", "column", "value", "severity", "message", "cell"]


@dataclass(frozen=True)
class Workbook:
    """Validated frames per tab (index = sheet row number), quarantined rows and issues."""

    source: str
    tables: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    issues: tuple[Issue, ...]
    options: ParseOptions = ParseOptions()
    #: The tab title each canonical tab was read from, or None when the tab is missing.
    tab_titles: dict[str, str | None] = field(default_factory=dict)
    #: Columns present in the sheet but not part of the contract, per tab.
    ignored_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: (sheet title or None, tab) -> link that opens the tab in Google Sheets; empty for files.
    tab_links: dict[tuple[str | None, str], str] = field(default_factory=dict)
    loaded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    #: (tab, column) -> where the loader found that reference column's ids (see :meth:`reference`).
    references: dict[tuple[str, str], Reference] = field(default_factory=dict, repr=False, compare=False)
    #: Data the metrics derive from the tables, worked out once (see :class:`Derived`).
    derived: Derived = field(default_factory=Derived, init=False, repr=False, compare=False)

    @property
    def themes(self) -> pd.DataFrame:
        return self.tables["themes"]

    @property
    def sources(self) -> pd.DataFrame:
        return self.tables["sources"]

    @property
    def critiques(self) -> pd.DataFrame:
        return self.tables["critiques"]

    @property
    def commitments(self) -> pd.DataFrame:
        return self.tables["commitments"]

    @property
    def decisions(self) -> pd.DataFrame:
        return self.tables["decisions"]

    def reference(self, tab: str, column: str) -> Reference | None:
        """Where ``tab``'s reference column ``column`` points, as the loader's check found it; None when
        it was not checked, or when the tables are no longer the ones checked (a filtered or merged copy)."""
        found = self.references.get((tab, column))
        if found is None or found.table is not self.tables.get(tab) or found.target is not self.tables.get(found.target_tab):
            return None
        return found

    def issues_frame(self) -> pd.DataFrame:
        """The issues as a table, errors first, then by tab and row."""
        return self.derived.get("issues_frame", self._issues_frame).copy(deep=False)

    def _issues_frame(self) -> pd.DataFrame:
        severity_rank = {severity: rank for rank, severity in enumerate(SEVERITIES)}
        tab_rank = {tab: rank for rank, tab in enumerate(TABS)}
        # Python's sort is stable, as sort_values(kind="stable") is: equal keys keep the order found.
        issues = sorted(self.issues, key=lambda issue: (severity_rank.get(issue.severity, len(SEVERITIES)),
                                                        tab_rank.get(issue.tab, len(TABS)), issue.row or 0))
        frame = pd.DataFrame([[getattr(issue, column) for column in ISSUE_COLUMNS] for issue in issues],
                             columns=ISSUE_COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def count(self, severity: Severity, tab: str | None = None) -> int:
        return sum(1 for i in self.issues if i.severity == severity and (tab is None or i.tab == tab))

    @property
    def has_errors(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)

    def summary(self) -> dict[str, dict[str, int]]:
        """Rows kept and quarantined per tab, for every tab of the contract."""
        return {
            tab: {"rows": len(self.tables[tab]), "quarantined": len(self.quarantined[tab])}
            for tab in TABS
        }
