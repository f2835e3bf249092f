"""Chart builders: one plotly figure per metric, titled with the takeaway, in the app's colours.

Every builder is a pure function: it takes what a function in :mod:`learnloop.metrics` returns
(a tidy ``DataFrame``, a :class:`~learnloop.metrics.Scorecard` or a number) and returns a
:class:`plotly.graph_objects.Figure`. Builders never call Streamlit and never compute a metric:
beyond reshaping, the only arithmetic is what a title needs to state its takeaway (a count, a
maximum, the median of the points drawn).

Look and feel come from one template built from the ``[theme]`` table of
``.streamlit/config.toml`` (read once, at import): its font, text and background colours, and
``chartCategoricalColors`` (Okabe–Ito) as the colorway. ``size="presentation"`` gives larger type
and taller figures for the retro/presentation mode. With nothing to draw a builder returns a
figure with no traces, hidden axes and a note saying what to add to the sheet — never a blank
chart. Show figures with ``st.plotly_chart(fig, theme=None)``: Streamlit's own chart theme would
replace this template.

Plotly neither wraps text nor keeps a legend off a subtitle, so builders lay their text out for the
column the chart is drawn in (``width``: "full", "half" or, by default, "narrow"; see
:data:`WIDTHS`): titles and subtitles are broken into lines that fit, legends get rows of their
own between the text and the plot, the top margin holds it all, and long sheet text beside a plot
or in a Sankey is shortened with "…", the full text on hover. Axes of counts tick whole numbers.
"""

from __future__ import annotations

import html
import itertools
import math
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio

from learnloop import metrics, textfit
from learnloop.safe import printable
from learnloop.words import and_list as _and
from learnloop.words import number as _num
from learnloop.words import plural as _plural

Size = Literal["screen", "presentation"]
Width = Literal["narrow", "half", "full"]

#: The app's Streamlit configuration; its ``[theme]`` table styles every chart.
CONFIG_PATH = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"

#: Okabe–Ito: eight colours people with colour-vision deficiencies can tell apart.
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

#: Used when config.toml is missing, unreadable, or leaves a value out.
DEFAULT_THEME: dict[str, Any] = {
    "base": "light",
    "primaryColor": "#0072B2",
    "backgroundColor": "#FFFFFF",
    "secondaryBackgroundColor": "#F2F5F8",
    "textColor": "#1B1F24",
    "font": "sans serif",
    "chartCategoricalColors": list(OKABE_ITO),
}

_FONT_STACKS = {
    "sans serif": '"Source Sans Pro", "Source Sans 3", -apple-system, BlinkMacSystemFont, "Segoe UI", '
                  "Roboto, Helvetica, Arial, sans-serif",
    "serif": '"Source Serif Pro", "Source Serif 4", Georgia, "Times New Roman", serif',
    "monospace": '"Source Code Pro", SFMono-Regular, Menlo, Consolas, monospace',
}


def load_theme(path: Path = CONFIG_PATH) -> dict[str, Any]:
    """The ``[theme]`` table of a Streamlit config file over :data:`DEFAULT_THEME` (the defaults
    alone when the file is missing or not valid TOML; a value of the wrong type is ignored)."""
    theme = dict(DEFAULT_THEME)
    try:
        with open(path, "rb") as file:
            table = tomllib.load(file).get("theme", {})
    except (OSError, tomllib.TOMLDecodeError):
        return theme
    if not isinstance(table, dict):
        return theme
    for key, default in DEFAULT_THEME.items():
        value = table.get(key)
        if key == "chartCategoricalColors":
            if isinstance(value, list) and value and all(isinstance(c, str) for c in value):
                theme[key] = list(value)
        elif isinstance(value, str) and value.strip():
            theme[key] = value.strip()
        else:
            theme[key] = default
    return theme


THEME = load_theme()


# --------------------------------------------------------------------------------------
# Colours
# --------------------------------------------------------------------------------------


def _rgb(colour: str) -> tuple[int, int, int]:
    text = colour.lstrip("#")
    if len(text) == 3:
        text = "".join(ch * 2 for ch in text)
    try:
        return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        return 0, 0, 0


def _mix(colour: str, other: str, amount: float) -> str:
    """``colour`` moved ``amount`` (0 to 1) of the way towards ``other``, as #RRGGBB."""
    a, b = _rgb(colour), _rgb(other)
    return "#" + "".join(f"{round(x + (y - x) * amount):02X}" for x, y in zip(a, b, strict=True))


def _rgba(colour: str, alpha: float) -> str:
    r, g, b = _rgb(colour)
    return f"rgba({r},{g},{b},{alpha})"


COLORWAY: tuple[str, ...] = tuple(THEME["chartCategoricalColors"])
PRIMARY: str = THEME["primaryColor"]
TEXT: str = THEME["textColor"]
BACKGROUND: str = THEME["backgroundColor"]
#: Secondary text: subtitles, notes on empty charts.
MUTED = _mix(TEXT, BACKGROUND, 0.35)
#: Axis lines and ticks.
AXIS = _mix(TEXT, BACKGROUND, 0.75)
#: Steps not done, months without anything: light grey.
MISSING = _mix(TEXT, BACKGROUND, 0.8)


def _palette(index: int) -> str:
    """Okabe–Ito by position (0 blue, 1 orange, 2 bluish green, 3 reddish purple, 4 sky blue,
    5 vermillion, 6 yellow, 7 black), from config.toml's colours."""
    colours = COLORWAY or OKABE_ITO
    return colours[index % len(colours)]


ORANGE, GREEN, PURPLE, SKY, VERMILLION = (_palette(i) for i in (1, 2, 3, 4, 5))


# --------------------------------------------------------------------------------------
# Template and sizes
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizing:
    """Type sizes (px) and the default figure height for one size of chart."""

    font: int
    title: int
    subtitle: int
    tick: int
    axis_title: int
    annotation: int
    height: int
    #: Height per row of a horizontal bar chart or heatmap that grows with its rows.
    row: int
    top: int
    #: The tallest a growing chart gets.
    max_height: int


SIZING: dict[str, Sizing] = {
    # 1280×720 screen share: title ≥ 20 px, tick labels ≥ 14 px.
    "screen": Sizing(font=14, title=22, subtitle=15, tick=14, axis_title=15, annotation=17, height=380,
                     row=28, top=112, max_height=560),
    "presentation": Sizing(font=18, title=30, subtitle=20, tick=18, axis_title=19, annotation=22, height=500,
                           row=36, top=144, max_height=640),
}
TEMPLATE_NAMES = {"screen": "learnloop", "presentation": "learnloop_presentation"}

#: How wide a chart is drawn (px) at 1280×720, the smallest screen the app is shared on: on a page,
#: with the sidebar open ("screen"), and on a retro slide presenting, the sidebar hidden
#: ("presentation"). "full" spans the page, "half" is one of two columns, "narrow" the narrowest
#: column a page gives a chart (two fifths). Builders fit their text to the width they are told,
#: "narrow" unless told otherwise; on a wider screen the same chart only has more room.
WIDTHS: dict[str, dict[str, int]] = {
    "screen": {"narrow": 310, "half": 400, "full": 820},
    "presentation": {"narrow": 450, "half": 570, "full": 1160},
}
#: Where plotly 3 puts a title and its subtitle, measured in Chromium: the title's left and top pad
#: and the room kept right of it (px). A title of several lines is drawn 0.7 em higher than one of one
#: line (a subtitle too); the title's first line ends 0.9 em below the pad, a line of text is 1.15 em
#: tall and each further line takes 1.3 em; a one-line subtitle starts 1.4 em below the title.
TITLE_LEFT, TITLE_RIGHT, TITLE_TOP = 20, 16, 18
LINE_SPACING, LINE_BOX, FIRST_LINE, RAISED, SUBTITLE_GAP = 1.3, 1.15, 0.9, 0.7, 1.4
#: A legend entry is its text plus the symbol and gaps (px); a row is 1.5 ems, plus the box's padding.
LEGEND_SYMBOL, LEGEND_ROW, LEGEND_PAD, LEGEND_GAP = 48, 1.5, 12, 8
#: Space between the text over a chart and its plot (px).
PLOT_GAP = 14
#: The most of a chart's width the labels of its categories take (long source or theme names).
AXIS_LABEL_SHARE = 0.4
#: Text is fitted to this share of its room: fonts differ a little from browser to browser.
TEXT_FIT = 0.95


