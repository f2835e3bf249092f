"""Google Sheets misbehaving: every fault is retried within bounds, then read or explained.

Each test drives the real gspread client against the stand-in with faults injected. The loader
either succeeds or raises a :class:`SourceError` whose message says what happened and what to
do; nothing else escapes, and the number of requests shows the retries are bounded.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import pytest

from data_schemas import TABS
from learnloop import load
from learnloop.errors import SourceError
from learnloop.sources import sheets
from learnloop.workbook import Workbook
from tests.fixtures.messy import MESSY_TABS
from tests.sheet_access import TIMEOUT, sheet_reader
from tests.sheets_standin import SheetsStandin

ATTEMPTS = 4
FAST = sheets.RetryPolicy(max_seconds=3, max_attempts=ATTEMPTS, first_wait=0.01, max_wait=0.2)
# Hangs cost a timeout per try: a shorter budget keeps those tests quick.
HANG_BUDGET = sheets.RetryPolicy(max_seconds=2, max_attempts=ATTEMPTS, first_wait=0.01, max_wait=0.2)
# Two tabs of the messy workbook (the others are missing-tab issues): validating all five costs ~1 s a read.
TWO_TABS = {"Themes": MESSY_TABS["Themes"], "PLN": MESSY_TABS["PLN"]}


def make_reader(standin: SheetsStandin, account: dict[str, str], policy: sheets.RetryPolicy = FAST,
                ) -> sheets.SheetReader:
    return sheet_reader(standin, account, policy=policy)


@pytest.fixture
def reader(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> sheets.SheetReader:
    return make_reader(sheets_standin, standin_service_account)


@pytest.fixture
def sid(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> str:
    key = sheets_standin.add_spreadsheet(TWO_TABS, title="Team playbook")
    sheets_standin.share(key, standin_service_account["client_email"], "reader")
    return key


@pytest.fixture
def warm(sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str) -> Workbook:
    """A first good read (metadata cached); request counts start from zero after it."""
    wb = load.workbook(sid, reader=reader)
    sheets_standin.reset_counts()
    return wb


def count(standin: SheetsStandin, endpoint: str) -> int:
    return standin.counts[endpoint]


def load_fails(sid: str, reader: sheets.SheetReader) -> sheets.SheetError:
    """Load, expecting a SourceError (and nothing else); returns it."""
    try:
        load.workbook(sid, reader=reader)
    except SourceError as exc:
        assert isinstance(exc, sheets.SheetError)
        assert exc.__cause__ is None and exc.__suppress_context__, "the message stands alone, no library traceback"
        return exc
    except Exception as exc:  # pragma: no cover - the failure this test exists to catch
        pytest.fail(f"{type(exc).__name__} escaped the loader: {exc}")
    pytest.fail("the read succeeded although every request failed")


def same_tables(a: Workbook, b: Workbook, tabs: Any = TABS) -> None:
    for tab in tabs:
        pd.testing.assert_frame_equal(a.tables[tab], b.tables[tab], obj=tab)


# --------------------------------------------------------------------------- transient ---


@pytest.mark.parametrize("kind", ["429", "500", "503", "non_json"])
def test_a_short_burst_of_errors_is_retried_and_the_read_succeeds(
    kind: Any, sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str, warm: Workbook,
) -> None:
    sheets_standin.inject(kind, times=ATTEMPTS - 1, endpoints="batch_get")
    wb = load.workbook(sid, reader=reader)
    same_tables(wb, warm)
    assert count(sheets_standin, "batch_get") == ATTEMPTS
    assert count(sheets_standin, "metadata") == 0


@pytest.mark.parametrize(("kind", "words"), [
    ("429", ["rate-limiting", "429", f"after {ATTEMPTS} tries", "try again"]),
    ("500", ["error (500)", f"after {ATTEMPTS} tries", "try again"]),
    ("503", ["error (503)", f"after {ATTEMPTS} tries", "try again"]),
    ("non_json", ["(502)", f"after {ATTEMPTS} tries", "try again"]),
])
def test_a_storm_longer_than_the_retry_budget_is_a_transient_error(
    kind: Any, words: list[str], sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str,
) -> None:
    sheets_standin.inject(kind, times=None)
    started = time.monotonic()
    error = load_fails(sid, reader)
    assert error.transient
    assert all(word in str(error) for word in words), str(error)
    assert "<html" not in str(error).lower() and "DOCTYPE" not in str(error)
    assert count(sheets_standin, "metadata") == ATTEMPTS, "bounded by max_attempts"
    assert count(sheets_standin, "batch_get") == 0
    assert time.monotonic() - started < FAST.max_seconds + 1


def test_the_retry_budget_is_also_bounded_in_time(sheets_standin: SheetsStandin, sid: str,
                                                  standin_service_account: dict[str, str]) -> None:
    patient = sheets.RetryPolicy(max_seconds=0.6, max_attempts=1000, first_wait=0.05, max_wait=0.1)
    sheets_standin.inject("503", times=None)
    started = time.monotonic()
    error = load_fails(sid, make_reader(sheets_standin, standin_service_account, patient))
    assert error.transient
    assert time.monotonic() - started < 2.0
    assert 2 <= count(sheets_standin, "metadata") < 40


def test_a_hang_past_the_timeout_is_retried(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str, warm: Workbook,
) -> None:
    sheets_standin.inject("hang", times=1, endpoints="batch_get")
    started = time.monotonic()
    wb = load.workbook(sid, reader=reader)
    same_tables(wb, warm)
    assert count(sheets_standin, "batch_get") == 2
    assert time.monotonic() - started < 2 * TIMEOUT + 1.5, "gave up on the hung request at the timeout"


def test_a_sheet_that_never_answers_gives_up_within_the_budget(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], sid: str,
) -> None:
    sheets_standin.inject("hang", times=None)
    started = time.monotonic()
    error = load_fails(sid, make_reader(sheets_standin, standin_service_account, HANG_BUDGET))
    elapsed = time.monotonic() - started
    assert error.transient and "did not answer in time" in str(error)
    assert 2 <= count(sheets_standin, "metadata") <= HANG_BUDGET.max_seconds / TIMEOUT + 1
    assert elapsed < HANG_BUDGET.max_seconds + TIMEOUT + 1


def test_a_hang_while_signing_in_is_bounded_and_explained(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], sid: str,
) -> None:
    sheets_standin.inject("hang", times=None, endpoints="token")
    started = time.monotonic()
    error = load_fails(sid, make_reader(sheets_standin, standin_service_account, HANG_BUDGET))
    assert error.transient and "sign in" in str(error)
    assert "TransportError" not in str(error)
    assert time.monotonic() - started < HANG_BUDGET.max_seconds + TIMEOUT + 1
    assert count(sheets_standin, "metadata") == 0


# ---------------------------------------------------------------------------- refusals ---


def test_access_revoked_between_reads_is_explained_without_retrying(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader, sid: str,
    warm: Workbook,
) -> None:
    sheets_standin.unshare(sid, standin_service_account["client_email"])
    error = load_fails(sid, reader)
    assert error.status == 403 and not error.transient
    assert standin_service_account["client_email"] in str(error) and "Viewer" in str(error)
    assert count(sheets_standin, "batch_get") == 1
    assert count(sheets_standin, "metadata") == 0


def test_a_deleted_service_account_key_is_explained(
    sheets_standin: SheetsStandin, standin_service_account: dict[str, str], reader: sheets.SheetReader, sid: str,
) -> None:
    sheets_standin.authority.unregister(standin_service_account["client_email"])
    error = load_fails(sid, reader)
    assert not error.transient
    assert "service-account key" in str(error) and "RefreshError" not in str(error)
    assert count(sheets_standin, "token") == 1


# ------------------------------------------------------------------- the sheet changed shape ---


def test_a_tab_deleted_between_reads_becomes_a_missing_tab_issue(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str, warm: Workbook,
) -> None:
    sheets_standin.delete_tab(sid, "PLN")
    assert not warm.sources.empty
    wb = load.workbook(sid, reader=reader)
    assert wb.sources.empty
    assert [(i.tab, i.row, i.severity) for i in wb.issues if i.tab == "sources"] == [("sources", None, "error")]
    same_tables(wb, warm, ["themes"])
    # The stale metadata made the batch read fail once; the metadata was read again, once.
    assert count(sheets_standin, "metadata") == 1
    assert count(sheets_standin, "batch_get") == 2


def test_a_tab_renamed_between_reads_is_found_again(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str, warm: Workbook,
) -> None:
    sheets_standin.rename_tab(sid, "PLN", "Learning Network")
    wb = load.workbook(sid, reader=reader)
    same_tables(wb, warm)
    assert wb.tab_titles["sources"] == "Learning Network"
    assert count(sheets_standin, "metadata") == 1
    assert count(sheets_standin, "batch_get") == 2
    sheets_standin.reset_counts()
    load.workbook(sid, reader=reader)
    assert count(sheets_standin, "metadata") == 0, "the fresh metadata is cached again"


def test_a_tab_that_keeps_changing_is_not_chased_forever(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str, warm: Workbook,
) -> None:
    # The metadata re-read itself keeps failing: the read gives up with a message, not a loop.
    sheets_standin.rename_tab(sid, "PLN", "Learning Network")
    sheets_standin.inject("503", times=None, endpoints="metadata")
    error = load_fails(sid, reader)
    assert error.transient
    assert count(sheets_standin, "batch_get") == 1
    assert count(sheets_standin, "metadata") == ATTEMPTS


def test_a_required_header_renamed_between_reads_loads_with_a_tab_error(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str, warm: Workbook,
) -> None:
    assert MESSY_TABS["PLN"][0][0] == "Name"
    sheets_standin.set_cell(sid, "PLN", 0, 0, "Title")
    wb = load.workbook(sid, reader=reader)
    assert wb.sources.empty
    tab_errors = [i for i in wb.issues if i.tab == "sources" and i.row is None and i.severity == "error"]
    assert [i.column for i in tab_errors] == ["name"]
    assert "'name'" in tab_errors[0].message and "required" in tab_errors[0].message
    same_tables(wb, warm, ["themes"])
    assert count(sheets_standin, "batch_get") == 1 and count(sheets_standin, "metadata") == 0


def test_the_spreadsheet_deleted_between_reads_says_the_key_is_wrong(
    sheets_standin: SheetsStandin, reader: sheets.SheetReader, sid: str, warm: Workbook,
) -> None:
    sheets_standin.remove_spreadsheet(sid)
    error = load_fails(sid, reader)
    assert error.status == 404 and sid in str(error)
    assert count(sheets_standin, "batch_get") == 1
