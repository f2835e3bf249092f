"""The Add entry form in a real Chromium against `streamlit run`, on an .xlsx file.

Problems show under their own fields; a new name can be typed into a picker; a double click on the
button writes the row once; the form clears and says where the row went.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from learnloop.sources import files
from tests.browser import ARTIFACTS, streamlit_server
from tests.fixtures.small import raw_tabs

pytestmark = pytest.mark.browser

SUBMIT = ".st-key-add-critiques-submit button"


def field(name: str) -> str:
    return f".st-key-field-add-critiques-{name}"


def critiques(path: Path) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(path)["critiques"]
    header, *rows = [list(line) for line in sheet.iter_rows(values_only=True)]
    return [dict(zip(header, row, strict=False)) for row in rows]


def pick(page: object, name: str, text: str, *, new: bool = False) -> None:
    """Choose ``text`` in a picker, or type it in as a new value."""
    box = page.locator(f"{field(name)} input")  # type: ignore[attr-defined]
    box.click()
    box.fill(text)
    if new:
        box.press("Enter")
    else:
        page.get_by_role("option", name=text, exact=True).click()  # type: ignore[attr-defined]


def fill_rest(page: object) -> None:
    date = page.locator(f"{field('date')} input")  # type: ignore[attr-defined]
    date.fill("2026-03-02")
    date.press("Enter")
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    pick(page, "artifact_type", "experiment")
    pick(page, "presenter", "Zoë New", new=True)  # not in the workbook yet: typed in
    pick(page, "theme_id", "T-A1 · Pricing")


def test_the_form_shows_problems_in_place_takes_new_names_and_writes_a_double_click_once(browser, tmp_path):
    path = files.write_xlsx(raw_tabs(), tmp_path / "team.xlsx")
    with streamlit_server({"LEARNLOOP_SOURCE": str(path)}) as url:
        page = browser.new_page(viewport={"width": 1280, "height": 1600})
        page.goto(f"{url}/add_entry")
        page.wait_for_selector(SUBMIT, timeout=60_000)

        page.locator(f"{field('artifact')} input").fill("Checkout copy test")
        page.click(SUBMIT)
        date_problem = page.locator(f"{field('date')} [data-testid='stAlert']")
        date_problem.wait_for(timeout=30_000)
        assert "Date is required" in date_problem.inner_text()
        assert "Artifact type is required" in page.locator(f"{field('artifact_type')} [data-testid='stAlert']").inner_text()
        assert page.locator(f"{field('artifact')} [data-testid='stAlert']").count() == 0
        assert page.locator(f"{field('artifact')} input").input_value() == "Checkout copy test", "kept"

        fill_rest(page)
        page.locator(SUBMIT).dblclick()

        said = page.locator("[data-testid='stAlert']", has_text="C-11")
        said.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # let the second click's run finish, if it comes
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "add-entry-double-click.png"), full_page=True)
        text = said.first.inner_text()
        assert "Added C-11 on row 12" in text or "C-11 was already added on row 12" in text
        assert page.locator(f"{field('artifact')} input").input_value() == "", "the form is cleared"
        assert page.locator(f"{field('presenter')}").inner_text().count("Zoë New") == 0

        # The same entry sent again, later: nothing more is written, and the page says so.
        page.locator(f"{field('artifact')} input").fill("Checkout copy test")
        fill_rest(page)
        page.click(SUBMIT)
        page.locator("[data-testid='stAlert']", has_text="was already added").wait_for(timeout=30_000)
        assert "C-11 was already added on row 12 of critiques in team.xlsx: nothing more was written." in \
            page.locator("[data-testid='stAlert']", has_text="was already added").inner_text()
        assert page.locator("[data-testid='stException']").count() == 0
        page.close()

    added = [row for row in critiques(path) if row["artifact"] == "Checkout copy test"]
    assert len(added) == 1, "written once"
    assert (added[0]["critique_id"], added[0]["presenter"], added[0]["theme_id"]) == ("C-11", "Zoë New", "T-A1")
