"""The Arrow table helpers give the answers pandas' own operations give, blanks and all."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from learnloop import frames

WORDS = ["", "Ana", "ana", "Bea", "Çelik", "Zoë", "2026-Q1", "2025-Q4", "S-001", "S-010", "S-2"]


def text_column(values: list[str | None]) -> pd.Series:
    return pd.Series(values, dtype="string")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([*WORDS, None]), st.one_of(st.none(), st.integers(-3, 3)),
                          st.one_of(st.none(), st.dates())), max_size=40),
       st.lists(st.booleans(), min_size=3, max_size=3))
def test_sort_rows_orders_rows_as_a_stable_sort_values_does(rows, ascending):
    frame = pd.DataFrame({
        "name": text_column([row[0] for row in rows]),
        "count": pd.array([row[1] for row in rows], dtype="Int64"),
        "day": pd.to_datetime(pd.Series([row[2] for row in rows], dtype="object")),
    }, index=np.arange(len(rows)) * 7 + 2)
    expected = frame.sort_values(["name", "count", "day"], ascending=ascending, kind="stable", na_position="last")
    got = frames.sort_rows(frame, ["name", "count", "day"], ascending=ascending)
    assert got.index.tolist() == expected.index.tolist()


def test_lookup_takes_the_first_match_and_leaves_unknown_and_blank_keys_missing():
    table = pd.DataFrame({"id": text_column(["S-1", "S-2", "S-1", None]), "name": ["first", "second", "again", "blank"]})
    keys = text_column(["S-1", "S-9", None, "S-2"])
    found = frames.lookup(keys, table, "id", "name")
    assert found.iloc[0] == "first" and found.iloc[3] == "second"
    assert pd.isna(found.iloc[1]) and pd.isna(found.iloc[2])
    assert frames.positions(keys, table, "id").tolist() == [0, -1, -1, 1]


def test_membership_and_counts_compare_as_text_and_skip_blanks():
    values = pd.Series(["2026-Q1", None, "2026-Q2", "2026-Q1", 7], dtype="object")
    assert frames.isin(values, ["2026-Q1", "7"]).tolist() == [True, False, False, True, True]
    assert frames.counts(values, ["2026-Q1", "2026-Q3", "7"]).tolist() == [2, 0, 1]
    assert frames.counts(values.iloc[:0], ["2026-Q1"]).tolist() == [0]
