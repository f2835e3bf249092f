"""Shared test set-up: the local Google Sheets API stand-in's fixtures, a real Chromium, and the app
pointed at workbooks of the shapes users have."""

from __future__ import annotations

import pytest

from tests.browser import CHROMIUM_ARGS, chromium_path

pytest_plugins = ["tests.sheets_standin.pytest_plugin"]


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (no browser download)."""
    executable = chromium_path()
    assert executable, "Debian's chromium is not installed: `make test` installs it"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def empty_workbook(tmp_path, monkeypatch):
    """The app on a workbook with every tab and header, and no rows."""
    from data_schemas import TABS
    from learnloop.sources import files

    tabs = {tab: [list(spec.model.columns())] for tab, spec in TABS.items()}
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(files.write_xlsx(tabs, tmp_path / "empty.xlsx")))


@pytest.fixture
def messy_workbook(tmp_path, monkeypatch):
    """The app on the messy workbook: the slips people make, in every tab."""
    from learnloop.sources import files
    from tests.fixtures.messy import MESSY_TABS

    monkeypatch.setenv("LEARNLOOP_SOURCE", str(files.write_xlsx(MESSY_TABS, tmp_path / "messy.xlsx")))


@pytest.fixture
def demo_workbook(monkeypatch):
    """The app on its bundled demo workbook: nothing configured."""
    monkeypatch.delenv("LEARNLOOP_SOURCE", raising=False)
    monkeypatch.delenv("LEARNLOOP_SHEET", raising=False)
