"""CSV exports (learnloop/exports.py) and the "Download CSV" button on every page with a table."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from learnloop import exports, metrics
from learnloop.filters import Filters
from learnloop.sources import files
from learnloop.validate import validate_workbook
from tests.fixtures.messy import MESSY_TABS
from tests.fixtures.small import AS_OF, raw_tabs

APP = str(Path(__file__).resolve().parent.parent / "app.py")
BOM = b"\xef\xbb\xbf"


def rows(data: bytes) -> list[list[str]]:
    assert data.startswith(BOM)
    return list(csv.reader(io.StringIO(data[len(BOM):].decode("utf-8"), newline="")))


def test_text_that_starts_like_a_formula_is_neutralised():
    frame = pd.DataFrame({"text": ["=1+1", "+33 6 12", "-2 weeks", "@SUM(A1)", "\tx", "\rx", "plain", "a=b", None]})
    assert [row[0] for row in rows(exports.to_csv(frame))] == [
        "text", "'=1+1", "'+33 6 12", "'-2 weeks", "'@SUM(A1)", "'\tx", "'\rx", "plain", "a=b", ""]


def test_numbers_dates_and_lists_are_written_as_values():
    frame = pd.DataFrame({
        "count": pd.array([-3, 4, None], dtype="Int64"),
        "share": [0.5, -0.25, float("nan")],
        "done": [True, False, True],
        "day": [pd.Timestamp("2026-07-01"), pd.NaT, pd.Timestamp("2026-07-02 13:30")],
        "date": [dt.date(2026, 7, 1), None, dt.date(2026, 1, 2)],
        "roles": [["PM", "Eng"], [], None],
        "name": ["Zoë", "Łukasz", "李"],
    })
    assert rows(exports.to_csv(frame)) == [
        ["count", "share", "done", "day", "date", "roles", "name"],
        ["-3", "0.5", "True", "2026-07-01", "2026-07-01", "PM, Eng", "Zoë"],
        ["4", "-0.25", "False", "", "", "", "Łukasz"],
        ["", "", "True", "2026-07-02T13:30:00", "2026-01-02", "", "李"],
    ]


def test_utf8_with_bom_and_excel_line_endings_and_a_round_trip():
    frame = pd.DataFrame({"name": ["Zoë, \"the\" PM", "line\nbreak"], "n": [1, 2]})
    data = exports.to_csv(frame)
    assert data.startswith(BOM) and b"\r\n" in data
    back = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    assert back["name"].tolist() == ["Zoë, \"the\" PM", "line\nbreak"]
    assert back["n"].tolist() == [1, 2]


def test_an_empty_table_still_has_its_header():
    assert rows(exports.to_csv(pd.DataFrame(columns=["a", "-b"]))) == [["a", "'-b"]]


def test_a_formula_typed_in_the_sheet_is_inert_in_every_exported_table():
    tabs = raw_tabs()
    tabs["decisions"][3][3] = '=HYPERLINK("https://evil.example","open")'   # D-3's summary
    tabs["sources"][7][1] = "@SUM(1+1)*cmd|' /C calc'!A0"                    # S-7's name (dormant)
    wb = validate_workbook(tabs, source="hostile")
    f = Filters(as_of=AS_OF)
    log = exports.to_csv(metrics.decision_log(wb, f)).decode("utf-8-sig")
    assert "'=HYPERLINK(" in log and ",=HYPERLINK" not in log
    dormant = exports.to_csv(metrics.dormant_sources(wb, f)).decode("utf-8-sig")
    assert "'@SUM(1+1)" in dormant and ",@SUM" not in dormant


@pytest.mark.parametrize(("page", "keys"), [
    ("pages/themes.py", ["download-themes"]),
    ("pages/learning_network.py", ["download-prune-candidates"]),
    ("pages/commitments.py", ["download-commitments-ledger"]),
    ("pages/impact.py", ["download-decision-log", "download-reversals"]),
    ("pages/data_health.py", ["download-data-health-issues"]),
])
def test_every_page_with_a_table_offers_it_as_csv(tmp_path, monkeypatch, page, keys):
    source = "demo" if page != "pages/data_health.py" else str(files.write_xlsx(MESSY_TABS, tmp_path / "m.xlsx"))
    monkeypatch.setenv("LEARNLOOP_SOURCE", source)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    found = {button.key for button in at.get("download_button")}
    assert set(keys) <= found, found
    assert all(button.proto.label == "Download CSV" for button in at.get("download_button"))
