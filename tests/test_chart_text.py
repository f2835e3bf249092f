"""Chart text that fits its chart, tested as data: titles and subtitles broken into lines that fit
the narrowest column at 1280×720, a top margin that grows with them, legends with room of their
own, Sankey and axis labels shortened to their room with the full name on hover, and count axes
in whole numbers — on long and hostile sheet text too. Widths are measured with Liberation Sans,
the font Debian's Chromium draws the charts' font stack in (Arial's metrics), not with the
code under test."""

from __future__ import annotations

import html
import itertools
from pathlib import Path

import pandas as pd
import pytest
from PIL import ImageFont

from learnloop import charts, load, textfit
from learnloop import metrics as m
from learnloop.filters import Filters

FONT = Path("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf")
LONG = "Stakeholder management with finance, risk, legal and the audit committee of the board in 2026"
UNBROKEN = "https://example.com/" + "a" * 200
HOSTILE = "<img src=x onerror=alert(1)> & <b>bold</b> &amp; =HYPERLINK(\"x\")\n\tend 😀 漢字のテーマ"
NAMES = [LONG, UNBROKEN, HOSTILE]
D = pd.Timestamp


@pytest.fixture(scope="module")
def measure():
    """The drawn width (px) of a line of chart text, as plotly shows it (entities read as characters)."""
    if not FONT.exists():
        pytest.skip(f"{FONT} (fonts-liberation, which Debian's Chromium draws Arial with) is not installed")
    fonts: dict[float, ImageFont.FreeTypeFont] = {}

    def width(markup: str, size: float) -> float:
        font = fonts.setdefault(size, ImageFont.truetype(str(FONT), size=int(size * 10)))
        return font.getlength(html.unescape(markup)) / 10

    return width


def lines(text: str | None) -> list[str]:
    return [] if text is None else text.split("<br>")


def read(text: str | None) -> str:
    return " ".join(lines(text))


def room(size: str, width: str = "narrow") -> float:
    return charts.WIDTHS[size][width] - charts.TITLE_LEFT - charts.TITLE_RIGHT


@pytest.fixture(scope="module")
def demo():
    return load.workbook("demo")

# --------------------------------------------------------------------------------------
# Every builder, on sheet text of every shape
# --------------------------------------------------------------------------------------


def scorecard_of(name: str) -> m.Scorecard:
    return m.Scorecard("2026-Q3", tuple(m.Step(n, key_name, n % 2 == 0, name, {}, key)
                                        for n, key, key_name in m.STEPS))


