"""Closing the loop: what the quarterly retro shows, and the write-up a team shares after it.

:class:`Retro` gathers, for one quarter, everything the Retro page's slides and the write-ups
show — each piece a call to :mod:`learnloop.metrics` (or a plain selection of rows), computed
when first asked for. :func:`quarter_writeup_markdown` turns it into a one-page Markdown summary
in the playbook's order: the theme and its definition of good, the five steps with their
evidence, what changed in decisions, discovery cadence and bets, the quarter against earlier
ones, and what's next. :func:`quarter_report_html` gives the same text as one self-contained
HTML file with an interactive chart per section (plotly.js inline, once), so it opens offline
and travels as an email attachment.

Both are built from one small document model, so their text cannot drift apart. Text that
comes from the sheet (titles, summaries, names, ids, the evidence sentences quoting them) is
escaped on the way out: in Markdown it cannot make a link, an image, HTML or a table, and in
HTML it is only ever text. Pure: no Streamlit, no I/O; "today" is ``f.as_of``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

import pandas as pd
import plotly.graph_objects as go

from learnloop import charts, metrics
from learnloop.filters import Filters, current_quarter
from learnloop.metrics.cadence import critiques_held_in
from learnloop.metrics.commitments import shipped_in
from learnloop.metrics.impact import decisions_in
from learnloop.metrics.network import sources_added_in, sources_pruned_in
from learnloop.metrics.quarters import next_quarter, previous_quarter, quarter_bounds, quarter_range
from learnloop.metrics.selection import present_quarters
from learnloop.safe import printable
from learnloop.words import and_list, left_out, plural
from learnloop.workbook import Workbook

#: How many quarters, ending with the retro's, the trend covers.
TREND_QUARTERS = 4
#: The three kinds of change a write-up records, in the order the write-up groups them.
CATEGORY_HEADINGS = {"decision": "Decisions", "discovery_cadence": "Discovery cadence", "bet": "Bets"}
_CATEGORY_COUNTS = {"decision": ("decision", "decisions"),
                    "discovery_cadence": ("change to the discovery cadence", "changes to the discovery cadence"),
                    "bet": ("bet", "bets")}
STATE_LABELS = {"planned": "planned", "in_progress": "in progress", "overdue": "overdue", "shipped": "shipped",
                 "shipped_late": "shipped late", "dropped": "dropped"}

TREND_COLUMNS = ["quarter", "score", "critiques", "decisions", "shipped"]


# --------------------------------------------------------------------------------------
# Which quarter
# --------------------------------------------------------------------------------------


def last_complete_quarter(wb: Workbook, f: Filters) -> str:
    """The quarter before the one that contains today (``f.as_of``): the one a retro looks back on."""
    return previous_quarter(current_quarter(f, wb.options.fiscal_year_start_month))


def quarter_choices(wb: Workbook, f: Filters) -> list[str]:
    """The quarters a retro can look at: every quarter the workbook has something in, and the
    last complete quarter (so an empty workbook still has one), sorted."""
    return sorted({*present_quarters(wb), last_complete_quarter(wb, f)})


def trend_window(wb: Workbook, quarter: str) -> list[str]:
    """Up to :data:`TREND_QUARTERS` quarters ending with ``quarter``, starting no earlier than the
    first quarter the workbook has something in (so a young workbook shows no empty past)."""
    first = quarter
    for _ in range(TREND_QUARTERS - 1):
        first = previous_quarter(first)
    present = present_quarters(wb)
    if present and present[0] > first:
        first = min(present[0], quarter)
    return quarter_range(first, quarter)


# --------------------------------------------------------------------------------------
# The retro's content
# --------------------------------------------------------------------------------------


class Retro:
    """What the retro shows for ``quarter``: the teams, people and themes of ``f`` apply, its
    quarter range does not (the retro looks at its own quarter, and at :func:`trend_window`)."""

    def __init__(self, wb: Workbook, f: Filters, quarter: str) -> None:
        self.wb = wb
        self.f = replace(f, quarters=None)
        self.quarter = quarter
        self.previous = previous_quarter(quarter)
        self.next = next_quarter(quarter)
        self.start, self.end = quarter_bounds(quarter, wb.options.fiscal_year_start_month)
        #: The day the retro's "as of" figures are taken: the quarter's last day once it has closed, else today.
        self.as_of: dt.date = min(f.today(), self.end)
        #: The filters as the retro reads them: no range, and today the day of :attr:`as_of`.
        self.at_end = replace(self.f, as_of=self.as_of)
        self.window: list[str] = trend_window(wb, quarter)
        #: The filters with the range set to the quarter, and to the trend window.
        self.in_quarter = replace(self.f, quarters=(quarter, quarter))
        self.in_window = replace(self.f, quarters=(self.window[0], quarter))

    # The scorecard and the headline numbers ----------------------------------------------

    @cached_property
    def card(self) -> metrics.Scorecard:
        """:func:`metrics.scorecard` for the quarter."""
        return metrics.scorecard(self.wb, self.f, self.quarter)

    @cached_property
    def previous_card(self) -> metrics.Scorecard:
        return metrics.scorecard(self.wb, self.f, self.previous)

    @cached_property
    def kpis(self) -> list[metrics.Kpi]:
        """:func:`metrics.kpis`: four headline numbers against the previous quarter."""
        return metrics.kpis(self.wb, self.f, self.quarter)

    # Themes ------------------------------------------------------------------------------

    @cached_property
    def themes(self) -> pd.DataFrame:
        """The quarter's themes (dropped ones too): :func:`metrics.theme_summary` columns."""
        return metrics.theme_summary(self.wb, self.in_quarter)

    @cached_property
    def next_themes(self) -> pd.DataFrame:
        """The next quarter's themes that are not dropped."""
        themes = metrics.theme_summary(self.wb, replace(self.f, quarters=(self.next, self.next)))
        return themes[themes["status"].ne("dropped").fillna(True).to_numpy(dtype=bool)].reset_index(drop=True)

    # Learning from ------------------------------------------------------------------------

    @cached_property
    def sources_added(self) -> pd.DataFrame:
        """Sources added during the quarter, in the order added
        (:func:`~learnloop.metrics.network.sources_added_in`)."""
        return sources_added_in(self.wb, self.f, self.quarter)

    @cached_property
    def sources_pruned(self) -> pd.DataFrame:
        """Sources pruned during the quarter (whenever added), in the order pruned."""
        return sources_pruned_in(self.wb, self.f, self.quarter)

    @cached_property
    def top_sources(self) -> pd.DataFrame:
        """:func:`metrics.top_sources` for the quarter's decision write-ups: the most influential."""
        return metrics.top_sources(self.wb, self.in_quarter)

    @cached_property
    def dormant(self) -> pd.DataFrame:
        """:func:`metrics.dormant_sources` as of :attr:`as_of`: prune candidates for the quarter ahead."""
        return metrics.dormant_sources(self.wb, self.at_end)

    # Learning with ------------------------------------------------------------------------

    @cached_property
    def critiques(self) -> pd.DataFrame:
        """Critiques held in the quarter, in date order (:func:`~learnloop.metrics.cadence.critiques_held_in`)."""
        return critiques_held_in(self.wb, self.f, self.quarter)

    @cached_property
    def roles(self) -> pd.DataFrame:
        """:func:`metrics.roles_coverage` over the quarter's months."""
        return metrics.roles_coverage(self.wb, self.in_quarter)

    @cached_property
    def artifact_types(self) -> pd.DataFrame:
        """:func:`metrics.artifact_types` for the quarter's critiques."""
        return metrics.artifact_types(self.wb, self.in_quarter)

    # Shipped ------------------------------------------------------------------------------

    @cached_property
    def shipped(self) -> pd.DataFrame:
        """Commitments shipped during the quarter (whenever made): :func:`metrics.commitment_ledger`
        rows, ``state`` shipped or shipped_late, in the order shipped."""
        return shipped_in(self.wb, self.f, self.quarter)

    @cached_property
    def carried(self) -> pd.DataFrame:
        """:func:`metrics.carried_over`: commitments still open at the quarter's end that cross it, where
        they stood on :attr:`as_of`."""
        return metrics.carried_over(self.wb, self.at_end, self.quarter)

    # What changed -------------------------------------------------------------------------

    @cached_property
    def decisions(self) -> pd.DataFrame:
        """The quarter's decision write-ups, oldest first: :func:`metrics.decision_log` columns plus
        ``category_key`` (decision, discovery_cadence, bet) and ``supersedes``."""
        return decisions_in(self.wb, self.f, self.quarter)

    # Against earlier quarters -------------------------------------------------------------

    @cached_property
    def trend(self) -> pd.DataFrame:
        """Per quarter of the trend window: playbook score, critiques held, decision write-ups and
        artifacts shipped. Columns: :data:`TREND_COLUMNS`."""
        return metrics.quarter_numbers(self.wb, self.in_window)[TREND_COLUMNS]


