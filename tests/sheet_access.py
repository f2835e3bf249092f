"""Learning Loop's Sheets reader pointed at the stand-in, and spreadsheets shared with the tests' service account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from learnloop.sources import sheets
from tests.sheets_standin import SheetsStandin
from tests.sheets_standin.workbook import Role

#: Retries that give up within a few seconds, so a test of a failure does not wait a real minute.
FAST = sheets.RetryPolicy(max_seconds=3, max_attempts=6, first_wait=0.01, max_wait=0.2)
#: Seconds before a request times out (the stand-in's hangs last 2 s).
TIMEOUT = 1.0


def sheet_reader(standin: SheetsStandin, account: Mapping[str, str] | None = None, *, api_key: str | None = None,
                 policy: sheets.RetryPolicy = FAST) -> sheets.SheetReader:
    """A reader of the stand-in with a service account's key (or an API key), short timeouts and ``policy``."""
    access = sheets.Access(service_account=dict(account) if account else None, api_key=api_key,
                           base_url=standin.base_url, timeout=(TIMEOUT, TIMEOUT))
    return sheets.SheetReader(access, policy)


def shared_sheet(standin: SheetsStandin, account: Mapping[str, str], tabs: Mapping[str, Any], *,
                 role: Role = "reader", **kwargs: Any) -> str:
    """A new spreadsheet on the stand-in holding ``tabs``, shared with ``account`` as ``role``; its id."""
    sid = standin.add_spreadsheet(tabs, **kwargs)
    standin.share(sid, account["client_email"], role)
    return sid


def writable_sheet(standin: SheetsStandin, account: Mapping[str, str], tabs: Mapping[str, Any], **kwargs: Any) -> str:
    """:func:`shared_sheet` with ``account`` as a writer."""
    return shared_sheet(standin, account, tabs, role="writer", **kwargs)
