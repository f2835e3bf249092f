"""The retro in the room: every slide fits a shared screen, the keyboard always steps, links keep
their meaning. Real Chromium against `streamlit run`, at a laptop's and a meeting room's size."""

from __future__ import annotations

from pathlib import Path

import pytest

from learnloop.sources import files
from learnloop.sources.demo import demo_tabs
from tests.browser import ARTIFACTS, streamlit_server, wait_until_drawn

SIZES = [(1280, 720), (1920, 1080)]
SLIDES = ["Playbook scorecard", "What we learned from", "What we learned with", "What we shipped", "What changed",
          "Against earlier quarters"]
LONG = 32_767  # the most a spreadsheet cell holds


def long_cells_workbook(path: Path) -> Path:
    """The demo with the longest cells people paste: every decision summary, source name, theme title,
    critique and commitment title of the last quarters made as long as a cell allows."""
    tabs = demo_tabs()
    for tab, column in (("decisions", "summary"), ("sources", "name"), ("themes", "title"),
                        ("critiques", "artifact"), ("commitments", "title"), ("themes", "definition_of_good")):
        header = tabs[tab][0]
        at = header.index(column)
        for row in tabs[tab][1:]:
            row[at] = (str(row[at]) + " ") * (LONG // (len(str(row[at])) + 1))
            row[at] = row[at][:LONG]
    return files.write_xlsx(tabs, path)


@pytest.fixture(scope="module", params=["demo", "long cells"])
def server(request, tmp_path_factory):
    source = "demo" if request.param == "demo" else str(long_cells_workbook(tmp_path_factory.mktemp("long") / "long.xlsx"))
    with streamlit_server({"LEARNLOOP_SOURCE": source}) as url:
        yield request.param, url


def settle(page) -> None:
    page.wait_for_selector("h2", timeout=60_000)
    wait_until_drawn(page)


def open_retro(browser, url: str):
    """The Retro page at a laptop's size, settled."""
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{url}/retro")
    settle(page)
    return page


# A stage hides what overflows it: a chart taller than its stage loses its axis without any scrolling,
# and a stage taller than its place in the page lies over the text below it.
STAGE_PROBLEMS = """() => [...document.querySelectorAll('[class*="st-key-slide-stage-"]')].flatMap(stage => {
  const box = stage.getBoundingClientRect(), problems = [];
  stage.querySelectorAll('.js-plotly-plot').forEach(chart => {
    const b = chart.getBoundingClientRect();
    if (b.bottom > box.bottom + 1 || b.right > box.right + 1) problems.push('a chart is cut off by its stage');
  });
  const place = stage.parentElement.getBoundingClientRect(), next = stage.parentElement.nextElementSibling;
  if (place.bottom < box.bottom - 1) problems.push('the stage is taller than its place');
  if (next && next.getBoundingClientRect().top < box.bottom - 1) problems.push('what follows lies over the stage');
  return problems;
})"""


def overflow(page) -> list[int]:
    return page.evaluate("() => { const main = document.querySelector('[data-testid=stMain]');"
                         " return [main.scrollHeight, main.clientHeight, main.scrollWidth, main.clientWidth]; }")


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_slide_fits_the_screen_in_presentation_mode(server, browser, width, height):
    name, url = server
    page = browser.new_page(viewport={"width": width, "height": height})
    for number, title in enumerate(SLIDES, start=1):
        page.goto(f"{url}/retro?presentation=true&slide={number}")
        settle(page)
        assert page.locator("h2").first.inner_text().startswith(title)
        scroll_height, client_height, scroll_width, client_width = overflow(page)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"slide-{name.replace(' ', '-')}-{number}-{width}x{height}.png"))
        assert scroll_height <= client_height, f"slide {number} scrolls by {scroll_height - client_height} px"
        assert scroll_width <= client_width, f"slide {number} scrolls sideways"
        assert not page.evaluate(STAGE_PROBLEMS), f"slide {number}: {page.evaluate(STAGE_PROBLEMS)}"
        # Controls are hidden; the counter stays.
        assert not page.locator(".st-key-retro-controls").is_visible()
        assert page.get_by_text(f"Slide {number} of 6").is_visible()
        assert page.locator("[data-testid='stException']").count() == 0
    page.close()


def slide_title(page) -> str:
    return page.locator("h2").first.inner_text()


def wait_for_slide(page, number: int) -> None:
    page.wait_for_function(f"() => document.querySelector('h2') && document.querySelector('h2').innerText"
                           f".startsWith({SLIDES[number - 1]!r})", timeout=30_000)


@pytest.mark.browser
def test_the_keys_step_right_after_the_toggle_was_clicked_and_esc_leaves(server, browser):
    _, url = server
    page = open_retro(browser, url)
    page.locator(".st-key-presentation label").click()  # the toggle keeps the focus
    page.wait_for_function("() => !document.querySelector('[data-testid=stSidebar]')"
                           " || getComputedStyle(document.querySelector('[data-testid=stSidebar]')).display === 'none'",
                           timeout=30_000)
    for key, number in (("ArrowRight", 2), (" ", 3), ("PageDown", 4), ("PageUp", 3), ("ArrowLeft", 2)):
        page.keyboard.press(key)
        wait_for_slide(page, number)
        page.wait_for_url(f"**slide={number}**", timeout=30_000)
    assert "presentation=true" in page.url
    page.keyboard.press("Escape")
    page.wait_for_function("() => !location.search.includes('presentation=true')", timeout=30_000)
    page.locator(".st-key-retro-controls").wait_for(state="visible", timeout=30_000)  # the rerun draws them
    # No focus frame is drawn around the slide: nothing on the page keeps the focus.
    assert page.evaluate("() => document.activeElement === document.body || !document.activeElement")
    page.close()


@pytest.mark.browser
def test_the_keys_step_right_after_the_quarter_was_changed(server, browser):
    _, url = server
    page = open_retro(browser, url)
    quarter = page.locator(".st-key-quarter")
    quarter.click()
    page.get_by_role("option").first.click()
    page.wait_for_load_state("networkidle")
    page.keyboard.press("ArrowRight")
    wait_for_slide(page, 2)
    page.close()


@pytest.mark.browser
def test_the_link_always_carries_the_quarter_and_the_slide(server, browser):
    _, url = server
    page = open_retro(browser, url)
    page.wait_for_function("() => location.search.includes('quarter=') && location.search.includes('slide=1')",
                           timeout=30_000)
    page.close()