def retro(wb: Workbook, f: Filters, quarter: str) -> Retro:
    """The :class:`Retro` for ``quarter``."""
    return Retro(wb, f, quarter)


# --------------------------------------------------------------------------------------
# Escaping
# --------------------------------------------------------------------------------------

# Characters that can start markup inside a line: emphasis, code, links and images ([ ]),
# autolinks and HTML (< >), entities (&), tables (|), strikethrough (~), maths ($).
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>&|~$])")
# What turns the start of a line into a block: a heading, quote, list item, rule or setext line.
_MD_BLOCK_START = re.compile(r"^([#>+=-]|\d{1,9}[.)])")


def escape_markdown(text: object, *, line_start: bool = False) -> str:
    """Sheet text as inert Markdown (CommonMark, GitHub and Streamlit): one line, every character
    that could start a link, image, HTML tag, entity, emphasis or table escaped with a backslash;
    with ``line_start``, a leading ``#``, ``>``, ``-``, ``+``, ``=`` or ``1.`` is escaped too."""
    out = _MD_SPECIAL.sub(r"\\\1", " ".join(printable(str(text), keep_lines=False).split()))
    if line_start:
        out = _MD_BLOCK_START.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], out)
    return out


# --------------------------------------------------------------------------------------
# The write-up as a small document
# --------------------------------------------------------------------------------------