def builders(name: str) -> dict[str, object]:
    """Every builder, fed ``name`` wherever sheet text reaches its title, subtitle or labels."""
    quarters = ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]
    return {
        "scorecard": lambda **kw: charts.scorecard(scorecard_of(name), **kw),
        "score_trend": lambda **kw: charts.score_trend(pd.DataFrame(
            {"quarter": quarters, "score": [5, 2, 4, 3],
             **{key: [True, False, True, False] for _, key, _ in m.STEPS}}), **kw),
        "decisions_trend": lambda **kw: charts.decisions_trend(
            pd.DataFrame({"quarter": quarters, "decisions": [1, 2, 1, 2]}), **kw),
        "cadence": lambda **kw: charts.cadence(pd.DataFrame(
            {"month": [D("2026-01-01"), D("2026-02-01"), D("2026-03-01"), D("2026-04-01")],
             "critiques": [1, 0, 2, 0]}), target=2, **kw),
        "pln_size": lambda **kw: charts.pln_size(pd.DataFrame(
            {"quarter": quarters, "added": [3, 1, 2, 1], "pruned": [0, 1, 2, 1],
             "active_at_end": [3, 3, 3, 3]}), **kw),
        "source_kinds": lambda **kw: charts.source_kinds(
            pd.DataFrame({"kind": [name, "book"], "sources": [3, 1]}), **kw),
        "top_sources": lambda **kw: charts.top_sources(pd.DataFrame(
            {"source_id": ["S-1", "S-2"], "name": [name, "Book"], "kind": [name, "book"],
             "decisions": [2, 1]}), **kw),
        "roles_heatmap": lambda **kw: charts.roles_heatmap(pd.DataFrame(
            {"month": [D("2026-01-01")] * 4, "role": ["PM", "Design", "Eng", name],
             "critiques": [1, 0, 1, 1]}), **kw),
        "peer_roles_share": lambda **kw: charts.peer_roles_share(pd.DataFrame(
            {"quarter": quarters[:2], "critiques": [3, 2], "all_present": [1, 2],
             "share": [1 / 3, 1.0]}), **kw),
        "artifact_types": lambda **kw: charts.artifact_types(
            pd.DataFrame({"artifact_type": [name, "roadmap"], "critiques": [2, 1]}), **kw),
        "commitments": lambda **kw: charts.commitments(pd.DataFrame(
            {"quarter": quarters[:2], "committed": [1, 2], "shipped": [1, 1], "shipped_on_time": [0, 1],
             "on_time_rate": [0.0, 1.0]}), **kw),
        "decisions_by_category": lambda **kw: charts.decisions_by_category(pd.DataFrame(
            {"quarter": ["2026-Q1", "2026-Q1"], "category": [name, "bet"], "decisions": [2, 1]}), **kw),
        "traced_share": lambda **kw: charts.traced_share(0.5, quarter=name, **kw),
        "learning_mix": lambda **kw: charts.learning_mix(pd.DataFrame(
            {"mix": list(m.MIX_LABELS), "label": list(m.MIX_LABELS.values()), "decisions": [1, 1, 2],
             "share": [0.25, 0.25, 0.5]}), **kw),
        "time_to_impact": lambda **kw: charts.time_to_impact(pd.DataFrame(
            {"kind": ["source", "critique"], "id": [name, "C-1"], "decision_id": ["D-1", name],
             "quarter": ["2026-Q1"] * 2, "learned_on": [D("2026-01-01")] * 2,
             "decided_on": [D("2026-01-03")] * 2, "days": [2, 1]}), **kw),
        "learning_flows": lambda **kw: charts.learning_flows(flows(name), **kw),
        "theme_progress": lambda **kw: charts.theme_progress(pd.DataFrame(
            {"theme_id": ["T-1", "T-2"], "quarter": ["2026-Q1", "2026-Q2"], "title": [name, "Pricing"],
             "team": ["A", "A"], "owner": ["Ana", "Ben"], "status": ["done", "active"],
             "definition_of_good": [None, None], "sources": [1, 0], "critiques": [2, 1],
             "commitments": [0, 1], "shipped": [0, 1], "decisions": [1, 1]}), **kw),
        "empty": lambda **kw: charts.empty_figure(name, f"Nothing for {name} yet — add rows", **kw),
    }


def flows(theme: str, kind: str = "Peer critique") -> pd.DataFrame:
    return pd.DataFrame([
        (kind, theme, 3, "learning", "theme"), ("Book", theme, 1, "learning", "theme"),
        ("Book", "Pricing", 2, "learning", "theme"),
        (theme, "Decision", 3, "theme", "change"), (theme, "Discovery cadence", 1, "theme", "change"),
        ("Pricing", "Bet", 2, "theme", "change"),
    ], columns=m.LEARNING_FLOWS_COLUMNS)


BUILDERS = list(builders(""))


@pytest.mark.parametrize("size", ["screen", "presentation"])
@pytest.mark.parametrize("name", NAMES, ids=["long", "unbroken", "hostile"])
@pytest.mark.parametrize("builder", BUILDERS)
def test_title_and_subtitle_lines_fit_the_narrowest_column(measure, builder, name, size):
    s = charts.SIZING[size]
    fig = builders(name)[builder](size=size)
    title, subtitle = fig.layout.title.text, fig.layout.title.subtitle.text
    assert 1 <= len(lines(title)) <= 3 and len(lines(subtitle)) <= 3
    for line in lines(title):
        assert measure(line, s.title) <= room(size), f"{builder}: {line!r} is wider than a narrow chart"
    for line in lines(subtitle):
        assert measure(line, s.subtitle) <= room(size), f"{builder}: {line!r} is wider than a narrow chart"
    for note in fig.layout.annotations:
        if note.font.size == s.annotation:  # an empty chart's note
            for line in lines(note.text):
                assert measure(line, s.annotation) <= charts.WIDTHS[size]["narrow"] - 2 * charts.TITLE_LEFT
    # Sheet text stays text: no tag plotly would read, in the title or anywhere else.
    for text in (title, subtitle or "", str(fig.to_plotly_json()["data"])):
        assert "<img" not in text and "<b>bold" not in text


