"""The Search page in a real Chromium against `streamlit run`: what is typed goes into the address and a
shared address gives the same results; a hostile workbook's text is on screen as text, never markup."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from learnloop.sources import files
from tests.browser import ARTIFACTS, streamlit_server
from tests.test_injection import PAYLOAD, planted_tabs

pytestmark = pytest.mark.browser


def open_page(browser, url: str):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(url)
    page.wait_for_selector("[data-testid='stSidebarNav']", timeout=60_000)
    return page


def results_line(page) -> str:
    """The line that says how many rows match."""
    line = page.locator("p", has_text=re.compile(r"rows? match")).first
    line.wait_for(timeout=60_000)
    return line.inner_text()


def test_a_search_typed_goes_into_the_address_and_the_address_gives_it_back(browser):
    with streamlit_server({"LEARNLOOP_SOURCE": "demo"}) as url:
        page = open_page(browser, f"{url}/search")
        box = page.get_by_label("Search the workbook")
        box.fill('pricing "annual plan"')
        box.press("Enter")
        found = results_line(page)
        page.wait_for_function("() => window.location.search.includes('q=')", timeout=30_000)
        address = page.url
        assert parse_qs(urlparse(address).query)["q"] == ['pricing "annual plan"']
        cards = page.locator(".ll-hit").count()
        assert cards > 0
        page.close()

        shared = open_page(browser, address)
        assert results_line(shared) == found
        assert shared.get_by_label("Search the workbook").input_value() == 'pricing "annual plan"'
        assert shared.locator(".ll-hit").count() == cards
        assert shared.locator(".ll-hit mark").count() >= cards
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shared.screenshot(path=str(ARTIFACTS / "page-search.png"))
        shared.close()


def test_a_hostile_workbook_and_query_render_inert(browser, tmp_path):
    path = files.write_xlsx(planted_tabs(), tmp_path / "planted.xlsx")
    dialogs: list[str] = []
    with streamlit_server({"LEARNLOOP_SOURCE": str(path)}) as url:
        for query in ("bold", "zzqx " + PAYLOAD):
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
            page.goto(f"{url}/search?q={query}")
            page.wait_for_selector("q", timeout=60_000)
            page.wait_for_timeout(500)
            main = page.locator("[data-testid='stMain']")
            assert main.locator("img").count() == 0
            assert main.locator("script").count() == 0
            assert main.locator("strong, em").count() == 0
            hrefs = [link.get_attribute("href") or "" for link in main.locator("a").all()]
            assert not [href for href in hrefs if re.match(r"\s*(java|vb)script:|data:", href, re.I)], hrefs
            shown = main.inner_text()
            assert PAYLOAD in shown, "the planted text is on screen, as typed"
            assert page.locator("[data-testid='stException']").count() == 0
            page.close()
    assert dialogs == []
