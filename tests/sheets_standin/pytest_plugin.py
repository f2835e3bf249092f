"""pytest fixtures for the Sheets stand-in.

Enable them for the whole suite from ``tests/conftest.py``::

    pytest_plugins = ["tests.sheets_standin.pytest_plugin"]

Each test gets its own server (starting one takes about a millisecond), so injected faults,
counts and data never leak between tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import gspread
import pytest

from .client import gspread_client, make_service_account
from .server import SheetsStandin


@pytest.fixture
def sheets_standin() -> Iterator[SheetsStandin]:
    """A running stand-in with no spreadsheets; fails the test if the stand-in itself crashed."""
    with SheetsStandin() as standin:
        yield standin
        assert not standin.internal_errors, "the Sheets stand-in crashed:\n" + "\n".join(standin.internal_errors)


@pytest.fixture
def standin_service_account(sheets_standin: SheetsStandin) -> dict[str, str]:
    """A service-account JSON dict trusted by ``sheets_standin`` (share spreadsheets with its
    ``client_email`` to give it access)."""
    return make_service_account(sheets_standin)


@pytest.fixture
def standin_gspread(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> gspread.Client:
    """A real gspread client logged in as ``standin_service_account`` against ``sheets_standin``."""
    return gspread_client(sheets_standin, standin_service_account)