Style = Literal["plain", "sheet", "bold", "bold_sheet"]
#: A piece of a line: our own words ("plain", "bold") or text from the sheet ("sheet", "bold_sheet").
Run = tuple[Style, str]
Line = tuple[Run, ...]


@dataclass(frozen=True)
class Block:
    kind: Literal["p", "h3", "ul", "ol"]
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Document:
    title: str
    meta: Line
    sections: tuple[Section, ...]
    #: Rows an error keeps out of the numbers, and where Data health is (a link, when the app's is known).
    left_out: int = 0
    health_url: str | None = None


def _p(*runs: Run) -> Block:
    return Block("p", (tuple(runs),))


def _h3(text: str) -> Block:
    return Block("h3", ((("plain", text),),))


def _list(kind: Literal["ul", "ol"], lines: Iterable[Line]) -> Block:
    return Block(kind, tuple(lines))


def _date(value: object) -> str:
    return "" if value is None or pd.isna(value) else f"{pd.Timestamp(value):%Y-%m-%d}"  # type: ignore[arg-type]


def _text(value: object) -> str | None:
    """A cell as stripped text, None when blank."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _details(*parts: tuple[Style, str | None]) -> list[Run]:
    """`` (a · b · c)`` from the parts that are not blank (nothing when all are)."""
    kept = [(style, text) for style, text in parts if text]
    if not kept:
        return []
    runs: list[Run] = [("plain", " (")]
    for index, run in enumerate(kept):
        if index:
            runs.append(("plain", " · "))
        runs.append(run)  # type: ignore[arg-type]
    runs.append(("plain", ")"))
    return runs


def _theme_line(row: pd.Series) -> Line:
    runs: list[Run] = [("bold_sheet", _text(row["title"]) or str(row["theme_id"]))]
    runs += _details(("sheet", _text(row["team"])), ("sheet", _text(row["owner"])),
                     ("plain", _text(row["status"]) or "active"))
    good = _text(row["definition_of_good"])
    runs += [("plain", " — definition of good: "), ("sheet", good)] if good else \
        [("plain", " — no definition of good written down")]
    return tuple(runs)


def _kpi_line(kpi: metrics.Kpi, previous: str) -> Line:
    now, before = metrics.kpi_text(kpi.value, kpi.unit), metrics.kpi_text(kpi.previous, kpi.unit)
    if kpi.value is None:
        change = "none this quarter"
    elif kpi.previous is None:
        change = f"nothing to compare in {previous}"
    elif kpi.value > kpi.previous:
        change = f"up from {before} in {previous}"
    elif kpi.value < kpi.previous:
        change = f"down from {before} in {previous}"
    else:
        change = f"the same as {previous}"
    return (("plain", f"{kpi.name}: {now}, {change}" if kpi.value is not None else f"{kpi.name}: {change}"),)


def _themes_section(r: Retro) -> Section:
    themes = r.themes
    title = "Themes and definitions of good" if len(themes) > 1 else "Theme and definition of good"
    if themes.empty:
        blocks = (_p(("plain", f"No theme set for {r.quarter}. Pick one, and write down what good will "
                               "look like.")),)
    else:
        blocks = (_list("ul", (_theme_line(row) for _, row in themes.iterrows())),)
    return Section("themes", title, blocks)


def _scorecard_section(r: Retro) -> Section:
    card, before = r.card, r.previous_card
    if card.score > before.score:
        change = f"Up from {before.score} in {r.previous}."
    elif card.score < before.score:
        change = f"Down from {before.score} in {r.previous}."
    else:
        change = f"The same as {r.previous}."
    steps = [(("plain", f"{'✓' if step.done else '✗'} "), ("bold", step.name), ("plain", " — "),
              ("sheet", step.evidence)) for step in card.steps]
    return Section("scorecard", f"Playbook scorecard: {card.score} of {len(card.steps)}",
                   (_p(("plain", change)), _list("ol", steps)))


def _decision_line(row: pd.Series) -> Line:
    impact = row["impact"]
    status = _text(row["status"])
    runs: list[Run] = [("plain", f"{_date(row['date'])} · "), ("bold_sheet", _text(row["summary"]) or "")]
    runs += _details(("sheet", _text(row["decision_id"])), ("sheet", _text(row["owner"])),
                     ("plain", None if pd.isna(impact) else f"impact {int(impact)} of 5"),
                     ("plain", status if status and status != "active" else None))
    learned = [(label, _text(row[column])) for label, column in (("learned from", "learned_from"),
                                                                 ("learned with", "learned_with"))]
    learned = [(label, text) for label, text in learned if text]
    if learned:
        for index, (label, text) in enumerate(learned):
            runs += [("plain", (" — " if index == 0 else "; ") + f"{label}: "), ("sheet", text)]  # type: ignore[list-item]
    else:
        runs.append(("plain", " — not traced to a source or critique"))
    replaces = _text(row["supersedes"])
    if replaces:
        runs += [("plain", "; replaces "), ("sheet", replaces)]
    return tuple(runs)


def _changed_section(r: Retro) -> Section:
    decisions = r.decisions
    if decisions.empty:
        return Section("changed", "What changed", (_p((
            "plain", f"No decision write-up in {r.quarter}: the loop is still open. Write down what changed in "
                     "a decision, the discovery cadence or a bet, and the learning it came from.")),))
    counts = decisions["category_key"].value_counts()
    parts = [plural(int(counts[key]), *_CATEGORY_COUNTS[key]) for key in CATEGORY_HEADINGS if counts.get(key)]
    blocks: list[Block] = [_p(("plain", f"{plural(len(decisions), 'decision write-up')}: {and_list(parts)}."))]
    for key, heading in CATEGORY_HEADINGS.items():
        blocks.append(_h3(heading))
        rows = decisions.loc[decisions["category_key"].eq(key).to_numpy(dtype=bool)]
        blocks.append(_list("ul", (_decision_line(row) for _, row in rows.iterrows())) if len(rows)
                      else _p(("plain", "None this quarter.")))
    return Section("changed", "What changed", tuple(blocks))


def _shipped_section(r: Retro) -> Section:
    shipped = r.shipped
    if shipped.empty:
        return Section("shipped", "What we shipped", (_p(("plain", f"No artifact shipped in {r.quarter}.")),))
    late = int(shipped["state"].eq("shipped_late").sum())
    summary = f"{plural(len(shipped), 'artifact')} shipped" + (f", {late} after its due date" if late == 1 else
                                                               f", {late} after their due dates" if late else "")
    lines = [(("bold_sheet", _text(row["title"]) or ""),
              *_details(("sheet", _text(row["commitment_id"])), ("sheet", _text(row["owner"])),
                        ("sheet", _text(row["kind"]))),
              ("plain", f" — shipped {_date(row['shipped_on'])}" + (f", due {_date(row['due_on'])}"
                                                                     if _date(row["due_on"]) else "")))
             for _, row in shipped.iterrows()]
    return Section("shipped", "What we shipped", (_p(("plain", summary + ".")), _list("ul", lines)))


def changed_lines(r: Retro) -> list[str]:
    """The quarter's decision write-ups, one plain line each (for a slide): what kind of change, the
    summary, and where the learning came from."""
    lines = []
    for _, row in r.decisions.iterrows():
        learned = "; ".join(f"{label} {_text(row[column])}" for label, column in
                            (("from", "learned_from"), ("with", "learned_with")) if _text(row[column]))
        kind = CATEGORY_HEADINGS.get(str(row["category_key"]), "")
        lines.append(f"{kind.removesuffix('s')}: {_text(row['summary']) or ''}"  # "Decisions" is "Decision"
                     + (f" — learned {learned}" if learned else ""))
    return lines


def _trend_section(r: Retro) -> Section:
    lines = [(("plain", f"{row.quarter}: {row.score} of {len(metrics.STEPS)} steps, "
                        f"{plural(int(row.critiques), 'critique')}, "
                        f"{plural(int(row.decisions), 'decision write-up')}, "
                        f"{plural(int(row.shipped), 'artifact')} shipped"),)
             for row in r.trend.itertuples()]
    return Section("trend", "Against earlier quarters", (
        _list("ul", (_kpi_line(kpi, r.previous) for kpi in r.kpis)),
        _p(("plain", "Quarter by quarter:")),
        _list("ul", lines),
    ))


def _next_section(r: Retro) -> Section:
    blocks: list[Block] = [_h3(f"Theme for {r.next}")]
    if r.next_themes.empty:
        blocks.append(_p(("plain", f"No theme set for {r.next} yet. Pick one, and write down what good will "
                                   "look like.")))
    else:
        blocks.append(_list("ul", (_theme_line(row) for _, row in r.next_themes.iterrows())))

    blocks.append(_h3("Open commitments carried over"))
    if r.carried.empty:
        blocks.append(_p(("plain", f"Nothing carried over: every commitment made by the end of {r.quarter} "
                                   "shipped, was dropped or is due within it.")))
    else:
        blocks.append(_list("ul", (
            (("bold_sheet", _text(row["title"]) or ""),
             *_details(("sheet", _text(row["commitment_id"])), ("sheet", _text(row["owner"])),
                       ("plain", f"due {_date(row['due_on'])}" if _date(row["due_on"]) else None)),
             ("plain", f" — {STATE_LABELS.get(str(row['state']), str(row['state']))}; {row['reason']}"))
            for _, row in r.carried.iterrows())))

    blocks.append(_h3("Sources to prune"))
    if r.dormant.empty:
        blocks.append(_p(("plain", f"Every source in the network was engaged with in the {metrics.DORMANT_DAYS} days "
                                   f"before {_date(r.as_of)}.")))
    else:
        blocks.append(_p(("plain", f"No engagement for more than {metrics.DORMANT_DAYS} days on {_date(r.as_of)}:")))
        blocks.append(_list("ul", (
            (("bold_sheet", _text(row["name"]) or ""),
             *_details(("sheet", _text(row["source_id"])), ("sheet", _text(row["kind"])),
                       ("sheet", _text(row["owner"]))),
             ("plain", f" — quiet for {plural(int(row['days_since']), 'day')}, since {_date(row['last_engaged_on'])}"))
            for _, row in r.dormant.iterrows())))
    return Section("next", "What's next", tuple(blocks))


def _scope(f: Filters) -> list[Run]:
    parts: list[Run] = []
    for label, values in (("team", f.teams), ("person", f.people), ("theme", f.themes)):
        if values:
            if parts:
                parts.append(("plain", "; "))
            many = "people" if label == "person" else label + "s"
            parts += [("plain", f"{label if len(values) == 1 else many} "), ("sheet", ", ".join(values))]
    return parts or [("plain", "all teams and people")]


def writeup(wb: Workbook, f: Filters, quarter: str, r: Retro | None = None, *,
            health_url: str | None = None) -> Document:
    """The write-up of ``quarter`` as a :class:`Document` (what both renderings print); ``health_url``
    is the app's Data health page, for the note on rows left out."""
    r = r or Retro(wb, f, quarter)
    meta: Line = (("plain", f"{_date(r.start)} to {_date(r.end)} · as of {_date(r.as_of)} · workbook: "),
                  ("sheet", "demo" if wb.source == "demo" else wb.source), ("plain", " · "), *_scope(r.f))
    sections = (_themes_section(r), _scorecard_section(r), _changed_section(r), _shipped_section(r),
                _trend_section(r), _next_section(r))
    safe_url = health_url if health_url and health_url.startswith(("https://", "http://")) else None
    return Document(f"Learning retro: {quarter}", meta, sections, wb.left_out, safe_url)


