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
    # Some of the rows only, given last first: ordered as sorting just those rows orders them.
    some = np.arange(len(rows))[::-2]
    order = frames.sort_order(frame, ["name", "count", "day"], ascending=ascending, rows=some)
    chosen = frame.iloc[some].sort_values(["name", "count", "day"], ascending=ascending, kind="stable",
                                          na_position="last")
    assert frame.index[some[order]].tolist() == chosen.index.tolist()


def test_a_lookup_takes_the_first_match_and_leaves_unknown_and_blank_keys_missing():
    table = pd.DataFrame({"id": text_column(["S-1", "S-2", "S-1", None]), "name": ["first", "second", "again", "blank"]})
    keys = text_column(["S-1", "S-9", None, "S-2"])
    found = pd.Series(frames.take(table, "name", frames.positions(keys, table, "id")))
    assert found.iloc[0] == "first" and found.iloc[3] == "second"
    assert pd.isna(found.iloc[1]) and pd.isna(found.iloc[2])
    assert frames.positions(keys, table, "id").tolist() == [0, -1, -1, 1]


def test_membership_and_positions_compare_as_text_and_skip_blanks():
    values = pd.Series(["2026-Q1", None, "2026-Q2", "2026-Q1", 7], dtype="object")
    assert frames.isin(values, ["2026-Q1", "7"]).tolist() == [True, False, False, True, True]
    def counts(labels, index):
        where = frames.index_of(labels, index)
        return np.bincount(where[where >= 0], minlength=len(index))

    assert counts(values, ["2026-Q1", "2026-Q3", "7"]).tolist() == [2, 0, 1]
    assert counts(values.iloc[:0], ["2026-Q1"]).tolist() == [0]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*WORDS, None]), max_size=40))
def test_encode_gives_the_codes_and_distinct_values_factorize_gives(values):
    column = text_column(values)
    codes, distinct = frames.encode(column)
    expected_codes, expected_distinct = pd.factorize(column)
    assert codes.tolist() == expected_codes.tolist()
    assert distinct == list(expected_distinct)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([*WORDS, None]), min_size=1, max_size=30), st.data())
def test_pick_is_the_rows_and_columns_pandas_selects(values, data):
    frame = pd.DataFrame({"name": text_column(values), "n": np.arange(len(values)),
                          "day": pd.Timestamp("2026-01-01") + pd.to_timedelta(np.arange(len(values)), "D")},
                         index=np.arange(len(values)) * 3 + 2)
    rows = np.array(data.draw(st.lists(st.integers(0, len(values) - 1), max_size=20)), dtype="int64")
    pd.testing.assert_frame_equal(frames.pick(frame, rows, ["day", "name"]), frame[["day", "name"]].iloc[rows])
