"""The quarter write-ups (learnloop/reports.py) and `learnloop report`.

The Markdown write-up of the small fixture's 2026-Q2 (tests/fixtures/small.py, "today" = 2026-09-15)
is compared with tests/fixtures/retro_expected.md, written by hand from the fixture's rows:

* themes of Q2: T-A2 Onboarding (Alpha, Ben, done) and T-B2 Referrals (Beta, Eli, dropped);
* scorecard 5 of 5 as worked out at the end of small.py; Q1 was 5 as well ("the same");
* decisions of Q2: D-6 (04-01, bet, reverted, nothing cited) and D-3 (05-25, bet, critiques C-4
  "Signup prototype" and C-5 "Welcome email test"); no decision or discovery-cadence change;
* critiques Q1 C-1, C-2, C-3, C-9 = 4 / Q2 C-4, C-5, C-10 = 3; write-ups Q1 3 / Q2 2; traced Q1 3 of 3
  = 100% / Q2 1 of 2 = 50%; shipped Q1 K-1 / Q2 K-2, K-6; the trend starts at 2026-Q1, the first
  quarter with data;
* next quarter's theme T-A3 Search; K-4 (committed in Q1, due 03-01, never shipped) is carried
  over and overdue; dormant at 09-15: S-7 (since 02-01, 226 days), S-3 (added 03-31, 168), S-4
  (04-10, 158); S-10 is exactly 90 days and so not dormant.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from typer.testing import CliRunner

from learnloop import cli, exports, load, reports
from learnloop.filters import Filters
from learnloop.validate import validate_workbook
from tests.fixtures.small import AS_OF, headers_only_workbook, raw_tabs, small_workbook

EXPECTED = Path(__file__).parent / "fixtures" / "retro_expected.md"
Q2 = "2026-Q2"
SECTIONS = ["Themes and definitions of good", "Playbook scorecard: 5 of 5", "What changed", "What we shipped",
            "Against earlier quarters", "What's next"]

# What a sheet editor might type to break out of the text.
LINK = "[click](javascript:alert(1))"
WEB_LINK = "[prize](https://evil.example/win)"
IMAGE = "<img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("https://evil.example","open")'
PICTURE = "![pixel](https://evil.example/p.png)"


@pytest.fixture(scope="module")
def wb():
    return small_workbook()


@pytest.fixture(scope="module")
def f():
    return Filters(as_of=AS_OF)


@pytest.fixture(scope="module")
def html_report(wb, f):
    return reports.quarter_report_html(wb, f, Q2)


# --------------------------------------------------------------------------------------
# Reading HTML back: the visible text of each <h2> section, and the tags used
# --------------------------------------------------------------------------------------


class _Sections(HTMLParser):
    """Visible text per h2 section (script and style skipped), and every start tag seen."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[str]] = {}
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self._current: str | None = None
        self._in_h2 = False
        self._heading: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1
        elif tag == "h2":
            self._in_h2, self._heading = True, []
        elif tag in ("p", "li", "h3", "ul", "ol", "br"):
            self._text(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag == "h2":
            self._in_h2 = False
            self._current = " ".join("".join(self._heading).split())
            self.sections[self._current] = []
        elif tag in ("p", "li", "h3"):
            self._text(" ")

    def handle_data(self, data):
        if self._skip:
            return
        if self._in_h2:
            self._heading.append(data)
        else:
            self._text(data)

    def _text(self, data: str) -> None:
        if self._current is not None:
            self.sections[self._current].append(data)


def parse(html_text: str) -> _Sections:
    parser = _Sections()
    parser.feed(html_text)
    parser.close()
    return parser


def section_texts(html_text: str) -> dict[str, str]:
    return {title: " ".join("".join(parts).split()) for title, parts in parse(html_text).sections.items()}


def markdown_to_html(markdown: str) -> str:
    """CommonMark with raw HTML allowed (as most renderers do), plus GitHub tables and strikethrough."""
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(markdown)


# --------------------------------------------------------------------------------------
# The Markdown write-up
# --------------------------------------------------------------------------------------


def test_the_writeup_matches_the_hand_written_expected_markdown(wb, f):
    assert reports.quarter_writeup_markdown(wb, f, Q2) == EXPECTED.read_text(encoding="utf-8")


def test_the_writeup_ignores_the_sidebar_quarter_range(wb, f):
    ranged = dataclasses.replace(f, quarters=("2026-Q1", "2026-Q3"))
    assert reports.quarter_writeup_markdown(wb, ranged, Q2) == EXPECTED.read_text(encoding="utf-8")


def test_the_default_quarter_is_the_last_complete_one(wb, f):
    assert reports.last_complete_quarter(wb, f) == Q2
    assert reports.quarter_choices(wb, f) == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert reports.last_complete_quarter(wb, Filters(as_of=AS_OF.replace(month=10, day=1))) == "2026-Q3"


def test_the_trend_covers_four_quarters_from_the_first_with_data(wb):
    assert reports.trend_window(wb, "2026-Q3") == ["2026-Q1", "2026-Q2", "2026-Q3"]
    assert reports.trend_window(wb, "2027-Q2") == ["2026-Q3", "2026-Q4", "2027-Q1", "2027-Q2"]
    assert reports.trend_window(headers_only_workbook(), "2026-Q2") == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]