# --------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------


def _md_line(line: Line) -> str:
    out = []
    for index, (style, text) in enumerate(line):
        if style in ("sheet", "bold_sheet"):
            text = escape_markdown(text, line_start=index == 0)
        out.append(f"**{text}**" if style.startswith("bold") and text else text)
    return "".join(out)


def markdown_blocks(blocks: Iterable[Block]) -> str:
    """Blocks of a section as Markdown (sheet text escaped), separated by blank lines."""
    out = []
    for block in blocks:
        if block.kind == "p":
            out.append(_md_line(block.lines[0]))
        elif block.kind == "h3":
            out.append(f"### {_md_line(block.lines[0])}")
        else:
            out.append("\n".join(f"{f'{n}.' if block.kind == 'ol' else '-'} {_md_line(line)}"
                                 for n, line in enumerate(block.lines, start=1)))
    return "\n\n".join(out)


def _left_out_note(doc: Document, link: str) -> str:
    return (f"Note: {left_out(doc.left_out)}. {link} lists them and the cells to fix"
            f"{'' if doc.health_url else ' (or run `learnloop validate`)'}.")


def render_markdown(doc: Document) -> str:
    """A :class:`Document` as Markdown, sheet text escaped."""
    parts = [f"# {doc.title}", _md_line(doc.meta)]
    if doc.left_out:
        link = f"[Data health](<{doc.health_url}>)" if doc.health_url else "Data health in the app"
        parts.append("> " + _left_out_note(doc, link))
    parts += [f"## {section.title}\n\n{markdown_blocks(section.blocks)}" for section in doc.sections]
    return "\n\n".join(parts) + "\n"


