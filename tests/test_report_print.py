"""The HTML write-up, printed: Chromium prints it to PDF as a reader's "Save as PDF" would, and the
PDF is read back. Each section starts a page, every page is A4, nothing runs past the right edge,
and a cell as long as a spreadsheet allows arrives whole, wrapped, on the page."""

from __future__ import annotations

import io

import pypdf
import pytest

from learnloop import reports
from learnloop.filters import Filters
from learnloop.sources.demo import demo_tabs
from learnloop.validate import validate_workbook
from tests.browser import ARTIFACTS
from tests.fixtures.small import AS_OF, raw_tabs

LONG = 32_767  # the most a spreadsheet cell holds
A4_POINTS = (595.3, 841.9)
#: No run of text is narrower than this share of its font size per character (an "i" is about 0.28,
#: a text's average about 0.5): a lower bound on a run's width, to find runs past the page's edge.
NARROWEST_AVERAGE_EM = 0.4


def unbroken_cells_report() -> tuple[str, list[str], str]:
    """The small workbook's 2026-Q2 write-up with one unbroken 32,767-character string, such as a
    pasted link, in every decision summary, theme title, source name and commitment title."""
    tabs = raw_tabs()
    for tab, column, letter in (("decisions", "summary", "x"), ("themes", "title", "n"), ("sources", "name", "s"),
                                ("commitments", "title", "k")):
        at = tabs[tab][0].index(column)
        for row in tabs[tab][1:]:
            row[at] = letter * LONG
    wb = validate_workbook(tabs, source="unbroken")
    doc = reports.writeup(wb, Filters(as_of=AS_OF), "2026-Q2")
    return reports.quarter_report_html(wb, Filters(as_of=AS_OF), "2026-Q2"), [s.title for s in doc.sections], "x" * 200


def demo_report() -> tuple[str, list[str], str]:
    """The demo's last complete quarter, as `learnloop report` writes it by default."""
    wb = validate_workbook(demo_tabs(), source="demo")
    f = Filters()
    quarter = reports.last_complete_quarter(wb, f)
    doc = reports.writeup(wb, f, quarter)
    return reports.quarter_report_html(wb, f, quarter), [s.title for s in doc.sections], doc.title


@pytest.fixture(scope="module", params=["demo", "unbroken cells"])
def report(request):
    return (*(demo_report if request.param == "demo" else unbroken_cells_report)(), request.param)


def open_report(browser, html: str, path):
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(path.as_uri())
    page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot .main-svg').length >= 4",
                           timeout=60_000)
    return page


def beyond_the_text_column(page) -> list[str]:
    """Every element whose box runs past the right edge of the text column (charts included)."""
    return page.evaluate("""() => {
        const edge = document.querySelector('main').getBoundingClientRect().right + 1;
        return [...document.querySelectorAll('main *')]
            .filter(e => e.getBoundingClientRect().right > edge)
            .map(e => `${e.tagName}.${e.getAttribute('class')}: ${(e.textContent || '').slice(0, 40)}`);
    }""")


@pytest.mark.browser
def test_the_report_fits_the_screen_width(report, browser, tmp_path):
    html = report[0]
    page = open_report(browser, html, tmp_path / "report.html")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280, "the page scrolls sideways"
    assert beyond_the_text_column(page) == []
    page.close()


@pytest.mark.browser
def test_the_report_prints_one_section_per_page_within_the_page(report, browser, tmp_path):
    html, section_titles, must_print, name = report
    page = open_report(browser, html, tmp_path / "report.html")
    page.emulate_media(media="print")
    # The charts are redrawn at the page's width when the print layout starts.
    page.wait_for_function("""() => [...document.querySelectorAll('.js-plotly-plot')].every(
        plot => plot._fullLayout.width <= document.querySelector('main').clientWidth)""", timeout=30_000)
    assert page.evaluate("document.querySelector('main').clientWidth") <= round(
        reports.PRINT_WIDTH_MM * 96 / 25.4) + 1
    assert beyond_the_text_column(page) == []
    pdf = page.pdf(prefer_css_page_size=True, print_background=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"report-{name.replace(' ', '-')}.pdf").write_bytes(pdf)
    page.emulate_media(media="screen")
    page.wait_for_function("() => [...document.querySelectorAll('.js-plotly-plot')].every("
                           "plot => plot._fullLayout.width > 700)", timeout=30_000)  # back to the screen's width
    page.close()

    pages = pypdf.PdfReader(io.BytesIO(pdf)).pages
    assert all(abs(float(p.mediabox.width) - A4_POINTS[0]) < 1 and abs(float(p.mediabox.height) - A4_POINTS[1]) < 1
               for p in pages)
    runs_by_page = [text_runs(p) for p in pages]
    # Each section's heading is the first text on a page of its own (the report's title comes first).
    first_texts = [runs[0][0] for runs in runs_by_page if runs]
    for title in section_titles[1:]:
        assert title in first_texts, f"{title!r} does not start a page"
    assert section_titles[0] in "".join(text for text, _, _ in runs_by_page[0])
    # No run of text starts left of the page or, at its narrowest, ends past its right edge.
    width = A4_POINTS[0]
    past_the_edge = [(text[:30], x, size) for runs in runs_by_page for text, x, size in runs
                     if x < 0 or x + NARROWEST_AVERAGE_EM * size * len(text) > width]
    assert past_the_edge == []
    # The longest cell is printed whole, wrapped over lines and pages, not cut.
    printed = "".join(text for runs in runs_by_page for text, _, _ in runs)
    assert must_print in printed
    if name == "unbroken cells":
        assert printed.count("x") >= LONG


def text_runs(page: pypdf.PageObject) -> list[tuple[str, float, float]]:
    """A PDF page's runs of text in drawing order: (text, x of its start, font size), in points."""
    runs: list[tuple[str, float, float]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            runs.append((text.strip("\n"), x, size * (tm[0] or 1) * (cm[0] or 1)))

    page.extract_text(visitor_text=visit)
    return runs
