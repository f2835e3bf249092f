"""How a batchGet body becomes tabs: ranges found in the body, each parsed on its own."""

from __future__ import annotations

import json

import orjson
import pytest

from learnloop.sources import sheets


def body(ranges: list[list[list[object]]], *, indent: int | None = None, extra: str = "") -> bytes:
    value_ranges = [{"range": f"'tab {i}'!A1:C{len(values)}", "majorDimension": "ROWS", "values": values}
                    for i, values in enumerate(ranges)]
    text = json.dumps({"spreadsheetId": "x", "valueRanges": value_ranges}, indent=indent)
    if extra:  # an object after the last range, which no batchGet of these ranges has
        text = text[:text.rindex("]")] + ", " + extra + text[text.rindex("]"):]
    return text.encode()


RANGES = [
    [["id", "note"], ["T-1", 'a cell with {"range": 1} in it'], ["T-2", "\\\"range\\\": x"]],
    [["id"], ["S-1"]],
    [],
]


@pytest.mark.parametrize("indent", [None, 2])
def test_each_range_is_found_and_parses_on_its_own(indent: int | None) -> None:
    data = body(RANGES, indent=indent)
    spans = sheets._range_spans(data, len(RANGES))
    assert spans is not None
    assert [orjson.loads(data[start:end])["values"] for start, end in spans] == RANGES


def test_fewer_ranges_than_asked_for_reads_the_body_whole() -> None:
    assert sheets._range_spans(body(RANGES[:2]), 3) is None


def test_anything_after_the_last_range_fails_that_range_on_its_own() -> None:
    data = body(RANGES, extra='{"range": "other", "values": [["x"]]}')
    spans = sheets._range_spans(data, len(RANGES))
    assert spans is not None  # the search stops at the last range it was asked for...
    start, end = spans[-1]
    with pytest.raises(orjson.JSONDecodeError):  # ...and what follows it makes that span unreadable alone
        orjson.loads(data[start:end])