def quarter_writeup_markdown(wb: Workbook, f: Filters, quarter: str, *, health_url: str | None = None) -> str:
    """The one-page Markdown write-up of ``quarter``: theme and definition of good, the five
    playbook steps with their evidence, what changed (decisions, discovery cadence, bets), the
    quarter against earlier ones, and what's next (next theme, open commitments carried over,
    sources to prune). Teams, people and themes of ``f`` apply; its quarter range does not."""
    return render_markdown(writeup(wb, f, quarter, health_url=health_url))


# --------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------

#: The printed page: A4 with these margins, so the text column is PRINT_WIDTH_MM wide.
PRINT_MARGINS_MM = (16, 15)
PRINT_WIDTH_MM = 210 - 2 * PRINT_MARGINS_MM[1]

#: The report's own style sheet: system fonts, high contrast, no external resources. Long unbroken
#: strings (a pasted URL, a 32,767-character cell) wrap anywhere rather than widen the page, and in
#: print each section starts a page of its own.
REPORT_CSS = f"""
:root {{ color-scheme: light; }}
body {{ margin: 0; background: #ffffff; color: #111418;
       font: 17px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; }}
main {{ max-width: 62rem; margin: 0 auto; padding: 2rem 1.5rem 4rem; }}
h1, h2, h3, p, li {{ overflow-wrap: anywhere; }}
h1 {{ font-size: 2rem; margin: 0 0 .25rem; }}
h2 {{ font-size: 1.45rem; margin: 2.5rem 0 .5rem; padding-top: 1rem; border-top: 2px solid #d5dbe1; }}
h3 {{ font-size: 1.1rem; margin: 1.25rem 0 .25rem; }}
.meta {{ color: #3d4650; margin-top: 0; }}
.note {{ border-left: 4px solid #E69F00; padding: .25rem .75rem; background: #FFF8EC; }}
ul, ol {{ padding-left: 1.6rem; }}
li {{ margin: .2rem 0; }}
figure.chart {{ margin: 1.25rem 0 0; }}
@page {{ size: A4; margin: {PRINT_MARGINS_MM[0]}mm {PRINT_MARGINS_MM[1]}mm; }}
@media print {{
  body {{ font-size: 11pt; }}
  main {{ width: {PRINT_WIDTH_MM}mm; max-width: 100%; margin: 0; padding: 0; }}
  section {{ break-before: page; }}
  section:first-of-type {{ break-before: auto; }}
  h2 {{ border-top: none; margin-top: 0; padding-top: 0; }}
  h2, h3 {{ break-after: avoid; }}
  figure.chart {{ break-inside: avoid; margin-top: .75rem; }}
}}
"""

