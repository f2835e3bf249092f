"""A column scanned for blanks hands its parser text already trimmed, and that is never taken for
other text: the scanned column reads exactly as the raw cells do, and what is remembered goes with it."""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from data_schemas import parsers

CELLS = ["  Pricing ", "Onboarding", None, "   ", "", "\tJTBD\n", "#REF!", " Maya  Chen ", "Pricing"]


def raw_text(cells: list[object]) -> list[object]:
    """What text() reads from the cells as Python objects (no Arrow column, nothing remembered)."""
    return parsers.text(pd.Series(cells, dtype="object")).astype(object).where(lambda s: s.notna(), None).tolist()


@pytest.mark.parametrize("blank_rows", [None, [False, True, False, False, True, False, False, False, False]])
def test_a_scanned_column_reads_as_the_raw_cells(blank_rows: list[bool] | None) -> None:
    cells = parsers.Cells(np.array(CELLS, dtype=object))
    cells.scan()
    assert cells.blank.tolist() == [False, False, True, True, True, False, False, False, False]
    expected = raw_text(CELLS)
    if blank_rows is not None:  # the rows a validator keeps once blank rows are dropped
        keep = ~np.array(blank_rows)
        cells = cells.subset(keep)
        expected = [value for value, kept in zip(expected, keep, strict=True) if kept]
    shown = cells.as_text(pd.RangeIndex(len(expected)))
    assert shown.astype(object).where(shown.notna(), None).tolist() == expected
    # A parser reading it through text() gets the same again.
    again = parsers.text(shown)
    assert again.astype(object).where(again.notna(), None).tolist() == expected


def test_text_with_error_cells_blanked_reads_as_the_raw_cells_with_them_blank() -> None:
    cells = parsers.Cells(np.array(CELLS, dtype=object))
    cells.scan()
    errors = np.array([value == "#REF!" for value in CELLS])
    shown = cells.as_text(pd.RangeIndex(len(CELLS)), blank=errors)
    expected = [None if error else value for value, error in zip(raw_text(CELLS), errors, strict=True)]
    assert shown.astype(object).where(shown.notna(), None).tolist() == expected


def test_untrimmed_text_is_trimmed_even_beside_remembered_text() -> None:
    trimmed = parsers._trimmed(pa.array(["a", " b "], type=pa.large_string()))
    assert trimmed.to_pylist() == ["a", "b"]
    untrimmed = pa.array([" a", "b "], type=pa.large_string())
    assert parsers._trimmed(untrimmed).to_pylist() == ["a", "b"]
    # Part of remembered text is another view of it: worked out again, the same answer.
    assert parsers._trimmed(trimmed.slice(1)).to_pylist() == ["b"]


def test_what_is_remembered_goes_with_its_array() -> None:
    before = len(parsers._TRIMMED)
    array = parsers.trimmed_text(pa.array(["x", None], type=pa.large_string()))
    assert parsers._is_trimmed(array)
    assert len(parsers._TRIMMED) == before + 1
    del array
    gc.collect()
    assert len(parsers._TRIMMED) == before
