"""Every page in a real Chromium against `streamlit run`: it loads, its charts draw, nothing breaks."""

from __future__ import annotations

import pytest

from tests.browser import ARTIFACTS, streamlit_server

pytestmark = pytest.mark.browser

PAGES = {"": "overview", "themes": "themes", "learning_network": "learning-network", "peer_circle": "peer-circle",
         "commitments": "commitments", "impact": "impact", "data_health": "data-health", "add_entry": "add-entry"}
CHARTED = {"", "themes", "learning_network", "peer_circle", "commitments", "impact"}


@pytest.fixture(scope="module")
def server():
    with streamlit_server({"LEARNLOOP_SOURCE": "demo"}) as url:
        yield url




def open_page(browser, url: str, width: int = 1280, height: int = 720):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector("[data-testid='stSidebarNav']", timeout=60_000)
    return page


def test_a_deep_link_opened_first_renders_inside_the_frame(browser):
    """A shared link to a page, opened right after the server starts, shows the app's navigation."""
    with streamlit_server({"LEARNLOOP_SOURCE": "demo"}) as url:
        page = open_page(browser, f"{url}/peer_circle?team=Growth")
        page.wait_for_selector(".main-svg", timeout=60_000)
        nav = page.locator("[data-testid='stSidebarNav']").inner_text()
        assert "Overview" in nav and "Data health" in nav
        assert page.get_by_text("Peer circle", exact=True).first.is_visible()
        page.close()


@pytest.mark.parametrize("path", list(PAGES))
def test_page_loads_draws_its_charts_and_shows_no_exception(server, browser, path):
    page = open_page(browser, f"{server}/{path}")
    if path in CHARTED:
        page.wait_for_selector(".main-svg", timeout=60_000)
        assert page.locator(".main-svg").count() >= 1
    else:
        page.wait_for_selector("h1", timeout=60_000)
    page.wait_for_timeout(500)
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"page-{PAGES[path]}.png"), full_page=True)
    page.close()