def test_a_team_writeup_names_its_scope_and_only_its_rows(wb, f):
    text = reports.quarter_writeup_markdown(wb, dataclasses.replace(f, teams=("Beta",)), Q2)
    assert "· team Beta\n" in text
    # Beta in Q2: only the dropped theme T-B2 and the reverted bet D-6; K-6 (Beta) shipped 04-01.
    assert "## Playbook scorecard: 2 of 5" in text
    assert "Referral bet" in text and "Bet on onboarding" not in text
    assert "Onboarding talk" not in text and "Churn talk" in text


def test_an_empty_workbook_gets_a_writeup_that_says_what_to_do(f):
    text = reports.quarter_writeup_markdown(headers_only_workbook(), f, Q2)
    assert "## Playbook scorecard: 0 of 5" in text
    assert "No theme set for 2026-Q2. Pick one, and write down what good will look like." in text
    assert "No decision write-up in 2026-Q2: the loop is still open." in text
    assert "Nothing carried over" in text


# --------------------------------------------------------------------------------------
# The HTML report
# --------------------------------------------------------------------------------------


def test_the_html_report_is_self_contained(html_report):
    tags = parse(html_report).tags
    scripts = [attrs for tag, attrs in tags if tag == "script"]
    assert scripts and not [attrs for attrs in scripts if attrs.get("src")]
    assert not [tag for tag, _ in tags if tag in ("link", "iframe", "img", "object", "embed")]
    for pattern in (r"@import", r"@font-face", r"url\(\s*['\"]?(https?:)?//"):
        assert not re.search(pattern, html_report, re.IGNORECASE), pattern
    # plotly.js is inlined exactly once.
    assert len(re.findall(r"\* plotly\.js v\d", html_report)) == 1
    # plotly's config, the library, one script per chart, and the one that fits charts to a printed page.
    assert len(scripts) == 2 + 5 + 1
    assert html_report.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in html_report


def test_the_html_report_has_one_chart_per_section(html_report):
    sections = re.findall(r'<section id="(\w+)">(.*?)</section>', html_report, flags=re.DOTALL)
    assert [key for key, _ in sections] == ["themes", "scorecard", "changed", "shipped", "trend", "next"]
    for key, body in sections:  # "What's next" is lists only
        assert body.count('class="plotly-graph-div"') == (key != "next"), key
        assert body.count("Plotly.newPlot(") == (key != "next"), key


def test_the_html_text_matches_the_markdown_section_by_section(wb, f, html_report):
    from_markdown = section_texts(markdown_to_html(reports.quarter_writeup_markdown(wb, f, Q2)))
    from_html = section_texts(html_report)
    assert list(from_markdown) == SECTIONS
    assert from_html == from_markdown
    assert "learned with: Signup prototype, Welcome email test" in from_html["What changed"]
    # The title and the line under it too.
    assert "<h1>Learning retro: 2026-Q2</h1>" in html_report
    # A closed quarter's write-up is as of its last day, whenever it is written.
    assert "2026-04-01 to 2026-06-30 · as of 2026-06-30 · workbook: small · all teams and people" in html_report


def test_the_report_runs_on_an_empty_workbook(f):
    text = reports.quarter_report_html(headers_only_workbook(), f, Q2)
    assert text.count('class="plotly-graph-div"') == 5


# --------------------------------------------------------------------------------------
# Sheet text stays text
# --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hostile():
    """The small workbook with links, images, HTML and a formula typed into sheet cells."""
    tabs = raw_tabs()
    tabs["themes"][2][2] = IMAGE                       # T-A2's title
    tabs["themes"][2][5] = f"Good {PICTURE} | <b>bold</b> & more"  # T-A2's definition of good
    tabs["decisions"][3][3] = LINK                     # D-3's summary
    tabs["decisions"][6][3] = FORMULA                  # D-6's summary
    tabs["critiques"][4][3] = WEB_LINK                 # C-4's artifact (D-3 learned with it)
    tabs["commitments"][4][1] = "# Heading <script>alert(1)</script>"  # K-4's title (carried over)
    return validate_workbook(tabs, source="hostile")


def test_sheet_text_is_inert_in_the_markdown(hostile, f):
    text = reports.quarter_writeup_markdown(hostile, f, Q2)
    rendered = markdown_to_html(text)
    tags = [tag for tag, _ in parse(rendered).tags]
    assert not set(tags) & {"a", "img", "script", "b"}, tags
    assert tags.count("h1") == 1  # the write-up's own title; "# Heading" in a cell stays text
    visible = " ".join(" ".join(parts) for parts in parse("<h2>x</h2>" + rendered).sections.values())
    for typed in (IMAGE, LINK, WEB_LINK, FORMULA, PICTURE, "<b>bold</b> & more", "<script>alert(1)</script>"):
        assert typed in " ".join(visible.split()), typed
    assert r"\[click\](javascript:alert(1))" in text and r"\<img src=x onerror=alert(1)\>" in text