def _sizing(size: str) -> Sizing:
    if size not in SIZING:
        raise ValueError(f"size must be one of {', '.join(SIZING)}, not {size!r}")
    return SIZING[size]


def build_template(theme: Mapping[str, Any] = THEME, size: Size = "screen") -> go.layout.Template:
    """The Learning Loop look for one size: the config's font and colours, the Okabe–Ito
    colorway, generous margins, a horizontal legend on top, no gridlines, readable hover labels."""
    s = _sizing(size)
    text, background = theme["textColor"], theme["backgroundColor"]
    family = _FONT_STACKS.get(str(theme["font"]).strip().lower(), str(theme["font"]))
    muted, axis_colour = _mix(text, background, 0.35), _mix(text, background, 0.75)
    axis = {
        "showgrid": False,
        "zeroline": False,
        "showline": True,
        "linecolor": axis_colour,
        "ticks": "outside",
        "tickcolor": axis_colour,
        "ticklen": 5,
        "tickfont": {"size": s.tick, "color": text},
        "title": {"font": {"size": s.axis_title, "color": muted}, "standoff": 12},
        "automargin": True,
        "zerolinecolor": axis_colour,
    }
    return go.layout.Template(
        layout={
            "font": {"family": family, "size": s.font, "color": text},
            "title": {
                "font": {"size": s.title, "color": text},
                "x": 0, "xanchor": "left", "xref": "container",
                "y": 1, "yanchor": "top", "yref": "container",
                "pad": {"l": 20, "t": 18},
                "subtitle": {"font": {"size": s.subtitle, "color": muted}},
            },
            "colorway": list(theme["chartCategoricalColors"]),
            "paper_bgcolor": background,
            "plot_bgcolor": background,
            "margin": {"l": 64, "r": 40, "t": s.top, "b": 56, "pad": 4},
            "legend": {
                "orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom",
                "font": {"size": s.font, "color": text}, "bgcolor": "rgba(0,0,0,0)", "title": {"text": ""},
            },
            "hoverlabel": {
                "bgcolor": background, "bordercolor": axis_colour, "align": "left",
                "font": {"family": family, "size": s.font, "color": text},
            },
            "hovermode": "closest",
            "xaxis": axis,
            "yaxis": axis,
            "colorscale": {"sequential": [[0, theme["secondaryBackgroundColor"]], [1, theme["primaryColor"]]]},
            "bargap": 0.25,
        },
        data={
            "bar": [go.Bar(marker={"line": {"width": 0}}, textfont={"size": s.tick}, cliponaxis=False)],
            "scatter": [go.Scatter(line={"width": 3}, marker={"size": 9 if size == "screen" else 12},
                                   textfont={"size": s.tick}, cliponaxis=False)],
            "heatmap": [go.Heatmap(textfont={"size": s.tick}, xgap=2, ygap=2, showscale=False)],
            "pie": [go.Pie(textfont={"size": s.tick})],
            "sankey": [go.Sankey(textfont={"size": s.font, "color": text, "family": family})],
        },
    )


TEMPLATES: dict[str, go.layout.Template] = {size: build_template(THEME, size) for size in SIZING}  # type: ignore[arg-type]
#: The screen template, registered with plotly as "learnloop" ("learnloop_presentation" for the big one).
TEMPLATE = TEMPLATES["screen"]
PRESENTATION_TEMPLATE = TEMPLATES["presentation"]
for _size, _name in TEMPLATE_NAMES.items():
    pio.templates[_name] = TEMPLATES[_size]


# --------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------


def _esc(value: object) -> str:
    """Text from the sheet, safe to show in plotly labels (which read a little HTML)."""
    return html.escape(printable(str(value), keep_lines=False), quote=False)


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _ints(frame: pd.DataFrame, column: str) -> pd.Series:
    return pd.to_numeric(frame[column], errors="coerce").fillna(0).astype("int64")


def _nothing(frame: pd.DataFrame | None, *columns: str) -> bool:
    """True for no rows, or (with ``columns``) when every count in them is 0."""
    if frame is None or len(frame) == 0:
        return True
    return bool(columns) and all(_ints(frame, column).sum() == 0 for column in columns)


def _upper(text: str) -> str:
    """The first letter in capitals, the rest untouched (str.capitalize would lower "2026-Q3")."""
    return text[:1].upper() + text[1:]


def _span(quarters: Sequence[str]) -> str:
    return f"in {quarters[0]}" if len(quarters) == 1 else f"over {len(quarters)} quarters"


def _change(now: int, before: int | None, before_label: str) -> str | None:
    """"Up from 3 in 2026-Q2" (or down, or the same), None without a previous value."""
    if before is None:
        return None
    if now > before:
        return f"Up from {_num(before)} in {before_label}"
    if now < before:
        return f"Down from {_num(before)} in {before_label}"
    return f"The same as {before_label}"


def _join(*parts: str | None) -> str | None:
    """Subtitle parts joined with "; " (None when there are none)."""
    kept = [part for part in parts if part]
    return "; ".join(kept[:1] + [part[:1].lower() + part[1:] for part in kept[1:]]) if kept else None


def _label(key: object, labels: Mapping[str, str]) -> str:
    text = str(key)
    return labels.get(text, text.replace("_", " ").capitalize())


def _unique(labels: Iterable[str], fallbacks: Iterable[object]) -> list[str]:
    """Category labels made unique (plotly merges equal categories) by adding a fallback in brackets."""
    labels, fallbacks = list(labels), list(fallbacks)
    seen = pd.Series(labels).duplicated(keep=False).tolist()
    return [f"{label} ({fallback})" if dup else label for label, fallback, dup in zip(labels, fallbacks, seen,
                                                                                          strict=True)]


def _figure(size: Size, title: str, subtitle: str | None = None, *, height: int | None = None) -> go.Figure:
    s = _sizing(size)
    title_layout: dict[str, Any] = {"text": title}
    if subtitle:
        title_layout["subtitle"] = {"text": subtitle}
    return go.Figure(layout={"template": TEMPLATES[size], "title": title_layout, "height": height or s.height})


def _width(size: Size, width: str) -> int:
    widths = WIDTHS[size]
    if width not in widths:
        raise ValueError(f"width must be one of {', '.join(widths)}, not {width!r}")
    return widths[width]


def _fit_text(markup: str, room: float, font: float, *, max_lines: int) -> list[str]:
    """Chart text (sheet parts already escaped) wrapped into lines that fit ``room`` px, each escaped
    again: measured as plotly shows it, so "&amp;" counts as one "&"."""
    lines = textfit.wrap(html.unescape(markup), room, font, max_lines=max_lines)
    return [html.escape(line, quote=False) for line in lines]


def _legend_entries(fig: go.Figure) -> list[str]:
    """The names plotly lists in the figure's legend, as shown (plotly's rule: a legend for a pie's
    slices, or for two traces or more, unless ``showlegend`` is off)."""
    if fig.layout.showlegend is False:
        return []
    pies = [t for t in fig.data if t.type == "pie" and t.showlegend is not False]
    others = [t for t in fig.data if t.type not in {"pie", "sankey"} and t.showlegend is not False]
    if fig.layout.showlegend is None and not pies and len(others) < 2:
        return []
    names = [str(label) for t in pies for label in t.labels or ()]
    names += [str(t.name) for t in others if t.name and t.type != "heatmap"]
    return [html.unescape(name) for name in names]