#: Charts are drawn for the screen's width; before printing they are redrawn at the page's width
#: (and back after), so no chart runs past the right edge. Both events are listened to: browsers
#: send ``beforeprint`` for a print dialog, and the ``print`` media change for a PDF printed headless.
PRINT_SCRIPT = f"""
(function () {{
  var printWidth = Math.floor({PRINT_WIDTH_MM} * 96 / 25.4);
  function fit(printing) {{
    if (!window.Plotly) return;
    // A fresh draw rather than a relayout: a relayout animates some charts (the Sankey), and
    // the page is printed before an animation ends.
    document.querySelectorAll(".js-plotly-plot").forEach(function (plot) {{
      var layout = Object.assign({{}}, plot.layout, printing ? {{width: printWidth, autosize: false}}
                                                         : {{width: undefined, autosize: true}});
      Plotly.newPlot(plot, plot.data, layout, plot._context);
    }});
  }}
  window.addEventListener("beforeprint", function () {{ fit(true); }});
  window.addEventListener("afterprint", function () {{ fit(false); }});
  window.matchMedia("print").addEventListener("change", function (event) {{ fit(event.matches); }});
}})();
"""


def _html_line(line: Line) -> str:
    out = []
    for style, text in line:
        escaped = html.escape(printable(text, keep_lines=False) if style.endswith("sheet") else text, quote=False)
        out.append(f"<strong>{escaped}</strong>" if style.startswith("bold") else escaped)
    return "".join(out)


