"""Shared test set-up: the local Google Sheets API stand-in's fixtures and a real Chromium."""

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
