"""The Retro page: every slide on the demo, an empty and a messy workbook (AppTest), the slide,
quarter and presentation mode read from the link, Next / Previous, and presentation mode in a real
Chromium at 1280×720 and 1920×1080."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from learnloop import load, reports
from learnloop.filters import Filters
from learnloop.sources import files
from tests.apptest import open_page
from tests.browser import ARTIFACTS, streamlit_server, wait_until_drawn
from tests.fixtures.small import raw_tabs

RETRO = "pages/retro.py"
SLIDES = ["Playbook scorecard", "What we learned from", "What we learned with", "What we shipped", "What changed",
          "Against earlier quarters"]
CHARTS = {1: 1, 2: 1, 3: 2, 4: 1, 5: 1, 6: 2}


def run_retro(query: dict[str, str] | None = None) -> AppTest:
    return open_page(RETRO, query)


def heading(at: AppTest) -> str:
    return at.header[0].value


@pytest.mark.parametrize("presentation", [False, True], ids=["screen", "presentation"])
@pytest.mark.parametrize("workbook", ["demo_workbook", "empty_workbook", "messy_workbook"])
@pytest.mark.parametrize("slide", range(1, 7))
def test_every_slide_renders(request, workbook, slide, presentation):
    request.getfixturevalue(workbook)
    query = {"slide": str(slide)} | ({"presentation": "true"} if presentation else {})
    at = run_retro(query)
    assert not at.exception, at.exception
    assert heading(at).startswith(SLIDES[slide - 1] + " · ")
    assert len(at.get("plotly_chart")) == CHARTS[slide]
    assert any("data as of" in caption.value for caption in at.caption)


def test_the_link_restores_slide_quarter_and_presentation_mode(demo_workbook):
    at = run_retro({"slide": "4", "quarter": "2026-Q1", "presentation": "true"})
    assert not at.exception, at.exception
    assert heading(at) == "What we shipped · 2026-Q1"
    assert at.pagination(key="slide").value == 4
    assert at.selectbox(key="quarter").value == "2026-Q1"
    assert at.toggle(key="presentation").value is True
    styles = [element.proto.body for element in at.get("html")]
    assert any('[data-testid="stSidebar"]' in style for style in styles)


def test_the_default_is_the_first_slide_of_the_last_complete_quarter(demo_workbook):
    at = run_retro()
    quarter = reports.last_complete_quarter(load.workbook("demo"), Filters())
    assert at.selectbox(key="quarter").value == quarter
    assert heading(at) == f"Playbook scorecard · {quarter}"
    assert at.toggle(key="presentation").value is False
    assert not [element for element in at.get("html") if "stSidebar" in element.proto.body]


def test_next_and_previous_step_through_the_slides_and_update_the_link(demo_workbook):
    at = run_retro()
    at.button(key="retro-next").click().run()
    assert heading(at).startswith("What we learned from")
    assert at.query_params["slide"] == "2"
    at.button(key="retro-next").click().run()
    at.button(key="retro-next").click().run()
    assert heading(at).startswith("What we shipped")
    at.button(key="retro-previous").click().run()
    assert heading(at).startswith("What we learned with")
    for _ in range(4):
        at.button(key="retro-previous").click().run()
    assert heading(at).startswith("Playbook scorecard")  # stops at the first slide
    for _ in range(8):
        at.button(key="retro-next").click().run()
    assert heading(at).startswith("Against earlier quarters")  # and at the last


def test_the_slides_listen_to_the_keyboard(demo_workbook):
    # What the keys do is tested in Chromium below; here, that every slide carries the listener.
    from learnloop.slides import KEYS_SCRIPT

    for slide in range(1, 7):
        at = run_retro({"slide": str(slide)})
        assert any(element.proto.body.strip() == KEYS_SCRIPT.strip() for element in at.get("html")), slide


def test_the_writeup_and_report_can_be_downloaded(demo_workbook):
    at = run_retro()
    keys = {button.key for button in at.get("download_button")}
    assert {"download-writeup", "download-report"} <= keys


def test_sheet_text_on_the_slides_is_escaped(tmp_path, monkeypatch):
    tabs = raw_tabs()
    tabs["decisions"][3][3] = "[click](https://evil.example) <img src=x onerror=alert(1)>"  # D-3, 2026-Q2
    tabs["themes"][2][2] = "![pixel](https://evil.example/p.png)"                         # T-A2's title
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(files.write_csv_folder(tabs, tmp_path / "team")))
    scorecard = run_retro({"quarter": "2026-Q2"})
    evidence = next(element.proto.body for element in scorecard.get("html") if "clamped" in element.proto.body)
    assert "![pixel](https://evil.example/p.png)" in evidence  # shown as typed: text, not an image
    changed = run_retro({"quarter": "2026-Q2", "slide": "5"})
    text = "\n".join(element.value for element in changed.markdown)
    assert r"\[click\](https://evil.example) \<img src=x onerror=alert(1)\>" in text
    assert not re.search(r"(?<!\\)\[click|(?<!\\)<img", text)
    presented = run_retro({"quarter": "2026-Q2", "slide": "5", "presentation": "true"})
    lines = next(element.proto.body for element in presented.get("html") if "clamped" in element.proto.body)
    assert "&lt;img src=x onerror=alert(1)&gt;" in lines and "<img" not in lines


def test_presentation_tables_are_escaped_too(tmp_path, monkeypatch):
    tabs = raw_tabs()
    tabs["sources"][4][1] = "[click](https://evil.example)"  # S-4, added 2026-04-01
    monkeypatch.setenv("LEARNLOOP_SOURCE", str(files.write_csv_folder(tabs, tmp_path / "team")))
    at = run_retro({"quarter": "2026-Q2", "slide": "2", "presentation": "true"})
    assert not at.exception, at.exception
    cells = at.table[0].value.to_numpy().ravel().tolist()
    assert r"\[click\](https://evil.example)" in cells


# --------------------------------------------------------------------------------------
# Real browser
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with streamlit_server({"LEARNLOOP_SOURCE": "demo"}) as url:
        yield url


def open_retro(browser, url: str, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.wait_for_selector(".main-svg", timeout=60_000)
    wait_until_drawn(page)
    return page


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), [(1280, 720), (1920, 1080)])
def test_presentation_mode_fits_the_scorecard_on_one_screen(server, browser, width, height):
    page = open_retro(browser, f"{server}/retro?presentation=true", width, height)
    scroll = page.evaluate("() => { const main = document.querySelector('[data-testid=stMain]');"
                           " return [main.scrollHeight, main.clientHeight, main.scrollWidth, main.clientWidth]; }")
    assert scroll[0] <= scroll[1], f"the slide scrolls: {scroll}"
    assert scroll[2] <= scroll[3], f"the slide scrolls sideways: {scroll}"
    assert not page.locator("[data-testid='stSidebar']").is_visible()
    assert not page.locator("[data-testid='stHeader']").is_visible()
    assert page.locator("h2").first.inner_text().startswith("Playbook scorecard")
    main = page.locator("[data-testid='stMain']")
    assert main.get_by_text("data as of", exact=False).first.is_visible()
    assert main.locator("li").get_by_text("Loop closed").is_visible()  # the fifth step's evidence
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"retro-presentation-{width}x{height}.png"))
    page.close()


@pytest.mark.browser
def test_the_arrow_keys_step_through_the_slides(server, browser):
    page = open_retro(browser, f"{server}/retro", 1280, 720)
    page.mouse.click(5, 700)  # focus the page, not a widget
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/retro?**slide=2**", timeout=30_000)
    page.wait_for_function("() => document.querySelector('h2').innerText.startsWith('What we learned from')",
                           timeout=30_000)
    page.keyboard.press("ArrowLeft")
    page.wait_for_function("() => document.querySelector('h2').innerText.startsWith('Playbook scorecard')",
                           timeout=30_000)
    page.wait_for_url("**slide=1**", timeout=30_000)  # the link says which slide is showing
    page.close()
