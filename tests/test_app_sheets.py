"""The app on a Google Sheet (Streamlit's AppTest, the real gspread client, the local stand-in).

The app reads the sheet; when Google fails it keeps showing the last good data with a banner
that names the problem; when Google heals the next refresh reads again. The Add entry page
refuses invalid entries field by field and appends valid ones to the sheet.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from learnloop import ui
from tests.fixtures.small import raw_tabs
from tests.sheets_standin import SheetsStandin

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
# The page file on its own: a click on a page reached through app.py is lost in AppTest, because
# AppTest resets Streamlit's "pages directory" flag on every run and ui.workbook() then reruns.
ADD_ENTRY = str(ROOT / "pages" / "add_entry.py")
TITLE = "Checkout team playbook"


def clear_caches() -> None:
    ui._load.clear()
    ui._reader.clear()
    ui._last_good.clear()


@pytest.fixture
def sid(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> str:
    tabs = raw_tabs()
    tabs["themes"].append(["T-X", "sometime", "A theme with an unreadable quarter", "Ana", "Alpha", None, "active"])
    key = sheets_standin.add_spreadsheet(tabs, title=TITLE)
    sheets_standin.share(key, standin_service_account["client_email"], "writer")
    return key


@pytest.fixture(autouse=True)
def on_the_standin(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], sid: str,
                   tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("LEARNLOOP_SOURCE", "LEARNLOOP_API_KEY", "LEARNLOOP_REFRESH_SECONDS", "LEARNLOOP_DAY_FIRST",
                 "LEARNLOOP_FISCAL_YEAR_START_MONTH"):
        monkeypatch.delenv(name, raising=False)
    key_file = tmp_path / "service-account.json"
    key_file.write_text(json.dumps(standin_service_account), encoding="utf-8")
    monkeypatch.setenv("LEARNLOOP_SHEET", sid)
    monkeypatch.setenv("LEARNLOOP_SHEETS_API_URL", sheets_standin.base_url)
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    monkeypatch.setenv("LEARNLOOP_RETRY_SECONDS", "1")
    monkeypatch.setenv("LEARNLOOP_HTTP_TIMEOUT", "1")
    clear_caches()
    yield
    clear_caches()


def open_entry_page() -> AppTest:
    at = AppTest.from_file(ADD_ENTRY, default_timeout=60)
    at.run()
    return at


def open_page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page(page).run()
    return at


def sidebar_text(at: AppTest) -> str:
    return " ".join(str(caption.value) for caption in at.sidebar.caption)


def shown_issues(at: AppTest) -> pd.DataFrame:
    frames = [frame.value for frame in at.dataframe if "message" in getattr(frame.value, "columns", [])]
    assert frames, "the Data health page lists the cells to fix"
    return frames[0]


def bad_quarter_listed(at: AppTest) -> bool:
    issues = shown_issues(at)
    return bool(((issues["tab"] == "themes") & (issues["column"] == "quarter")
                 & (issues["value"] == "sometime")).any())


def test_the_app_keeps_the_last_good_data_while_google_fails_and_reads_again_when_it_heals(
    sheets_standin: SheetsStandin, sid: str,
) -> None:
    at = open_page("pages/data_health.py")
    assert not at.exception
    assert TITLE in sidebar_text(at)
    assert not at.warning or all("failed" not in str(w.value) for w in at.warning)
    assert bad_quarter_listed(at)
    reads = sheets_standin.counts["batch_get"]
    assert reads >= 1

    # Google starts failing, and the refresh window passes.
    sheets_standin.inject("500", times=None)
    ui._load.clear()
    at.run()
    assert not at.exception
    banners = [str(w.value) for w in at.warning if "failed" in str(w.value)]
    assert banners, [str(w.value) for w in at.warning]
    for banner in banners:
        assert "(500)" in banner and "Next try" in banner and "Showing data as of" in banner
    assert TITLE in sidebar_text(at), "the last good workbook is still shown"
    assert bad_quarter_listed(at)
    assert sheets_standin.counts["batch_get"] > reads, "the app did try to read the sheet again"

    # Google heals and someone fixes the cell; a refresh (what "Refresh now" does) reads the sheet again.
    sheets_standin.clear_faults()
    sheets_standin.set_cell(sid, "themes", len(raw_tabs()["themes"]), 1, "2026-Q3")
    failed_reads = sheets_standin.counts["batch_get"]
    assert any("Refresh" in str(button.label) for button in at.sidebar.button)
    ui.refresh()
    at.run()
    assert not at.exception
    assert not [w for w in at.warning if "failed" in str(w.value)]
    assert sheets_standin.counts["batch_get"] > failed_reads
    assert not [frame for frame in at.dataframe if "message" in getattr(frame.value, "columns", [])] \
        or not bad_quarter_listed(at), "the fixed cell is read"


def test_a_sheet_the_app_may_not_read_shows_what_to_do(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], sid: str,
) -> None:
    sheets_standin.unshare(sid, standin_service_account["client_email"])
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert "cannot read" in errors
    assert standin_service_account["client_email"] in errors and "Viewer" in errors
    assert sheets_standin.counts["metadata"] == 1, "a refusal is not retried"


# -------------------------------------------------------------------------------- Add entry ---


def submit(at: AppTest, label: str) -> None:
    button = next(b for b in at.button if str(b.label).startswith(label))
    button.click().run()


def test_an_invalid_entry_shows_field_messages_and_nothing_is_appended(sheets_standin: SheetsStandin,
                                                                       sid: str) -> None:
    before = sheets_standin.values(sid, "critiques")
    at = open_entry_page()
    assert not at.exception
    at.selectbox(key="add-critiques-presenter").select("Ana")  # date, artifact type and artifact left blank
    submit(at, "Add critique")
    assert not at.exception
    errors = " ".join(str(e.value) for e in at.error)
    assert "Nothing was written" in errors
    assert "Artifact type is required" in errors and "Artifact is required" in errors and "Date is required" in errors
    assert sheets_standin.counts["batch_update"] == 0
    assert sheets_standin.values(sid, "critiques") == before
    assert not at.success


def test_a_valid_critique_is_appended_to_the_sheet(sheets_standin: SheetsStandin, sid: str) -> None:
    at = open_entry_page()
    at.date_input(key="add-critiques-date").set_value(dt.date(2026, 3, 2))
    at.selectbox(key="add-critiques-artifact_type").select("experiment")
    at.text_input(key="add-critiques-artifact").input("=HYPERLINK(\"https://example.com\") pricing test")
    at.selectbox(key="add-critiques-theme_id").select("T-A1")
    at.multiselect(key="add-critiques-roles").select("PM").select("Eng")
    submit(at, "Add critique")
    assert not at.exception
    assert not at.error, [str(e.value) for e in at.error]
    header, *rows = sheets_standin.values(sid, "critiques")
    success = " ".join(str(s.value) for s in at.success)
    assert f"Added C-11 on row {len(rows) + 1} of critiques in {TITLE}." in success
    gid = sheets_standin.spreadsheet(sid).find_tab("critiques").sheet_id  # type: ignore[union-attr]
    assert f"(https://docs.google.com/spreadsheets/d/{sid}/edit#gid={gid}&range=A{len(rows) + 1})" in success

    assert [a.applied for a in sheets_standin.batch_updates] == [True]
    last = dict(zip(header, rows[-1], strict=False))
    assert last["artifact"] == "=HYPERLINK(\"https://example.com\") pricing test"
    assert (last["critique_id"], last["date"]) == ("C-11", dt.date(2026, 3, 2))
    assert (last["artifact_type"], last["theme_id"], last["roles"]) == ("experiment", "T-A1", "PM, Eng")
    assert len(rows) == len(raw_tabs()["critiques"])  # one more than the data rows before


def test_with_an_api_key_the_form_is_replaced_by_what_to_do(sheets_standin: SheetsStandin, sid: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    sheets_standin.set_public(sid)
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS")
    monkeypatch.setenv("LEARNLOOP_API_KEY", sheets_standin.add_api_key())
    clear_caches()
    at = open_entry_page()
    assert not at.exception
    assert not at.get("form")
    shown = " ".join(str(info.value) for info in at.info)
    assert "An API key can only read: share the sheet with a service account as Editor" in shown
    assert sheets_standin.counts["batch_update"] == 0


def test_the_failure_banner_is_shown_once(sheets_standin: SheetsStandin) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    sheets_standin.inject("500", times=None)
    ui._load.clear()
    at.run()
    assert not at.exception
    assert len([w for w in at.warning if "failed" in str(w.value)]) == 1