def _html_block(block: Block) -> str:
    if block.kind == "p":
        return f"<p>{_html_line(block.lines[0])}</p>"
    if block.kind == "h3":
        return f"<h3>{_html_line(block.lines[0])}</h3>"
    items = "\n".join(f"<li>{_html_line(line)}</li>" for line in block.lines)
    return f"<{block.kind}>\n{items}\n</{block.kind}>"


def report_charts(r: Retro, *, size: charts.Size = "screen") -> dict[str, go.Figure]:
    """One chart per write-up section, by section key. Their text is fitted to a half-screen width,
    which also fits the printed page's text column (a full-screen width would not)."""
    return {
        "themes": charts.theme_progress(r.themes, size=size, width="half"),
        "scorecard": charts.scorecard(r.card, size=size, width="half"),
        "changed": charts.learning_flows(metrics.learning_flows(r.wb, r.in_quarter), size=size, width="half"),
        "shipped": charts.commitments(metrics.commitments_per_quarter(r.wb, r.in_window), size=size, width="half"),
        "trend": charts.score_trend(metrics.score_trend(r.wb, r.in_window), size=size, width="half",
                                    to_date=r.quarter if metrics.under_way(r.wb, r.f, r.quarter) else None),
    }


def render_html(doc: Document, figures: dict[str, go.Figure]) -> str:
    """A :class:`Document` as one self-contained HTML page, each section followed by its chart;
    plotly.js is inlined with the first chart only."""
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{html.escape(doc.title)}</title>", f"<style>{REPORT_CSS}</style>", "</head>", "<body>",
             "<main>", f"<h1>{html.escape(doc.title)}</h1>", f'<p class="meta">{_html_line(doc.meta)}</p>']
    if doc.left_out:
        link = (f'<a href="{html.escape(doc.health_url)}">Data health</a>' if doc.health_url
                else "Data health in the app")
        parts.append(f'<p class="note">{html.escape(_left_out_note(doc, "LINK")).replace("LINK", link)}</p>')
    plotly_js_included = False
    for section in doc.sections:
        parts.append(f'<section id="{section.key}">')
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        parts += [_html_block(block) for block in section.blocks]
        figure = figures.get(section.key)
        if figure is not None:
            chart = figure.to_html(full_html=False, include_plotlyjs=not plotly_js_included,
                                   config={"displaylogo": False, "responsive": True},
                                   default_width="100%", div_id=f"chart-{section.key}")
            plotly_js_included = True
            parts.append(f'<figure class="chart">{chart}</figure>')
        parts.append("</section>")
    parts += ["</main>", f"<script>{PRINT_SCRIPT}</script>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


def quarter_report_html(wb: Workbook, f: Filters, quarter: str, *, health_url: str | None = None) -> str:
    """The write-up of ``quarter`` as one self-contained HTML file: the text of
    :func:`quarter_writeup_markdown` with an interactive chart under each section. plotly.js is
    included inline once, and nothing is loaded from elsewhere, so it opens offline."""
    r = Retro(wb, f, quarter)
    return render_html(writeup(wb, f, quarter, r, health_url=health_url), report_charts(r))


__all__ = [
    "CATEGORY_HEADINGS", "REPORT_CSS", "STATE_LABELS", "TREND_QUARTERS", "Block", "Document", "Retro", "Section",
    "escape_markdown", "last_complete_quarter", "markdown_blocks", "quarter_choices", "quarter_report_html",
    "quarter_writeup_markdown", "render_html", "render_markdown", "report_charts", "retro", "trend_window",
    "writeup",
]