@pytest.mark.parametrize("builder", BUILDERS)
def test_a_wider_chart_says_as_much_in_as_few_lines(builder):
    narrow, full = (builders(LONG)[builder](width=width) for width in ("narrow", "full"))
    shown = read(narrow.layout.title.text)
    assert read(full.layout.title.text).startswith(shown.removesuffix(textfit.ELLIPSIS))
    assert len(lines(full.layout.title.text)) <= len(lines(narrow.layout.title.text))
    assert full.layout.margin.t <= narrow.layout.margin.t


def test_a_title_that_fits_is_left_whole():
    fig = charts.decisions_trend(pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2"], "decisions": [1, 3]}),
                                 width="full")
    assert fig.layout.title.text == "3 decision write-ups in 2026-Q2"
    assert fig.layout.title.subtitle.text == "Up from 1 in 2026-Q1; 4 over 2 quarters"


def test_the_top_margin_grows_with_the_title_lines_and_the_plot_keeps_its_height():
    s = charts.SIZING["screen"]
    short = charts.source_kinds(pd.DataFrame({"kind": ["book"], "sources": [3]}), width="full")
    long = charts.source_kinds(pd.DataFrame({"kind": [LONG], "sources": [3]}), width="narrow")
    assert len(lines(short.layout.title.text)) == 1 and len(lines(long.layout.title.text)) == 3
    # Two more lines of 22 px type, at plotly's 1.3 line spacing (to the pixel).
    assert long.layout.margin.t - short.layout.margin.t >= round(2 * 1.3 * s.title)
    assert long.layout.title.pad.t > short.layout.title.pad.t  # several lines start where one does
    # However much text sits on top, the plot is never shorter than the template makes it.
    tall = charts.pln_size(pd.DataFrame({"quarter": ["2026-Q1"], "added": [1], "pruned": [0],
                                         "active_at_end": [1]}), size="presentation")
    assert tall.layout.margin.t > charts.SIZING["presentation"].top
    for fig, size in ((short, "screen"), (long, "screen"), (tall, "presentation")):
        design = charts.SIZING[size]
        assert fig.layout.height - fig.layout.margin.t >= design.height - design.top


def test_unknown_width_is_refused():
    with pytest.raises(ValueError, match="width"):
        charts.decisions_trend(pd.DataFrame({"quarter": ["2026-Q1"], "decisions": [1]}), width="wide")


# --------------------------------------------------------------------------------------
# Legends
# --------------------------------------------------------------------------------------


LEGENDS = {
    "pln_size": ["Added", "Pruned", "Active at quarter end"],
    "commitments": ["Committed", "Shipped on time", "Shipped late"],
    "cadence": ["Critiques", "No critique", "Target: 2 a month"],
}