def test_sheet_text_is_inert_in_the_html_report(hostile, f):
    report = reports.quarter_report_html(hostile, f, Q2)
    parsed = parse(report)
    assert not {tag for tag, _ in parsed.tags} & {"a", "img", "b"}
    assert [tag for tag, _ in parsed.tags].count("script") == 2 + 5 + 1  # plotly's and ours, none from the sheet
    visible = " ".join(section_texts(report).values())
    for typed in (IMAGE, LINK, WEB_LINK, FORMULA, PICTURE, "<b>bold</b> & more", "<script>alert(1)</script>"):
        assert typed in visible, typed
    assert "&lt;img src=x onerror=alert(1)&gt;" in report


def test_sheet_text_is_inert_in_csv(hostile, f):
    r = reports.retro(hostile, f, Q2)
    data = exports.to_csv(r.decisions).decode("utf-8-sig")
    assert "'=HYPERLINK(" in data and ",=HYPERLINK" not in data
    assert LINK in data  # plain text in a CSV: nothing renders it


def test_escape_markdown():
    assert reports.escape_markdown("a*b_c [x](y) <i> & | ~ $5 `k`") == \
        r"a\*b\_c \[x\](y) \<i\> \& \| \~ \$5 \`k\`"
    assert reports.escape_markdown("line one\n# two\ttabs") == "line one # two tabs"
    assert reports.escape_markdown("# title", line_start=True) == r"\# title"
    assert reports.escape_markdown("12. item", line_start=True) == r"12\. item"
    assert reports.escape_markdown("- item", line_start=True) == r"\- item"
    assert reports.escape_markdown("Lenny's 2026-07-01 (book)") == "Lenny's 2026-07-01 (book)"


# --------------------------------------------------------------------------------------
# `learnloop report`
# --------------------------------------------------------------------------------------

runner = CliRunner()


@pytest.fixture
def no_configured_sheets(monkeypatch):
    for name in ("LEARNLOOP_SHEET", "LEARNLOOP_SOURCE", "LEARNLOOP_API_KEY", "LEARNLOOP_SHEETS_API_URL",
                 "LEARNLOOP_DAY_FIRST", "LEARNLOOP_FISCAL_YEAR_START_MONTH", "GOOGLE_APPLICATION_CREDENTIALS"):
        monkeypatch.delenv(name, raising=False)


DEMO_TODAY = "2026-10-02"


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_writes_the_demo_writeup(no_configured_sheets, tmp_path, fmt):
    out = tmp_path / f"retro.{fmt}"
    result = runner.invoke(cli.app, ["report", "demo", "--quarter", "2026-Q3", "--format", fmt, "-o", str(out),
                                     "--as-of", DEMO_TODAY])
    assert result.exit_code == 0, result.output
    f = Filters(as_of=dt.date.fromisoformat(DEMO_TODAY))
    wb = load.workbook("demo", today=f.as_of)
    expected = (reports.quarter_report_html if fmt == "html" else reports.quarter_writeup_markdown)(wb, f, "2026-Q3")
    written = out.read_text(encoding="utf-8")
    if fmt == "md":
        assert written == expected
        assert written.startswith("# Learning retro: 2026-Q3\n")
    else:
        # Chart ids are random per export; the text and structure are the same.
        assert section_texts(written) == section_texts(expected)
        assert written.count('class="plotly-graph-div"') == 5


def test_report_defaults_to_the_last_complete_quarter_and_stdout(no_configured_sheets):
    result = runner.invoke(cli.app, ["report", "demo", "--as-of", DEMO_TODAY])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# Learning retro: 2026-Q3\n")


def test_report_format_follows_the_file_name(no_configured_sheets, tmp_path):
    out = tmp_path / "retro.html"
    result = runner.invoke(cli.app, ["report", "demo", "--quarter", "Q2 2026", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "<h1>Learning retro: 2026-Q2</h1>" in out.read_text(encoding="utf-8")


def test_report_reads_a_csv_folder_with_a_team(no_configured_sheets, tmp_path):
    from learnloop.sources import files

    folder = files.write_csv_folder(raw_tabs(), tmp_path / "team")
    result = runner.invoke(cli.app, ["report", str(folder), "--quarter", Q2, "--as-of", AS_OF.isoformat(),
                                     "--team", "Beta"])
    assert result.exit_code == 0, result.output
    assert "## Playbook scorecard: 2 of 5" in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["report", "demo", "--quarter", "sometime"], "2026-Q1"),
    (["report", "demo", "--as-of", "yesterday"], "2026-10-02"),
    (["report", "no-such-file.xlsx"], "no-such-file.xlsx"),
])
def test_report_refuses_what_it_cannot_use(no_configured_sheets, args, message):
    result = runner.invoke(cli.app, args)
    assert result.exit_code == 2
    assert message in result.output
