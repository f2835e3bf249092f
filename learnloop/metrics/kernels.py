"""Kernels: faster ways to the same answers, where a profile showed a definition miss its budget.

Each kernel stands in for one plain definition (registered with :func:`~.cache.kernel`), takes the
same arguments and gives the same answer: ``tests/test_kernels.py`` runs both on generated workbooks,
merged roll-ups included, with every filter, and requires equal answers. ``make bench`` reports the
definitions' own times beside the kernels' (benchmarks/README.md says what each buys). Read the
definition to know what a number means; read a kernel only to know why it is fast.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from learnloop.metrics import impact
from learnloop.metrics.cache import kernel
from learnloop.metrics.selection import select

if TYPE_CHECKING:
    from learnloop.filters import Filters
    from learnloop.workbook import Workbook


def _text(values: pd.Series) -> pa.Array:
    """A column as one Arrow large-string array (blanks null)."""
    array = pa.array(values.astype("string").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array.cast(pa.large_string())


def _flatten(cells: pd.Series) -> tuple[np.ndarray, list[str]]:
    """The items of a column of tuples: for each item, the position of its cell, and the items."""
    lengths = np.fromiter(map(len, cells), dtype=np.int64, count=len(cells))
    return np.repeat(np.arange(len(cells)), lengths), list(itertools.chain.from_iterable(cells))


def _rows_of(table: pd.DataFrame, id_column: str, sheets: np.ndarray, ids: list[str]) -> np.ndarray:
    """For each (sheet code, id), the position in ``table`` of the first row of that sheet with that id
    (-1 when there is none): Arrow's hash lookup, one pass per sheet."""
    found = np.full(len(ids), -1, dtype=np.int64)
    if not len(ids) or table.empty:
        return found
    wanted = pa.array(ids, pa.large_string())
    table_sheets = table["sheet"].cat.codes.to_numpy()
    table_ids = _text(table[id_column])
    for sheet in np.unique(sheets):
        rows = np.flatnonzero(table_sheets == sheet)
        if not len(rows):
            continue
        asked = np.flatnonzero(sheets == sheet)
        at = pc.index_in(wanted.take(pa.array(asked)), value_set=table_ids.take(pa.array(rows)))
        at = pc.fill_null(at, -1).to_numpy(zero_copy_only=False)
        found[asked] = np.where(at >= 0, rows[np.maximum(at, 0)], -1)
    return found


@kernel(impact.citations)
def citations(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.citations` with the cells flattened in one pass and each id found by Arrow's hash
    lookup within its sheet, instead of an explode and a merge per kind."""
    decisions = select(wb, f).decisions
    sheets = decisions["sheet"].cat.codes.to_numpy()
    parts = []
    for kind, table, id_column, learned, name in (("source", wb.sources, "source_id", "added_on", "name"),
                                                  ("critique", wb.critiques, "critique_id", "date", "artifact")):
        at, ids = _flatten(decisions[f"{kind}_ids"])
        rows = _rows_of(table, id_column, sheets[at], ids)
        part = decisions.iloc[at][["sheet", "decision_id", "date", "quarter", "category", "theme_id"]]
        part = part.rename(columns={"date": "decided_on"}).reset_index(drop=True)
        missing = rows < 0
        taken = np.maximum(rows, 0)

        def cited(column: str, rows_: np.ndarray = taken, missing_: np.ndarray = missing,
                  table_: pd.DataFrame = table) -> pd.Series:
            values = table_[column].take(rows_).reset_index(drop=True) if len(table_) else \
                pd.Series([None] * len(rows_), dtype=table_[column].dtype)
            return values.mask(missing_) if missing_.any() else values

        part["kind"] = kind
        part["id"] = pd.array(ids, dtype="string")
        part["learned_on"] = cited(learned).astype("datetime64[us]")
        part["source_kind"] = cited("kind") if kind == "source" else pd.Series(pd.NA, index=part.index, dtype="string")
        part["name"] = cited(name)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[impact.CITATION_COLUMNS]


@kernel(impact.cited_names)
def cited_names(wb: Workbook, f: Filters) -> pd.DataFrame:
    """:func:`impact.cited_names` joining each decision's names with Arrow's ``binary_join`` over the
    runs of its citations (one run per decision, in order), instead of a Python join per group."""
    cited = impact.citations(wb, f)
    by_kind = []
    for kind, column in (("source", "learned_from"), ("critique", "learned_with")):
        part = cited[cited["kind"].eq(kind).to_numpy(dtype=bool)]
        if part.empty:
            by_kind.append(pd.DataFrame({"sheet": part["sheet"], "decision_id": part["decision_id"],
                                         column: pd.Series(dtype="string")}))
            continue
        sheet, decision = part["sheet"].cat.codes.to_numpy(), part["decision_id"].to_numpy(dtype=object)
        starts = np.flatnonzero(np.r_[True, (sheet[1:] != sheet[:-1]) | (decision[1:] != decision[:-1])])
        names = _text(part["name"].fillna(part["id"]))
        lists = pa.LargeListArray.from_arrays(pa.array(np.r_[starts, len(part)], pa.int64()), names)
        joined = pc.binary_join(lists, pa.scalar(", ", pa.large_string()))
        by_kind.append(pd.DataFrame({"sheet": part["sheet"].iloc[starts].array,
                                     "decision_id": part["decision_id"].iloc[starts].array,
                                     column: pd.array(joined, dtype="string")}))
    names = by_kind[0].merge(by_kind[1], on=["sheet", "decision_id"], how="outer", sort=False)
    names = names.astype({"sheet": cited["sheet"].dtype}).sort_values(["sheet", "decision_id"], kind="stable")
    return names.reset_index(drop=True)[["sheet", "decision_id", "learned_from", "learned_with"]]