@pytest.mark.parametrize("size", ["screen", "presentation"])
@pytest.mark.parametrize("builder", list(LEGENDS))
def test_a_legend_has_rows_of_its_own_between_the_text_and_the_plot(measure, builder, size):
    s = charts.SIZING[size]
    fig = builders(LONG)[builder](size=size)
    assert [t.name for t in fig.data if t.showlegend is not False] == LEGENDS[builder]
    legend = fig.layout.legend
    assert (legend.orientation, legend.yref, legend.y, legend.yanchor) == ("h", "paper", 1, "bottom")
    # The same title and subtitle with nothing to list: what the text alone needs above the plot.
    twin = charts._figure(size, read(fig.layout.title.text), read(fig.layout.title.subtitle.text) or None)
    twin = charts._fit(twin.add_bar(x=["a"], y=[1]), size, "narrow")
    assert twin.layout.title.text == fig.layout.title.text
    # Plotly's rule, in the plot's width at the narrow size: one row if every entry fits, else a
    # grid as wide as the widest entry (an entry is its text plus a 40 px symbol and gap).
    space = charts.WIDTHS[size]["narrow"] - 64 - 40
    entries = [measure(name, s.font) + 40 for name in LEGENDS[builder]]
    rows = 1 if sum(entries) <= space else -(-len(entries) // max(int(space // max(entries)), 1))
    assert fig.layout.margin.t - twin.layout.margin.t >= rows * 1.45 * s.font


def test_the_donut_has_no_legend_its_title_says_what_the_blue_part_is():
    fig = charts.traced_share(0.85)
    assert fig.layout.showlegend is False
    assert read(fig.layout.title.subtitle.text) == "Write-ups naming a source or critique"


# --------------------------------------------------------------------------------------
# Count axes: whole numbers only
# --------------------------------------------------------------------------------------

COUNT_AXES = {"decisions_trend": "yaxis", "cadence": "yaxis", "pln_size": "yaxis", "top_sources": "xaxis",
              "commitments": "yaxis", "decisions_by_category": "yaxis", "time_to_impact": "xaxis"}


@pytest.mark.parametrize("builder", list(COUNT_AXES))
def test_count_axes_tick_whole_numbers(builder):
    """Small counts (1 or 2 at most, where plotly would tick 0.5, 1.5) step by 1, shown as integers."""
    axis = getattr(builders(LONG)[builder]().layout, COUNT_AXES[builder])
    assert axis.dtick == 1 and axis.tick0 == 0
    assert axis.tickformat == ",d"


@pytest.mark.parametrize("largest", [1, 2, 5, 6, 9, 48, 130, 4_321])
def test_count_axes_step_by_one_two_or_five_times_ten(largest):
    frame = pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2"], "decisions": [0, largest]})
    axis = charts.decisions_trend(frame).layout.yaxis
    step = axis.dtick
    assert isinstance(step, int) and step >= 1
    assert str(step).rstrip("0") in {"1", "2", "5"}
    assert largest / step <= 5 and (step == 1 or largest / step > 2)  # two to five steps: readable


def test_every_count_axis_on_the_demo_is_whole(demo):
    f = Filters()
    figures = {
        "decisions_trend": charts.decisions_trend(m.decisions_per_quarter(demo, f)).layout.yaxis,
        "cadence": charts.cadence(m.critiques_per_month(demo, f)).layout.yaxis,
        "pln_size": charts.pln_size(m.sources_flow(demo, f)).layout.yaxis,
        "top_sources": charts.top_sources(m.top_sources(demo, f)).layout.xaxis,
        "commitments": charts.commitments(m.commitments_per_quarter(demo, f)).layout.yaxis,
        "decisions_by_category": charts.decisions_by_category(m.decisions_by_category(demo, f)).layout.yaxis,
        "time_to_impact": charts.time_to_impact(m.time_to_impact(demo, f)).layout.xaxis,
    }
    for name, axis in figures.items():
        assert isinstance(axis.dtick, int) and axis.dtick >= 1 and axis.tickformat == ",d", name


# --------------------------------------------------------------------------------------
# Sankey labels
# --------------------------------------------------------------------------------------


def sankey_rows(fig) -> list[tuple[str, float, float, str]]:
    """Each node: its label, centre (from the left, from the top; fractions of the plot) and full name."""
    node = fig.data[0].node
    return list(zip(node.label, node.x, node.y, node.customdata, strict=True))


def test_a_long_theme_is_shortened_in_the_narrow_sankey():
    label = sankey_rows(charts.learning_flows(flows(LONG)))[2][0]
    assert label.endswith(textfit.ELLIPSIS) and read(label).startswith("Stakeholder")


@pytest.mark.parametrize("size", ["screen", "presentation"])
@pytest.mark.parametrize("width", ["narrow", "half", "full"])
@pytest.mark.parametrize("name", NAMES, ids=["long", "unbroken", "hostile"])
def test_sankey_labels_are_shortened_to_their_room_with_the_full_name_on_hover(measure, name, width, size):
    s = charts.SIZING[size]
    fig = charts.learning_flows(flows(name), size=size, width=width)
    rows = sankey_rows(fig)
    theme = [row for row in rows if row[3] == charts._esc(name)]
    assert len(theme) == 1, "the theme is one node, its full (escaped) name on hover"
    label, x, _, full = theme[0]
    assert "%{customdata}" in fig.data[0].node.hovertemplate
    assert label.endswith(textfit.ELLIPSIS) or read(label) == " ".join(full.split())
    assert "<img" not in label and "<img" not in full  # escaped, never markup
    # The theme's label ends before the last column (and its labels) begin.
    plot_width = charts.WIDTHS[size][width] - 2 * charts.SANKEY_SIDE
    start = x * plot_width + charts.SANKEY_NODE[size] / 2
    for line in lines(label):
        assert start + measure(line, s.font) <= plot_width - charts.SANKEY_NODE[size]


def test_sankey_keeps_short_names_whole():
    fig = charts.learning_flows(flows("Pricing page"), width="full")
    assert [row[0] for row in sankey_rows(fig)] == [row[3] for row in sankey_rows(fig)]


@pytest.mark.parametrize("size", ["screen", "presentation"])
@pytest.mark.parametrize("width", ["narrow", "half", "full"])
def test_sankey_labels_in_a_column_never_touch(demo, size, width):
    """In each column, neighbouring nodes' centres are at least half of both labels' heights apart."""
    fig = charts.learning_flows(m.learning_flows(demo, Filters()), size=size, width=width)
    line = 1.3 * charts.SIZING[size].font
    plot_height = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    columns: dict[float, list[tuple[float, int]]] = {}
    for label, x, y, _ in sankey_rows(fig):
        columns.setdefault(round(x, 6), []).append((y * plot_height, label.count("<br>") + 1))
    assert len(columns) == 3  # learning, theme, what changed
    for nodes in columns.values():
        nodes.sort()
        for (above, above_lines), (below, below_lines) in itertools.pairwise(nodes):
            assert below - above >= (above_lines + below_lines) / 2 * line
    assert fig.layout.height <= 720


def test_sankey_puts_the_learning_labels_clear_of_the_theme_column(measure):
    fig = charts.learning_flows(flows("Pricing page", kind="Community"), width="half")
    plot_width = charts.WIDTHS["screen"]["half"] - 2 * charts.SANKEY_SIDE
    rows = sankey_rows(fig)
    theme_left = min(x for label, x, _, _ in rows if label == "Pricing page") * plot_width - 7
    for label, x, _, _ in rows:
        if x * plot_width < theme_left:  # the learning column
            assert x * plot_width + 7 + 6 + measure(label, 14) < theme_left


# --------------------------------------------------------------------------------------
# Category labels beside a plot
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("width", ["narrow", "half", "full"])
def test_long_source_and_theme_names_are_shortened_beside_the_plot_in_full_on_hover(measure, width):
    share = charts.WIDTHS["screen"][width] * charts.AXIS_LABEL_SHARE
    sources = builders(LONG)["top_sources"](width=width)
    bars = sources.data[0]
    assert bars.y[0].endswith(textfit.ELLIPSIS) and measure(bars.y[0], 14) <= share
    assert bars.customdata[0][0] == charts._esc(LONG) and "%{customdata[0]}" in bars.hovertemplate
    themes = builders(LONG)["theme_progress"](width=width)
    heat = themes.data[0]
    assert heat.y[0].endswith(textfit.ELLIPSIS) and measure(heat.y[0], 14) <= share
    assert heat.customdata[0][0] == charts._esc(f"2026-Q1 · {LONG}") and "%{customdata}" in heat.hovertemplate
    assert heat.y[1] == "2026-Q2 · Pricing"  # a short one stays whole