def _legend_rows(names: Sequence[str], room: float, font: float) -> int:
    """How many rows a horizontal legend takes in ``room`` px. Plotly's rule: one row when every
    entry fits in it, else a grid whose columns are as wide as the widest entry."""
    widths = [textfit.text_width(name, font) + LEGEND_SYMBOL for name in names]
    if not widths or sum(widths) <= room:
        return 1
    per_row = max(int(room // max(widths)), 1)
    return math.ceil(len(widths) / per_row)


def _fit(fig: go.Figure, size: Size, width: str, *, min_plot: int = 0) -> go.Figure:
    """Lay out a built figure's text for a chart ``width`` wide (see :data:`WIDTHS`): the title and
    subtitle wrapped into lines that fit, the legend (if any) in rows under them, and a top margin
    that holds all three, so none covers another or the plot. The figure grows by what its text
    needs beyond the template's top margin, so the plot keeps its height (and at least
    ``min_plot`` px)."""
    s = _sizing(size)
    chart = _width(size, width)
    room = (chart - TITLE_LEFT - TITLE_RIGHT) * TEXT_FIT
    title = fig.layout.title
    title_lines = _fit_text(title.text or "", room, s.title, max_lines=3)
    title.text = "<br>".join(title_lines)
    raised = RAISED * s.title if len(title_lines) > 1 else 0
    title.pad.t = TITLE_TOP + raised  # puts a title of several lines where one of one line starts
    top = TITLE_TOP + (FIRST_LINE + (len(title_lines) - 1) * LINE_SPACING) * s.title
    if title.subtitle.text:
        lines = _fit_text(title.subtitle.text, room, s.subtitle, max_lines=3)
        title.subtitle.text = "<br>".join(lines)
        gap = SUBTITLE_GAP - (RAISED if len(lines) > 1 else 0)
        top += (gap + LINE_BOX + (len(lines) - 1) * LINE_SPACING) * s.subtitle
    if names := _legend_entries(fig):
        # Horizontal, right on top of the plot, in the rows its entries take in the plot's width.
        margin = fig.layout.template.layout.margin
        rows = _legend_rows(names, (chart - margin.l - margin.r) * TEXT_FIT, s.font)
        top += LEGEND_GAP + rows * LEGEND_ROW * s.font + LEGEND_PAD
        fig.update_layout(legend={"orientation": "h", "x": 0, "xanchor": "left", "xref": "paper",
                                  "y": 1, "yanchor": "bottom", "yref": "paper"})
    else:
        top += PLOT_GAP
    if fig.layout.xaxis.side == "top" and fig.layout.xaxis.visible is not False:
        top += LINE_SPACING * s.tick + 8  # the tick labels above the plot
    top = math.ceil(top)
    height = fig.layout.height or s.height
    bottom = fig.layout.margin.b if fig.layout.margin.b is not None else fig.layout.template.layout.margin.b
    height = max(height + max(0, top - s.top), top + min_plot + bottom)
    fig.update_layout(margin={"t": top}, height=math.ceil(height))
    return fig


def empty_figure(title: str, message: str, *, size: Size = "screen", height: int | None = None,
                 width: Width = "narrow") -> go.Figure:
    """No traces, hidden axes and ``message`` (what to add to the sheet) in the middle, in lines
    that fit the chart's ``width``."""
    s = _sizing(size)
    fig = _figure(size, title, height=height)
    room = (_width(size, width) - 2 * TITLE_LEFT) * TEXT_FIT
    fig.add_annotation(text="<br>".join(_fit_text(message, room, s.annotation, max_lines=4)), x=0.5, y=0.5,
                       xref="paper", yref="paper", showarrow=False,
                       font={"size": s.annotation, "color": MUTED})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(showlegend=False, margin={"l": TITLE_LEFT, "r": TITLE_LEFT, "b": 24})
    return _fit(fig, size, width)


def _count_axis(fig: go.Figure, axis: str, largest: float, smallest: float = 0) -> None:
    """Whole-number ticks on an axis of counts (never 0.5 of a write-up): a step of 1, 2 or 5 times
    a power of ten giving at most six ticks from ``smallest`` to ``largest``."""
    span = max(float(largest) - min(float(smallest), 0), 1)
    steps = (mantissa * 10**power for power in itertools.count() for mantissa in (1, 2, 5))
    step = next(step for step in steps if span / step <= 5)
    fig.update_layout({f"{axis}axis": {"tick0": 0, "dtick": step, "tickformat": ",d"}})


def _axis_label(text: str, size: Size, width: str) -> str:
    """Sheet text as a category label beside a plot: shortened with "…" to :data:`AXIS_LABEL_SHARE`
    of the chart's width, so the plot keeps the rest (the full text goes on hover)."""
    room = _width(size, width) * AXIS_LABEL_SHARE * TEXT_FIT
    return _esc(textfit.shorten(printable(str(text), keep_lines=False), room, _sizing(size).tick))


def _month_axis(fig: go.Figure, months: pd.Series) -> None:
    fig.update_xaxes(type="date", tickformat="%b %Y", hoverformat="%B %Y",
                     dtick="M1" if len(months) <= 12 else "M3", ticklabelmode="instant")


def _headroom(values: Iterable[float], floor: float = 1) -> list[float]:
    """An axis range from 0 with room above the largest value for a text label."""
    return [0, max([*values, floor]) * 1.18]


def _tall(size: Size, rows: int) -> int:
    """Height for a chart with one row per item: the usual height, taller for long lists (up to a cap)."""
    s = _sizing(size)
    return min(max(s.height, s.top + 72 + rows * s.row), s.max_height)


NO_CRITIQUES = "No critiques yet — add rows to the critiques tab"
NO_SOURCES = "No sources yet — add rows to the sources tab"
NO_DECISIONS = "No decision write-ups yet — add rows to the decisions tab"
NO_COMMITMENTS = "No commitments yet — add rows to the commitments tab"
NO_THEMES = "No themes yet — add rows to the themes tab"
NO_TRACES = ("No write-up names a source or critique yet — fill source_ids or critique_ids "
             "on the decisions tab")
NO_SOURCE_CITED = "No write-up names a source yet — fill source_ids on the decisions tab"


# --------------------------------------------------------------------------------------
# Playbook score
# --------------------------------------------------------------------------------------


def scorecard(card: metrics.Scorecard | None, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """The five playbook steps of one quarter as a row of tiles (done in the primary colour, not
    done in light grey), the evidence for each on hover. Takes :func:`metrics.scorecard`."""
    s = _sizing(size)
    height = s.height - 80
    if card is None:
        return empty_figure("Playbook score", NO_THEMES, size=size, height=height, width=width)
    steps = card.to_frame()
    if steps.empty:
        return empty_figure(f"Playbook score in {card.quarter}",
                            f"No playbook steps for {card.quarter} — add a theme for it to the themes tab",
                            size=size, height=height, width=width)
    labels = [f"{number}. {_esc(name)}" for number, name in zip(steps["number"], steps["name"], strict=True)]
    done = steps["done"].fillna(False).astype(bool).to_numpy()
    evidence = [_esc(text) for text in steps["evidence"].fillna("")]
    missing = [_esc(name) for name, ok in zip(steps["name"], done, strict=True) if not ok]
    finished = [_esc(name) for name, ok in zip(steps["name"], done, strict=True) if ok]
    if not missing:
        subtitle = "Every step done"
    elif not finished:
        subtitle = "No step done yet"
    elif len(missing) <= 2:
        subtitle = f"Not done: {_and(missing)}"
    else:
        subtitle = f"Done: {_and(finished)}"
    fig = _figure(size, f"Playbook score {int(done.sum())} of {len(steps)} in {_esc(card.quarter)}", subtitle,
                  height=height)
    for name, wanted, colour, mark, text_colour in (
        ("Done", True, PRIMARY, "✓ Done", BACKGROUND),
        ("Not done", False, MISSING, "✗ Not yet", TEXT),
    ):
        rows = [i for i, ok in enumerate(done) if ok == wanted]
        if not rows:
            continue
        fig.add_trace(go.Bar(
            name=name, x=[labels[i] for i in rows], y=[1] * len(rows), marker_color=colour,
            text=[mark] * len(rows), textposition="inside", insidetextanchor="middle",
            textfont={"color": text_colour, "size": s.font + 2},
            customdata=[evidence[i] for i in rows],
            hovertemplate="<b>%{x}</b><br>%{customdata}<extra></extra>",
        ))
    fig.update_layout(showlegend=False, bargap=0.06, barmode="overlay")
    fig.update_xaxes(categoryorder="array", categoryarray=labels, showline=False, ticks="")
    fig.update_yaxes(visible=False, range=[0, 1], fixedrange=True)
    return _fit(fig, size, width)


def _under_way(quarters: list[str], to_date: str | None) -> bool:
    return bool(quarters) and quarters[-1] == to_date


def score_trend(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow",
                to_date: str | None = None) -> go.Figure:
    """The playbook score (0 to 5) per quarter, line and markers, the steps not done on hover.
    Takes :func:`metrics.score_trend`. When the last quarter is ``to_date`` (still under way), its
    score is to date and is not set against the whole quarter before."""
    if _nothing(frame):
        return empty_figure("Playbook score per quarter", NO_THEMES, size=size, width=width)
    quarters = frame["quarter"].astype(str).tolist()
    scores = _ints(frame, "score").tolist()
    step_columns = [(key, name) for _, key, name in metrics.STEPS if key in frame]
    steps = len(metrics.STEPS)
    not_done = []
    for _, row in frame.iterrows():
        names = [name for key, name in step_columns if not (pd.notna(row[key]) and bool(row[key]))]
        not_done.append("Not done: " + _and(names) if names else "Every step done")
    before = (scores[-2], quarters[-2]) if len(scores) > 1 else (None, "")
    under_way = _under_way(quarters, to_date)
    title = f"Playbook score {scores[-1]} of {steps} in {quarters[-1]}" + (" to date" if under_way else "")
    full = sum(score == steps for score in scores)
    subtitle = _join(f"{quarters[-1]} is under way" if under_way else _change(scores[-1], *before),
                     f"Full score in {full} of {_plural(len(scores), 'quarter')}")
    fig = _figure(size, title, subtitle)
    fig.add_trace(go.Scatter(
        name="Playbook score", x=quarters, y=scores, mode="lines+markers+text", text=scores,
        textposition="top center", line_color=PRIMARY, marker_color=PRIMARY, customdata=not_done,
        hovertemplate="<b>%{x}</b>: %{y} of " + str(steps) + "<br>%{customdata}<extra></extra>",
    ))
    fig.update_layout(showlegend=False)
    fig.update_xaxes(type="category", title_text=None)
    fig.update_yaxes(range=[0, steps + 0.6], tickvals=list(range(steps + 1)), title_text="Steps done")
    return _fit(fig, size, width)


def decisions_trend(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow",
                    to_date: str | None = None) -> go.Figure:
    """Decision write-ups per quarter (bars). Takes :func:`metrics.decisions_per_quarter`. When the
    last quarter is ``to_date`` (still under way), its count is to date and is not set against the
    whole quarter before."""
    if _nothing(frame, "decisions"):
        return empty_figure("Decision write-ups per quarter", NO_DECISIONS, size=size, width=width)
    quarters = frame["quarter"].astype(str).tolist()
    counts = _ints(frame, "decisions").tolist()
    before = (counts[-2], quarters[-2]) if len(counts) > 1 else (None, "")
    under_way = _under_way(quarters, to_date)
    title = f"{_plural(counts[-1], 'decision write-up')} in {quarters[-1]}" + (" to date" if under_way else "")
    subtitle = _join(f"{quarters[-1]} is under way" if under_way else _change(counts[-1], *before),
                     f"{sum(counts)} {_span(quarters)}" if len(quarters) > 1 else None)
    fig = _figure(size, title, subtitle)
    fig.add_trace(go.Bar(name="Decision write-ups", x=quarters, y=counts, marker_color=PRIMARY, text=counts,
                         textposition="outside", hovertemplate="<b>%{x}</b>: %{y} write-ups<extra></extra>"))
    fig.update_layout(showlegend=False)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="Write-ups", range=_headroom(counts))
    _count_axis(fig, "y", max(counts))
    return _fit(fig, size, width)


# --------------------------------------------------------------------------------------
# Cadence and the learning network
# --------------------------------------------------------------------------------------


def cadence(frame: pd.DataFrame, *, target: int = 1, size: Size = "screen",
            width: Width = "narrow") -> go.Figure:
    """Critiques per month (bars), the monthly target (dashed line) and months without a critique
    (hatched vermillion). Takes :func:`metrics.critiques_per_month`."""
    if _nothing(frame):
        return empty_figure("Critiques per month", NO_CRITIQUES, size=size, width=width)
    months = pd.to_datetime(frame["month"]).reset_index(drop=True)
    counts = _ints(frame, "critiques").reset_index(drop=True)
    held = int((counts > 0).sum())
    title = f"Critiques held in {held} of {_plural(len(months), 'month')}"
    if held == 0:
        return empty_figure(title, "No critiques in these months — add rows to the critiques tab", size=size,
                            width=width)
    gaps = months[counts.eq(0)]
    if gaps.empty:
        subtitle = "A critique every month"
    elif len(gaps) <= 3:
        subtitle = "None in " + _and([f"{month:%b %Y}" for month in gaps])
    else:
        subtitle = f"{len(gaps)} months without a critique"
    if target > 1:
        met = int((counts >= target).sum())
        subtitle += f"; target of {target} a month met in {met} of {len(months)}"
    fig = _figure(size, title, subtitle)
    fig.add_trace(go.Bar(
        name="Critiques", x=months, y=counts, marker_color=PRIMARY,
        text=[str(c) if c else "" for c in counts], textposition="outside",
        hovertemplate="<b>%{x}</b>: %{y} critiques<extra></extra>",
    ))
    if not gaps.empty:
        fig.add_trace(go.Bar(
            name="No critique", x=gaps, y=[target] * len(gaps), marker_color=_rgba(VERMILLION, 0.12),
            marker_line={"color": VERMILLION, "width": 1.5}, marker_pattern={"shape": "/", "fgcolor": VERMILLION},
            hovertemplate="<b>%{x}</b>: no critique<extra></extra>",
        ))
    half_month = pd.Timedelta(days=15)
    fig.add_trace(go.Scatter(
        name=f"Target: {target} a month", x=[months.min() - half_month, months.max() + half_month],
        y=[target, target], mode="lines", line={"color": MUTED, "width": 2, "dash": "dash"}, hoverinfo="skip",
    ))
    fig.update_layout(barmode="overlay")
    _month_axis(fig, months)
    fig.update_yaxes(title_text="Critiques", range=_headroom(counts, target))
    _count_axis(fig, "y", max(int(counts.max()), target))
    return _fit(fig, size, width)


def pln_size(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Active sources at each quarter's end (line) with sources added (bars up) and pruned (bars
    down) in the quarter. Takes :func:`metrics.sources_flow`."""
    if _nothing(frame, "added", "pruned", "active_at_end"):
        return empty_figure("Learning network size", NO_SOURCES, size=size, width=width)
    quarters = frame["quarter"].astype(str).tolist()
    added, pruned, active = (_ints(frame, column) for column in ("added", "pruned", "active_at_end"))
    start = int(active.iloc[0] - added.iloc[0] + pruned.iloc[0])
    end = int(active.iloc[-1])
    verb = "grew to" if end > start else "shrank to" if end < start else "held at"
    title = f"PLN {verb} {_plural(end, 'active source')}"
    subtitle = f"{int(added.sum())} added and {int(pruned.sum())} pruned {_span(quarters)}"
    fig = _figure(size, title, subtitle)
    fig.add_trace(go.Bar(name="Added", x=quarters, y=added, marker_color=GREEN,
                         hovertemplate="<b>%{x}</b>: %{y} added<extra></extra>"))
    fig.add_trace(go.Bar(name="Pruned", x=quarters, y=-pruned, marker_color=VERMILLION, customdata=pruned,
                         hovertemplate="<b>%{x}</b>: %{customdata} pruned<extra></extra>"))
    fig.add_trace(go.Scatter(
        name="Active at quarter end", x=quarters, y=active, mode="lines+markers+text", text=active,
        textposition="top center", line_color=PRIMARY, marker_color=PRIMARY,
        hovertemplate="<b>%{x}</b>: %{y} active at quarter end<extra></extra>",
    ))
    fig.update_layout(barmode="relative")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="Sources", zeroline=True)
    _count_axis(fig, "y", max(int(active.max()), int(added.max())), -int(pruned.max()))
    return _fit(fig, size, width)


_KIND_PLURALS = {
    "person": "people", "newsletter": "newsletters", "blog": "blogs", "podcast": "podcasts", "book": "books",
    "course": "courses", "community": "communities", "event": "events", "other": "other sources",
}


def source_kinds(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Active sources per kind (person, newsletter, book…), most common on top, kinds with none
    left out. Takes :func:`metrics.source_kinds` (columns ``kind``, ``sources``)."""
    if _nothing(frame, "sources"):
        return empty_figure("Learning network by kind", NO_SOURCES, size=size, width=width)
    counts = _ints(frame, "sources")
    data = pd.DataFrame({"kind": frame["kind"].astype(str).to_numpy(), "sources": counts.to_numpy()})
    data = data.loc[data["sources"] > 0].sort_values("sources", ascending=False, kind="stable")
    total, top = int(data["sources"].sum()), int(data["sources"].iloc[0])
    leaders = [_KIND_PLURALS.get(kind, kind.replace("_", " ")) for kind in data.loc[data["sources"] == top, "kind"]]
    if len(leaders) == 1:
        title, subtitle = f"Most sources are {_esc(leaders[0])}: {top} of {total}", None
    else:
        title, subtitle = f"{_upper(_esc(_and(leaders)))} lead the network", f"{top} of {total} sources each"
    labels = [_esc(kind.replace("_", " ").capitalize()) for kind in data["kind"]]
    fig = _figure(size, title, subtitle, height=_tall(size, len(data)))
    fig.add_trace(go.Bar(name="Sources", x=data["sources"], y=labels, orientation="h", marker_color=PRIMARY,
                         text=data["sources"], textposition="outside",
                         hovertemplate="<b>%{y}</b>: %{x} sources<extra></extra>"))
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", type="category", ticks="", showline=False)
    fig.update_xaxes(visible=False, range=_headroom(data["sources"]))
    return _fit(fig, size, width)


def top_sources(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """The sources named by the most decision write-ups, most on top (name, kind and count on
    hover). Takes :func:`metrics.top_sources`."""
    if _nothing(frame, "decisions"):
        return empty_figure("Sources behind the most decisions", NO_SOURCE_CITED, size=size, width=width)
    data = frame.assign(decisions=_ints(frame, "decisions")).sort_values("decisions", ascending=False,
                                                                         kind="stable")
    data = data.loc[data["decisions"] > 0]
    ids = data["source_id"].astype(str).tolist()
    names = [str(name) if not pd.isna(name) else ident for name, ident in zip(data["name"], ids, strict=True)]
    labels = _unique([_axis_label(name, size, width) for name in names], ids)
    kinds = [_esc(str(kind).replace("_", " ")) if not pd.isna(kind) else "unknown kind" for kind in data["kind"]]
    counts = data["decisions"].tolist()
    leaders = [name for name, count in zip(names, counts, strict=True) if count == counts[0]]
    if len(leaders) == 1:
        title = f"Most-cited source: {_esc(_short(leaders[0], 28))}"
        subtitle = f"Named by {_plural(counts[0], 'decision write-up')}"
    else:
        title = f"{len(leaders)} sources tie as the most cited"
        subtitle = f"Named by {_plural(counts[0], 'decision write-up')} each"
    fig = _figure(size, title, subtitle, height=_tall(size, len(data)))
    fig.add_trace(go.Bar(
        name="Decision write-ups", x=counts, y=labels, orientation="h", marker_color=PRIMARY, text=counts,
        textposition="outside", customdata=list(zip([_esc(n) for n in names], kinds, ids, strict=True)),
        hovertemplate="<b>%{customdata[0]}</b> (%{customdata[1]}, %{customdata[2]})<br>"
                      "Named by %{x} decision write-ups<extra></extra>",
    ))
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", type="category", ticks="", showline=False)
    fig.update_xaxes(title_text="Decision write-ups naming it", range=_headroom(counts))
    _count_axis(fig, "x", max(counts))
    return _fit(fig, size, width)


# --------------------------------------------------------------------------------------
# Peer circle
# --------------------------------------------------------------------------------------


def roles_heatmap(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Month × role: the critiques each role was in the room for (darker = more; counts in the
    cells), PM on top. Takes :func:`metrics.roles_coverage`."""
    if _nothing(frame):
        return empty_figure("Who is in the room", NO_CRITIQUES, size=size, width=width)
    if _nothing(frame, "critiques"):
        return empty_figure("Who is in the room", "No roles recorded yet — fill the roles column on the "
                            "critiques tab", size=size, width=width)
    data = frame.assign(month=pd.to_datetime(frame["month"]), critiques=_ints(frame, "critiques"),
                        role=frame["role"].astype(str))
    roles = list(dict.fromkeys(data["role"]))
    grid = data.pivot_table(index="role", columns="month", values="critiques", aggfunc="sum", fill_value=0)
    grid = grid.reindex(index=roles).fillna(0).astype("int64")
    months = pd.Series(grid.columns)
    peers = [role for role in metrics.PEER_ROLE_NAMES if role in grid.index]
    if peers:
        together = int((grid.loc[peers] > 0).all(axis=0).sum())
        title = f"{', '.join(peers)} {'together ' if len(peers) > 1 else ''}in {together} of " \
                f"{_plural(len(months), 'month')}"
        absent = {role: int((grid.loc[role] == 0).sum()) for role in peers}
        worst = max(absent, key=lambda role: absent[role])
        subtitle = f"{worst} missed {_plural(absent[worst], 'month')}" if absent[worst] else None
    else:
        title, subtitle = f"Roles in the room over {_plural(len(months), 'month')}", None
    fig = _figure(size, title, subtitle)
    fig.add_trace(go.Heatmap(
        name="Critiques", x=months, y=[_axis_label(role, size, width) for role in grid.index],
        z=grid.to_numpy(),
        zmin=0, zmax=max(int(grid.to_numpy().max()), 1), texttemplate="%{z}",
        colorscale=[[0, THEME["secondaryBackgroundColor"]], [1, PRIMARY]],
        hovertemplate="<b>%{y}</b> in %{x|%B %Y}: %{z} critiques<extra></extra>",
    ))
    _month_axis(fig, months)
    fig.update_xaxes(showline=False, ticks="")
    fig.update_yaxes(autorange="reversed", type="category", showline=False, ticks="")
    return _fit(fig, size, width)


def peer_roles_share(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Per quarter, the share of critiques with PM, Design and Eng all in the room (bars, the count
    of such critiques in each bar). Takes :func:`metrics.peer_roles_share`."""
    peers = _and(metrics.PEER_ROLE_NAMES)
    if _nothing(frame, "critiques"):
        return empty_figure(f"{peers} all in the room", NO_CRITIQUES, size=size, width=width)
    data = frame.assign(critiques=_ints(frame, "critiques"), all_present=_ints(frame, "all_present"))
    quarters = data["quarter"].astype(str).tolist()
    share = pd.to_numeric(data["share"], errors="coerce")
    held = data[data["critiques"] > 0]
    latest = held.iloc[-1]
    title = f"{peers} all in the room at {round(100 * latest['all_present'] / latest['critiques'])}% of critiques"
    subtitle = f"{latest['all_present']} of {_plural(int(latest['critiques']), 'critique')} in {latest['quarter']}"
    fig = _figure(size, title, subtitle)
    fig.add_trace(go.Bar(
        name="All three present", x=quarters, y=share.fillna(0) * 100, marker_color=PRIMARY,
        text=[f"{n} of {m}" if m else "" for n, m in zip(data["all_present"], data["critiques"], strict=True)],
        textposition="outside", cliponaxis=False,
        hovertemplate="<b>%{x}</b>: %{y:.0f}% of critiques (%{text})<extra></extra>"))
    fig.update_layout(showlegend=False)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="Share of critiques", range=[0, 115], ticksuffix="%", tickvals=[0, 25, 50, 75, 100])
    return _fit(fig, size, width)


_ARTIFACT_PLURALS = {
    "experiment": "experiments", "roadmap": "roadmaps", "discovery_plan": "discovery plans",
    "prototype": "prototypes", "strategy": "strategies", "other": "other work",
}


def artifact_types(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Critiques by what was critiqued (horizontal bars, most on top).
    Takes :func:`metrics.artifact_types`."""
    if _nothing(frame, "critiques"):
        return empty_figure("What the peer circle critiqued", NO_CRITIQUES, size=size, width=width)
    data = pd.DataFrame({"type": frame["artifact_type"].astype(str).to_numpy(),
                         "critiques": _ints(frame, "critiques").to_numpy()})
    data = data.sort_values("critiques", ascending=False, kind="stable")
    total, top = int(data["critiques"].sum()), int(data["critiques"].iloc[0])
    leaders = [_ARTIFACT_PLURALS.get(t, t.replace("_", " ")) for t in data.loc[data["critiques"] == top, "type"]]
    if len(leaders) == 1:
        title, subtitle = f"Most critiqued: {_esc(leaders[0])}, {top} of {total}", None
    else:
        title, subtitle = f"Most critiqued: {_esc(_and(leaders))}", f"{top} each of {total} critiques"
    labels = [_esc(_label(t, {"discovery_plan": "Discovery plan"})) for t in data["type"]]
    fig = _figure(size, title, subtitle, height=_tall(size, len(data)))
    fig.add_trace(go.Bar(name="Critiques", x=data["critiques"], y=labels, orientation="h", marker_color=PRIMARY,
                         text=data["critiques"], textposition="outside",
                         hovertemplate="<b>%{y}</b>: %{x} critiques<extra></extra>"))
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", type="category", ticks="", showline=False)
    fig.update_xaxes(visible=False, range=_headroom(data["critiques"]))
    return _fit(fig, size, width)


# --------------------------------------------------------------------------------------
# Commitments and decisions
# --------------------------------------------------------------------------------------


def commitments(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Per quarter, commitments made (one bar) beside artifacts shipped, stacked on time and late.
    Takes :func:`metrics.commitments_per_quarter`."""
    if _nothing(frame, "committed", "shipped"):
        return empty_figure("Commitments and shipped artifacts", NO_COMMITMENTS, size=size, width=width)
    quarters = frame["quarter"].astype(str).tolist()
    committed, shipped, on_time = (_ints(frame, c) for c in ("committed", "shipped", "shipped_on_time"))
    late = (shipped - on_time).clip(lower=0)
    total_shipped, total_on_time = int(shipped.sum()), int(on_time.sum())
    made = _plural(int(committed.sum()), "commitment")
    if total_shipped:
        title = f"{_plural(total_shipped, 'artifact')} shipped, {round(100 * total_on_time / total_shipped)}% on time"
        subtitle = f"{_upper(_span(quarters))}; {made} made"
    else:
        title, subtitle = f"{made} made, none shipped yet", _upper(_span(quarters))
    fig = _figure(size, title, subtitle)
    fig.add_trace(go.Bar(name="Committed", x=quarters, y=committed, marker_color=SKY, offsetgroup="committed",
                         hovertemplate="<b>%{x}</b>: %{y} committed<extra></extra>"))
    fig.add_trace(go.Bar(name="Shipped on time", x=quarters, y=on_time, marker_color=GREEN,
                         offsetgroup="shipped", hovertemplate="<b>%{x}</b>: %{y} shipped on time<extra></extra>"))
    fig.add_trace(go.Bar(name="Shipped late", x=quarters, y=late, base=on_time, marker_color=ORANGE,
                         offsetgroup="shipped", hovertemplate="<b>%{x}</b>: %{y} shipped late<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="Artifacts", rangemode="tozero")
    _count_axis(fig, "y", max(int(committed.max()), int(shipped.max())))
    return _fit(fig, size, width)


_CHANGED = {"decision": "a decision", "discovery_cadence": "discovery cadence", "bet": "a bet"}


def decisions_by_category(frame: pd.DataFrame, *, size: Size = "screen",
                          width: Width = "narrow") -> go.Figure:
    """Decision write-ups per quarter, stacked by what changed (Decision, Discovery cadence, Bet).
    Takes :func:`metrics.decisions_by_category`."""
    if _nothing(frame, "decisions"):
        return empty_figure("What the write-ups changed", NO_DECISIONS, size=size, width=width)
    data = frame.assign(decisions=_ints(frame, "decisions"), category=frame["category"].astype(str),
                        quarter=frame["quarter"].astype(str))
    quarters = list(dict.fromkeys(data["quarter"]))
    categories = list(dict.fromkeys(data["category"]))
    totals = data.groupby("category", sort=False)["decisions"].sum()
    total, top = int(totals.sum()), int(totals.max())
    leaders = [_CHANGED.get(c, _label(c, metrics.CATEGORY_LABELS).lower()) for c in categories if totals[c] == top]
    if len(leaders) == 1:
        title, subtitle = f"Most write-ups changed {_esc(leaders[0])}", f"{top} of {total} write-ups"
    else:
        title, subtitle = f"Write-ups changed {_esc(_and(leaders))} equally", f"{top} each of {total} write-ups"
    fig = _figure(size, title, subtitle)
    for index, category in enumerate(categories):
        rows = data.loc[data["category"].eq(category)].set_index("quarter")["decisions"]
        counts = rows.groupby(level=0).sum().reindex(quarters, fill_value=0)
        name = _esc(_label(category, metrics.CATEGORY_LABELS))
        fig.add_trace(go.Bar(name=name, x=quarters, y=counts.to_numpy(), marker_color=_palette(index),
                             hovertemplate=f"<b>%{{x}}</b>: %{{y}} × {name}<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(type="category")
    fig.update_yaxes(title_text="Write-ups", rangemode="tozero")
    _count_axis(fig, "y", int(data.groupby("quarter")["decisions"].sum().max()))
    return _fit(fig, size, width)


def traced_share(share: float | None, *, quarter: str | None = None, size: Size = "screen",
                 width: Width = "narrow") -> go.Figure:
    """A donut: the share of decision write-ups that name a source or critique, the percentage in
    the middle. Takes :func:`metrics.traced_share` (``quarter`` only labels the title)."""
    when = f" in {_esc(quarter)}" if quarter else ""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return empty_figure(f"Decisions traced to learning{when}", NO_DECISIONS, size=size, width=width)
    share = min(max(float(share), 0.0), 1.0)
    percent = round(share * 100)
    s = _sizing(size)
    fig = _figure(size, f"Decisions traced to learning: {percent}%{when}",
                  "Write-ups naming a source or critique")
    fig.add_trace(go.Pie(
        labels=["Traced to a source or critique", "Not traced"], values=[share, 1 - share], hole=0.64,
        sort=False, direction="clockwise", marker={"colors": [PRIMARY, MISSING]}, textinfo="none",
        hovertemplate="%{label}: %{percent}<extra></extra>",
    ))
    fig.update_layout(showlegend=False)  # the title and subtitle say what the blue part is
    fig.add_annotation(text=f"<b>{percent}%</b>", x=0.5, y=0.5, xref="paper", yref="paper", showarrow=False,
                       font={"size": s.title + 8, "color": TEXT})
    return _fit(fig, size, width)


_MIX_TAKEAWAY = {"from": "sources only", "with": "critiques only", "both": "both sources and critiques"}


def learning_mix(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Traced write-ups by where their learning came from: sources only, critiques only, or both.
    Takes :func:`metrics.learning_mix`."""
    if _nothing(frame, "decisions"):
        return empty_figure("Where the learning came from", NO_TRACES, size=size, width=width)
    counts = _ints(frame, "decisions")
    total = int(counts.sum())
    top = int(counts.idxmax())
    key = str(frame["mix"].loc[top])
    title = f"{round(100 * counts.loc[top] / total)}% drew on {_MIX_TAKEAWAY.get(key, key)}"
    labels = [_esc(label) for label in frame["label"].astype(str)]
    colours = {"from": SKY, "with": PURPLE, "both": PRIMARY}
    fig = _figure(size, title, f"Of {_plural(total, 'write-up')} that name a source or critique",
                  height=_tall(size, len(frame)))
    fig.add_trace(go.Bar(
        name="Write-ups", x=counts, y=labels, orientation="h",
        marker_color=[colours.get(str(mix), PRIMARY) for mix in frame["mix"]],
        text=[f"{count} ({round(100 * count / total)}%)" for count in counts], textposition="outside",
        hovertemplate="<b>%{y}</b>: %{x} write-ups<extra></extra>",
    ))
    fig.update_layout(showlegend=False)
    fig.update_yaxes(autorange="reversed", type="category", ticks="", showline=False)
    fig.update_xaxes(visible=False, range=[0, total * 1.25])
    return _fit(fig, size, width)


def time_to_impact(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Days from learning to the decision that names it, one box with every point per kind
    (sources from ``added_on``, critiques from their date). Takes :func:`metrics.time_to_impact`."""
    if _nothing(frame):
        return empty_figure("Days from learning to decision", NO_TRACES, size=size, width=width)
    data = frame.assign(days=pd.to_numeric(frame["days"], errors="coerce"), kind=frame["kind"].astype(str))
    data = data.loc[data["days"].notna()]
    if data.empty:
        return empty_figure("Days from learning to decision", NO_TRACES, size=size, width=width)
    kinds = [kind for kind in ("source", "critique") if kind in set(data["kind"])]
    kinds += [kind for kind in dict.fromkeys(data["kind"]) if kind not in kinds]
    names = {"source": "Sources", "critique": "Critiques"}
    colours = {"source": PRIMARY, "critique": PURPLE}
    medians = {kind: float(data.loc[data["kind"].eq(kind), "days"].median()) for kind in kinds}
    fastest, *others = sorted(kinds, key=lambda kind: medians[kind])
    title = f"{names.get(fastest, fastest.capitalize())} reach decisions in {_plural(medians[fastest], 'day')}"
    subtitle = "Median" + "".join(f"; {names.get(kind, kind).lower()} take {_plural(medians[kind], 'day')}"
                                  for kind in others)
    fig = _figure(size, title, subtitle)
    for index, kind in enumerate(kinds):
        rows = data.loc[data["kind"].eq(kind)]
        name = names.get(kind, kind.capitalize())
        fig.add_trace(go.Box(
            name=name, x=rows["days"].to_numpy(), y=[name] * len(rows), orientation="h", boxpoints="all",
            jitter=0.5, pointpos=0, marker={"color": colours.get(kind, _palette(index + 1)), "size": 7,
                                            "opacity": 0.7},
            line={"color": colours.get(kind, _palette(index + 1))}, fillcolor="rgba(0,0,0,0)",
            customdata=list(zip(rows["id"].astype(str).map(_esc), rows["decision_id"].astype(str).map(_esc),
                                strict=True)),
            hovertemplate="%{customdata[0]} → %{customdata[1]}: %{x} days<extra></extra>",
        ))
    fig.update_layout(showlegend=False)
    fig.update_yaxes(type="category", autorange="reversed", ticks="", showline=False)
    fig.update_xaxes(title_text="Days from learning to decision", zeroline=True)
    _count_axis(fig, "x", float(data["days"].max()), float(data["days"].min()))
    return _fit(fig, size, width)


# --------------------------------------------------------------------------------------
# Flows and themes
# --------------------------------------------------------------------------------------

STAGES = ("learning", "theme", "change")
STAGE_COLOURS = {"learning": SKY, "theme": ORANGE, "change": PRIMARY}


def learning_flows(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow",
                   height: int | None = None) -> go.Figure:
    """A Sankey from learning (source kinds and peer critiques) through themes to what changed,
    nodes coloured by layer (peer critiques apart), widths in citations, biggest on top.
    Takes :func:`metrics.learning_flows`.

    Nodes are placed here rather than by plotly, so that every label has room: the theme column
    sits just right of the learning labels, each column's nodes are at least a label's height
    apart, the chart grows with its longest column, and a label longer than its room is shortened
    with "…" (the full name on hover). With ``height`` (a slide's share of the screen), the chart
    keeps to it: labels then take one line each where two would need more room than it has."""
    if _nothing(frame, "value"):
        return empty_figure("How learning flows into change", NO_TRACES, size=size, width=width, height=height)
    data = frame.assign(value=_ints(frame, "value"))
    data = data.loc[data["value"] > 0]
    nodes: list[tuple[str, str]] = []
    for stage in STAGES:
        for column, stage_column in (("source_label", "source_stage"), ("target_label", "target_stage")):
            rows = data.loc[data[stage_column].astype(str).eq(stage), column].astype(str)
            nodes.extend((stage, label) for label in rows if (stage, label) not in nodes)
    extra = {(str(st), str(lb)) for cols in (("source_stage", "source_label"), ("target_stage", "target_label"))
             for st, lb in zip(data[cols[0]], data[cols[1]], strict=True)} - set(nodes)
    nodes.extend(sorted(extra))
    index = {node: i for i, node in enumerate(nodes)}
    full = [_esc(label) for _, label in nodes]
    colours = [PURPLE if (stage, label) == ("learning", metrics.PEER_CRITIQUE)
               else STAGE_COLOURS.get(stage, MISSING) for stage, label in nodes]
    sources = [index[(str(st), str(lb))] for st, lb in zip(data["source_stage"], data["source_label"], strict=True)]
    targets = [index[(str(st), str(lb))] for st, lb in zip(data["target_stage"], data["target_label"], strict=True)]
    learning = data.loc[data["source_stage"].astype(str).eq("learning")]
    inputs = learning.groupby(learning["source_label"].astype(str), sort=False)["value"].sum()
    inputs = inputs.sort_values(ascending=False, kind="stable")
    if len(inputs):
        title = f"Top learning input: {_esc(_short(inputs.index[0], 24))}"
        subtitle = f"{inputs.iloc[0]} of {int(inputs.sum())} citations; learning → theme → what changed"
    else:
        title, subtitle = "How learning flows into change", "Learning → theme → what changed"
    # What flows through each node (the larger of what comes in and goes out, as plotly sizes it),
    # and the column it stands in: learning, theme, what changed (anything else in the middle).
    out_of: dict[int, int] = {}
    into: dict[int, int] = {}
    for source, target, value in zip(sources, targets, data["value"], strict=True):
        out_of[source] = out_of.get(source, 0) + int(value)
        into[target] = into.get(target, 0) + int(value)
    values = [max(out_of.get(i, 0), into.get(i, 0)) for i in range(len(nodes))]
    columns: list[list[int]] = [[], [], []]
    for i, (stage, _) in enumerate(nodes):
        columns[STAGES.index(stage) if stage in STAGES else 1].append(i)
    ordered = [sorted(column, key=lambda i: -values[i]) for column in columns]
    fig = _figure(size, title, subtitle, height=height or _sizing(size).height + 40)
    fig.update_layout(margin={"l": SANKEY_SIDE, "r": SANKEY_SIDE, "b": 20})
    room = None
    if height:  # the plot's height once the title and subtitle take theirs (fitted on a copy)
        probe = _fit(go.Figure(fig), size, width)
        room = probe.layout.height - probe.layout.margin.t - probe.layout.margin.b
    plan = _SankeyPlan(size, width, [label for _, label in nodes], ordered, values, room=room)
    _fit(fig, size, width, min_plot=plan.min_height)
    node_x, node_y, labels = plan.place(fig.layout.height - fig.layout.margin.t - fig.layout.margin.b)
    fig.add_trace(go.Sankey(
        arrangement="snap",
        node={"label": labels, "x": node_x, "y": node_y, "color": colours, "pad": plan.pad,
              "thickness": SANKEY_NODE[size], "line": {"width": 0}, "customdata": full,
              "hovertemplate": "<b>%{customdata}</b>: %{value} citations<extra></extra>"},
        link={"source": sources, "target": targets, "value": data["value"].tolist(),
              "color": [_rgba(colours[i], 0.35) for i in sources],
              "customdata": [[full[i], full[j]] for i, j in zip(sources, targets, strict=True)],
              "hovertemplate": "%{customdata[0]} → %{customdata[1]}: %{value} citations<extra></extra>"},
    ))
    return fig


#: The Sankey's side margins and node thickness (px).
SANKEY_SIDE = 12
SANKEY_NODE = {"screen": 14, "presentation": 18}
#: Plotly draws a node's label this far from the node (px, with a little to spare).
SANKEY_LABEL_GAP = 6
#: The most of a Sankey's height the gaps between nodes take: the chart grows to keep this.
SANKEY_GAPS = 0.6
#: Labels take two lines where one would not hold them, in columns of at most this many nodes.
SANKEY_TWO_LINES = 8


class _SankeyPlan:
    """Where each node of a three-column Sankey goes and what its label says, so that no label
    runs into another or off the chart.

    Plotly puts the labels of the first two columns right of their nodes and those of the last
    column left of them. Learning and what-changed labels get a quarter of the width each (more for
    a single long word); the theme column stands right after the learning labels; a theme's label
    reaches to the last column, or to the what-changed labels where it is level with one. A label
    longer than its room wraps onto a second line (when the columns are short enough to give every
    label two lines' height) and is then shortened with "…". Nodes follow plotly's own scale (the
    tallest column fills the plot, ``pad`` between nodes, which keeps labels apart); shorter columns
    are spread evenly."""

    def __init__(self, size: Size, width: str, names: list[str], columns: list[list[int]], values: list[int], *,
                 room: float | None = None):
        s = _sizing(size)
        self.font, self.node = s.font, SANKEY_NODE[size]
        # Sheet text on one line, cleaned once: every label is measured and wrapped several times.
        self.names = [" ".join(printable(name, keep_lines=False).split()) for name in names]
        self.columns, self.values = columns, values
        self.plot_width = _width(size, width) - 2 * SANKEY_SIDE
        self.side_room = max(self.plot_width / 4, 5.5 * self.font)
        self.line = LINE_SPACING * self.font
        longest = max(len(column) for column in columns)
        self.lines = 2
        self._columns_x()
        two = (any(len(self._lines(i, self.side_room)) > 1 for i in columns[0] + columns[2])
               or any(self._natural(i) > (self.label_end - self.label_start) * TEXT_FIT for i in columns[1]))
        self.lines = 2 if two and longest <= SANKEY_TWO_LINES else 1
        if self.lines == 2 and room is not None and self._min_height(longest) > room:
            self.lines = 1  # two lines each would not fit the height the chart must keep to
        self._columns_x()
        self.pad = math.ceil(self.lines * self.line) + 6
        #: The plot height that keeps the gaps between nodes to at most :data:`SANKEY_GAPS` of it.
        self.min_height = self._min_height(longest)

    def _min_height(self, nodes: int) -> int:
        return math.ceil((nodes - 1) * (math.ceil(self.lines * self.line) + 6) / SANKEY_GAPS)

    def _columns_x(self) -> None:
        """The theme column's place and where theme labels start and end, for the side labels'
        widths at the current number of lines."""
        gap = SANKEY_LABEL_GAP
        self.widest = {c: max([textfit.text_width(line, self.font) for i in self.columns[c]
                               for line in self._lines(i, self.side_room)] or [0.0]) for c in (0, 2)}
        links = max(2 * self.node, 0.05 * self.plot_width)  # the learning links left visible
        self.theme_x = self.node + gap + self.widest[0] + gap + links + self.node / 2
        self.label_start = self.theme_x + self.node / 2 + gap
        self.label_end = self.plot_width - self.node - gap

    def _natural(self, i: int) -> float:
        return textfit.text_width(self.names[i], self.font)

    def _lines(self, i: int, room: float) -> list[str]:
        return textfit.wrap(self.names[i], max(room, 0) * TEXT_FIT, self.font, max_lines=self.lines,
                            cut_words=False)

    def _label(self, lines: list[str]) -> str:
        return "<br>".join(html.escape(line, quote=False) for line in lines)

    def place(self, plot_height: float) -> tuple[list[float], list[float], list[str]]:
        """Each node's centre, as fractions of the plot from the left and from the top, and its
        label, for a plot ``plot_height`` px tall."""
        columns, values, pad = self.columns, self.values, self.pad
        ky = min((plot_height - (len(column) - 1) * pad) / max(sum(values[i] for i in column), 1)
                 for column in columns if column)
        centre = [0.0] * len(self.names)
        for column in columns:
            free = max(plot_height - ky * sum(values[i] for i in column) - (len(column) - 1) * pad, 0)
            y = step = free / (len(column) + 1)
            for i in column:
                centre[i] = y + ky * values[i] / 2
                y += ky * values[i] + pad + step
        lines: dict[int, list[str]] = {i: self._lines(i, self.side_room) for i in columns[0] + columns[2]}
        reach: dict[int, float] = {}
        for i in columns[1]:
            level = any(abs(centre[i] - centre[j]) < (self.lines + len(lines[j])) * self.line / 2 + 2
                        for j in columns[2])
            changed = self.widest[2] + 2 * SANKEY_LABEL_GAP if level else 0
            reach[i] = self.label_end - changed - self.label_start
            lines[i] = self._lines(i, reach[i])
        # Room no theme label needs goes, half of it, to the links on the themes' left.
        spare = min([reach[i] - max(textfit.text_width(line, self.font) for line in lines[i]) / TEXT_FIT
                     for i in columns[1]] or [0.0])
        x = {0: self.node / 2, 1: self.theme_x + max(spare, 0) / 2, 2: self.plot_width - self.node / 2}
        node_x = [0.0] * len(self.names)
        for c, column in enumerate(columns):
            for i in column:
                node_x[i] = x[c] / self.plot_width
        labels = [self._label(lines.get(i, [])) for i in range(len(self.names))]
        # Plotly keeps its own place for a node at 0: nudge it.
        return node_x, [max(y / plot_height, 1e-4) for y in centre], labels


THEME_COUNTS = {"sources": "Sources", "critiques": "Critiques", "commitments": "Commitments",
                "shipped": "Shipped", "decisions": "Decisions"}


def theme_progress(frame: pd.DataFrame, *, size: Size = "screen", width: Width = "narrow") -> go.Figure:
    """Per theme (a row each, in the table's order), the sources, critiques, commitments, shipped
    artifacts and decision write-ups linked to it — counts in the cells, each column shaded
    against its own maximum. Takes :func:`metrics.theme_summary`."""
    if _nothing(frame):
        return empty_figure("Progress per theme", NO_THEMES, size=size, width=width)
    columns = [column for column in THEME_COUNTS if column in frame]
    counts = pd.DataFrame({column: _ints(frame, column).to_numpy() for column in columns})
    titles = [str(title) if not pd.isna(title) else str(tid) for title, tid in
              zip(frame["title"], frame["theme_id"], strict=True)]
    names = [f"{quarter} · {title}" for quarter, title in zip(frame["quarter"].astype(str), titles, strict=True)]
    full = [_esc(name) for name in names]
    labels = _unique([_axis_label(name, size, width) for name in names], frame["theme_id"].astype(str))
    shaded = counts / counts.max().replace(0, 1)
    with_decision = int((counts["decisions"] > 0).sum()) if "decisions" in counts else 0
    title = f"{with_decision} of {_plural(len(frame), 'theme')} led to a decision write-up"
    subtitle = None
    if "shipped" in counts:
        subtitle = f"{int((counts['shipped'] > 0).sum())} shipped an artifact"
    fig = _figure(size, title, subtitle, height=_tall(size, len(frame)))
    fig.add_trace(go.Heatmap(
        name="Linked rows", x=[THEME_COUNTS[c] for c in columns], y=labels, z=shaded.to_numpy(),
        text=counts.to_numpy(), texttemplate="%{text}", zmin=0, zmax=1,
        customdata=[[name] * len(columns) for name in full],
        colorscale=[[0, THEME["secondaryBackgroundColor"]], [1, PRIMARY]],
        hovertemplate="<b>%{customdata}</b><br>%{x}: %{text}<extra></extra>",
    ))
    fig.update_xaxes(side="top", type="category", showline=False, ticks="")
    fig.update_yaxes(autorange="reversed", type="category", showline=False, ticks="")
    return _fit(fig, size, width)


__all__ = [
    "COLORWAY", "CONFIG_PATH", "DEFAULT_THEME", "PRESENTATION_TEMPLATE", "SIZING", "TEMPLATE", "TEMPLATES",
    "THEME", "WIDTHS", "Size", "Width", "artifact_types", "build_template", "cadence", "commitments",
    "decisions_by_category", "decisions_trend", "empty_figure", "learning_flows", "learning_mix",
    "load_theme", "pln_size", "roles_heatmap", "score_trend", "scorecard", "source_kinds", "theme_progress",
    "time_to_impact", "top_sources", "traced_share",
]
