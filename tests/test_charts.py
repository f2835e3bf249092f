"""Chart builders tested as data: traces, values, axes and the takeaway titles — never rendered.

Small input frames are written by hand with the metric's documented columns, so every expected
number can be read off the frame next to the assertion.
"""

from __future__ import annotations

import ast
import datetime as dt
import tomllib
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from learnloop import charts, load
from learnloop import metrics as m
from learnloop.filters import Filters
from tests.fixtures.small import headers_only_workbook

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))["theme"]
D = pd.Timestamp


def lookup(obj, path: str):
    """``obj.a.b.c`` for ``path`` "a.b.c"."""
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def effective(fig: go.Figure, path: str):
    """A layout property as plotly would use it: the figure's own value, else the template's."""
    own = lookup(fig.layout, path)
    return own if own is not None else lookup(fig.layout.template.layout, path)


def read(text: str | None) -> str | None:
    """Chart text as it reads: the lines a builder broke it into, joined again."""
    return None if text is None else text.replace("<br>", " ")


def title(fig: go.Figure) -> str:
    return read(fig.layout.title.text)


def subtitle(fig: go.Figure) -> str | None:
    return read(fig.layout.title.subtitle.text)


def trace(fig: go.Figure, name: str):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, f"no single trace named {name!r} in {[t.name for t in fig.data]}"
    return found[0]


def dates(values) -> list[pd.Timestamp]:
    return [D(v) for v in values]


def assert_empty(fig: go.Figure, *words: str) -> None:
    assert len(fig.data) == 0
    assert len(fig.layout.annotations) == 1
    note = read(fig.layout.annotations[0].text)
    for word in words:
        assert word in note
    assert fig.layout.xaxis.visible is False and fig.layout.yaxis.visible is False
    assert title(fig)


# --------------------------------------------------------------------------------------
# Template
# --------------------------------------------------------------------------------------


def test_template_colorway_is_the_configured_okabe_ito_palette():
    assert list(charts.TEMPLATE.layout.colorway) == CONFIG["chartCategoricalColors"]
    assert list(charts.PRESENTATION_TEMPLATE.layout.colorway) == CONFIG["chartCategoricalColors"]
    assert charts.PRIMARY == CONFIG["primaryColor"] == "#0072B2"


def test_template_takes_font_and_colours_from_the_theme():
    layout = charts.TEMPLATE.layout
    assert layout.font.color == CONFIG["textColor"]
    assert layout.paper_bgcolor == layout.plot_bgcolor == CONFIG["backgroundColor"]
    assert "sans-serif" in layout.font.family
    assert layout.hoverlabel.font.size >= 14


def test_template_is_readable_when_screen_shared():
    for template in (charts.TEMPLATE, charts.PRESENTATION_TEMPLATE):
        layout = template.layout
        assert layout.title.font.size >= 20
        assert layout.xaxis.tickfont.size >= 14 and layout.yaxis.tickfont.size >= 14
        assert layout.legend.orientation == "h" and layout.legend.y > 1  # on top, horizontal
        assert layout.xaxis.showgrid is False and layout.yaxis.showgrid is False
        assert layout.margin.t >= 100 and layout.margin.l >= 40
    screen, big = charts.TEMPLATE.layout, charts.PRESENTATION_TEMPLATE.layout
    assert big.title.font.size > screen.title.font.size
    assert big.xaxis.tickfont.size > screen.xaxis.tickfont.size
    assert charts.SIZING["presentation"].height > charts.SIZING["screen"].height


def test_templates_are_registered_with_plotly():
    assert pio.templates["learnloop"].layout.colorway == charts.TEMPLATE.layout.colorway
    assert pio.templates["learnloop_presentation"].layout.title.font.size == 30


def test_load_theme_falls_back_to_defaults(tmp_path):
    assert charts.load_theme(tmp_path / "missing.toml") == charts.DEFAULT_THEME
    broken = tmp_path / "broken.toml"
    broken.write_text("[theme\nprimaryColor = ", encoding="utf-8")
    assert charts.load_theme(broken) == charts.DEFAULT_THEME
    partial = tmp_path / "partial.toml"
    partial.write_text('[theme]\nprimaryColor = "#123456"\nchartCategoricalColors = ["#111111", "#222222"]\n'
                       "textColor = 7\n", encoding="utf-8")
    theme = charts.load_theme(partial)
    assert theme["primaryColor"] == "#123456"
    assert theme["chartCategoricalColors"] == ["#111111", "#222222"]
    assert theme["textColor"] == charts.DEFAULT_THEME["textColor"]  # wrong type: ignored
    template = charts.build_template(theme, "screen")
    assert list(template.layout.colorway) == ["#111111", "#222222"]


def test_unknown_size_is_refused():
    with pytest.raises(ValueError, match="size"):
        charts.cadence(pd.DataFrame({"month": [D("2026-01-01")], "critiques": [1]}), size="huge")


def test_charts_module_is_pure():
    tree = ast.parse((ROOT / "learnloop" / "charts.py").read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import)
                for alias in node.names}
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert "streamlit" not in imported


# --------------------------------------------------------------------------------------
# Playbook score
# --------------------------------------------------------------------------------------


def card(quarter: str, done: list[bool]) -> m.Scorecard:
    steps = tuple(m.Step(number, name, ok, f"evidence {number}", {}, key)
                  for (number, key, name), ok in zip(m.STEPS, done, strict=True))
    return m.Scorecard(quarter, steps)


def test_scorecard_tiles_and_title():
    fig = charts.scorecard(card("2026-Q3", [True, True, False, True, True]))
    assert title(fig) == "Playbook score 4 of 5 in 2026-Q3"
    assert subtitle(fig) == "Not done: Peer circle monthly"
    done, missing = trace(fig, "Done"), trace(fig, "Not done")
    assert done.type == missing.type == "bar"
    assert list(done.x) == ["1. Theme set", "2. PLN curated", "4. Artifact shipped", "5. Loop closed"]
    assert list(missing.x) == ["3. Peer circle monthly"]
    assert list(done.y) == [1, 1, 1, 1]
    assert done.marker.color == charts.PRIMARY and missing.marker.color == charts.MISSING
    assert list(missing.customdata) == ["evidence 3"]
    assert "%{customdata}" in done.hovertemplate
    assert list(fig.layout.xaxis.categoryarray) == [f"{n}. {name}" for n, _, name in m.STEPS]
    assert fig.layout.yaxis.visible is False


def test_scorecard_names_the_shorter_list_in_the_subtitle():
    fig = charts.scorecard(card("2026-Q2", [True, False, False, False, True]))
    assert subtitle(fig) == "Done: Theme set and Loop closed"


def test_scorecard_all_done_has_no_grey_tiles():
    fig = charts.scorecard(card("2026-Q1", [True] * 5))
    assert title(fig) == "Playbook score 5 of 5 in 2026-Q1"
    assert subtitle(fig) == "Every step done"
    assert [t.name for t in fig.data] == ["Done"]


def test_scorecard_with_nothing_done_is_still_a_chart():
    fig = charts.scorecard(card("2026-Q2", [False] * 5))
    assert title(fig) == "Playbook score 0 of 5 in 2026-Q2"
    assert subtitle(fig) == "No step done yet"
    assert [t.name for t in fig.data] == ["Not done"]


def score_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "quarter": ["2026-Q1", "2026-Q2", "2026-Q3"], "score": [5, 5, 3],
        "theme_set": [True, True, True], "pln_curated": [True, True, False], "peer_circle": [True, True, True],
        "artifact_shipped": [True, True, False], "loop_closed": [True, True, True],
    })


def test_score_trend():
    fig = charts.score_trend(score_frame())
    assert title(fig) == "Playbook score 3 of 5 in 2026-Q3"
    assert subtitle(fig) == "Down from 5 in 2026-Q2; full score in 2 of 3 quarters"
    (line,) = fig.data
    assert line.type == "scatter" and line.mode == "lines+markers+text"
    assert list(line.x) == ["2026-Q1", "2026-Q2", "2026-Q3"] and list(line.y) == [5, 5, 3]
    assert line.customdata[2] == "Not done: PLN curated and Artifact shipped"
    assert line.customdata[0] == "Every step done"
    assert fig.layout.yaxis.range[0] == 0 and 5 < fig.layout.yaxis.range[1] < 6
    assert list(fig.layout.yaxis.tickvals) == [0, 1, 2, 3, 4, 5]


def test_score_trend_reads_a_blank_step_as_not_done():
    frame = score_frame().astype({"pln_curated": "boolean"})
    frame.loc[0, "pln_curated"] = pd.NA
    assert charts.score_trend(frame).data[0].customdata[0] == "Not done: PLN curated"


def test_score_trend_going_up_and_single_quarter():
    frame = score_frame().iloc[[2, 0]].assign(quarter=["2026-Q1", "2026-Q2"])
    up = charts.score_trend(frame)
    assert title(up) == "Playbook score 5 of 5 in 2026-Q2"
    assert subtitle(up) == "Up from 3 in 2026-Q1; full score in 1 of 2 quarters"
    single = charts.score_trend(score_frame().head(1))
    assert title(single) == "Playbook score 5 of 5 in 2026-Q1"
    assert subtitle(single) == "Full score in 1 of 1 quarter"


def test_a_trend_ending_in_a_quarter_under_way_says_to_date_and_sets_it_against_no_whole_quarter():
    counts = pd.DataFrame({"quarter": ["2026-Q3", "2026-Q4"], "decisions": [9, 3]})
    fig = charts.decisions_trend(counts, to_date="2026-Q4")
    assert title(fig) == "3 decision write-ups in 2026-Q4 to date"
    assert subtitle(fig) == "2026-Q4 is under way; 12 over 2 quarters"
    assert title(charts.decisions_trend(counts, to_date="2026-Q3")) == "3 decision write-ups in 2026-Q4"
    scores = score_frame().iloc[[0, 2]].assign(quarter=["2026-Q3", "2026-Q4"])
    score = charts.score_trend(scores, to_date="2026-Q4")
    assert title(score) == "Playbook score 3 of 5 in 2026-Q4 to date"
    assert subtitle(score).startswith("2026-Q4 is under way; ") and "Down from" not in subtitle(score)


def test_decisions_trend():
    fig = charts.decisions_trend(pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2"], "decisions": [1, 3]}))
    assert title(fig) == "3 decision write-ups in 2026-Q2"
    assert subtitle(fig) == "Up from 1 in 2026-Q1; 4 over 2 quarters"
    (bars,) = fig.data
    assert bars.type == "bar" and list(bars.x) == ["2026-Q1", "2026-Q2"] and list(bars.y) == [1, 3]
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] > 3
    same = charts.decisions_trend(pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2"], "decisions": [1, 1]}))
    assert title(same) == "1 decision write-up in 2026-Q2"
    assert subtitle(same) == "The same as 2026-Q1; 2 over 2 quarters"


# --------------------------------------------------------------------------------------
# Cadence and the learning network
# --------------------------------------------------------------------------------------

MONTHS = [D("2026-01-01"), D("2026-02-01"), D("2026-03-01")]


def test_cadence_two_of_three_months():
    fig = charts.cadence(pd.DataFrame({"month": MONTHS, "critiques": [2, 0, 1]}))
    assert "2 of 3 months" in title(fig)
    assert title(fig) == "Critiques held in 2 of 3 months"
    assert subtitle(fig) == "None in Feb 2026"
    held = trace(fig, "Critiques")
    assert held.type == "bar" and dates(held.x) == MONTHS and list(held.y) == [2, 0, 1]
    assert held.marker.color == charts.PRIMARY
    gap = trace(fig, "No critique")
    assert gap.type == "bar" and dates(gap.x) == [D("2026-02-01")] and list(gap.y) == [1]
    target = trace(fig, "Target: 1 a month")
    assert target.type == "scatter" and target.mode == "lines" and list(target.y) == [1, 1]
    assert dates(target.x)[0] < MONTHS[0] and dates(target.x)[1] > MONTHS[-1]
    assert fig.layout.barmode == "overlay"
    assert fig.layout.xaxis.type == "date" and fig.layout.yaxis.title.text == "Critiques"
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] > 2


def test_cadence_every_month_and_a_higher_target():
    fig = charts.cadence(pd.DataFrame({"month": MONTHS, "critiques": [2, 1, 3]}), target=2)
    assert title(fig) == "Critiques held in 3 of 3 months"
    assert subtitle(fig) == "A critique every month; target of 2 a month met in 2 of 3"
    assert [t.name for t in fig.data] == ["Critiques", "Target: 2 a month"]
    assert list(trace(fig, "Target: 2 a month").y) == [2, 2]


def test_cadence_without_any_critique_says_what_to_add():
    fig = charts.cadence(pd.DataFrame({"month": MONTHS, "critiques": [0, 0, 0]}))
    assert title(fig) == "Critiques held in 0 of 3 months"
    assert_empty(fig, "critiques tab")


def flow_frame(active_end: list[int]) -> pd.DataFrame:
    return pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2"], "added": [5, 3], "pruned": [1, 2],
                         "active_at_end": active_end})


def test_pln_size():
    fig = charts.pln_size(flow_frame([4, 5]))  # 0 at the start (4 - 5 + 1), 5 at the end
    assert title(fig) == "PLN grew to 5 active sources"
    assert subtitle(fig) == "8 added and 3 pruned over 2 quarters"
    added, pruned, active = trace(fig, "Added"), trace(fig, "Pruned"), trace(fig, "Active at quarter end")
    assert added.type == pruned.type == "bar" and active.type == "scatter"
    assert list(added.y) == [5, 3] and list(pruned.y) == [-1, -2] and list(pruned.customdata) == [1, 2]
    assert list(active.x) == ["2026-Q1", "2026-Q2"] and list(active.y) == [4, 5]
    assert fig.layout.barmode == "relative" and fig.layout.yaxis.zeroline is True


def test_pln_size_shrinking_and_holding():
    shrank = pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2"], "added": [0, 0], "pruned": [2, 2],
                           "active_at_end": [12, 10]})  # 14 at the start (12 - 0 + 2), 10 at the end
    assert title(charts.pln_size(shrank)) == "PLN shrank to 10 active sources"
    held = pd.DataFrame({"quarter": ["2026-Q1"], "added": [1], "pruned": [1], "active_at_end": [14]})
    assert title(charts.pln_size(held)) == "PLN held at 14 active sources"
    assert subtitle(charts.pln_size(held)) == "1 added and 1 pruned in 2026-Q1"


def test_source_kinds():
    frame = pd.DataFrame({"kind": ["person", "newsletter", "book", "podcast"], "sources": [2, 5, 1, 0]})
    fig = charts.source_kinds(frame)
    assert title(fig) == "Most sources are newsletters: 5 of 8"
    (bars,) = fig.data
    assert bars.orientation == "h" and list(bars.y) == ["Newsletter", "Person", "Book"]
    assert list(bars.x) == [5, 2, 1]
    assert fig.layout.yaxis.autorange == "reversed"  # most on top
    tie = charts.source_kinds(pd.DataFrame({"kind": ["person", "book"], "sources": [3, 3]}))
    assert title(tie) == "People and books lead the network"
    assert subtitle(tie) == "3 of 6 sources each"


def test_top_sources_sorted_with_the_leader_in_the_title():
    frame = pd.DataFrame({"source_id": ["S-2", "S-1", "S-3"], "name": ["Podcast X", "Lenny's Newsletter", None],
                          "kind": ["podcast", "newsletter", "book"], "decisions": [1, 4, 2]})
    fig = charts.top_sources(frame, width="full")
    assert title(fig) == "Most-cited source: Lenny's Newsletter"
    assert subtitle(fig) == "Named by 4 decision write-ups"
    (bars,) = fig.data
    assert bars.type == "bar" and bars.orientation == "h"
    assert list(bars.y) == ["Lenny's Newsletter", "S-3", "Podcast X"] and list(bars.x) == [4, 2, 1]
    assert list(bars.customdata[0]) == ["Lenny's Newsletter", "newsletter", "S-1"]
    assert fig.layout.yaxis.autorange == "reversed"
    assert fig.layout.xaxis.title.text == "Decision write-ups naming it"


def test_top_sources_ties_and_duplicate_names():
    frame = pd.DataFrame({"source_id": ["S-1", "S-2"], "name": ["Blog", "Blog"], "kind": ["blog", "blog"],
                          "decisions": [2, 2]})
    fig = charts.top_sources(frame)
    assert title(fig) == "2 sources tie as the most cited"
    assert subtitle(fig) == "Named by 2 decision write-ups each"
    assert list(fig.data[0].y) == ["Blog (S-1)", "Blog (S-2)"]  # not merged into one bar


# --------------------------------------------------------------------------------------
# Peer circle
# --------------------------------------------------------------------------------------


def roles_frame() -> pd.DataFrame:
    roles = ["PM", "Design", "Eng", "Data"]
    jan = [2, 1, 1, 0]
    feb = [1, 0, 2, 1]
    return pd.DataFrame({"month": [MONTHS[0]] * 4 + [MONTHS[1]] * 4, "role": roles * 2, "critiques": jan + feb})


def test_roles_heatmap():
    fig = charts.roles_heatmap(roles_frame())
    assert title(fig) == "PM, Design, Eng together in 1 of 2 months"
    assert subtitle(fig) == "Design missed 1 month"
    (heat,) = fig.data
    assert heat.type == "heatmap"
    assert list(heat.y) == ["PM", "Design", "Eng", "Data"] and dates(heat.x) == MONTHS[:2]
    assert [list(row) for row in heat.z] == [[2, 1], [1, 0], [1, 2], [0, 1]]
    assert heat.zmin == 0 and heat.texttemplate == "%{z}"
    assert fig.layout.yaxis.autorange == "reversed"


def test_roles_heatmap_with_no_roles_recorded():
    fig = charts.roles_heatmap(roles_frame().assign(critiques=0))
    assert_empty(fig, "roles", "critiques tab")


def test_artifact_types():
    frame = pd.DataFrame({"artifact_type": ["experiment", "roadmap", "discovery_plan", "prototype"],
                          "critiques": [1, 0, 2, 3]})
    fig = charts.artifact_types(frame)
    assert title(fig) == "Most critiqued: prototypes, 3 of 6"
    (bars,) = fig.data
    assert list(bars.y) == ["Prototype", "Discovery plan", "Experiment", "Roadmap"]
    assert list(bars.x) == [3, 2, 1, 0]
    tie = charts.artifact_types(frame.assign(critiques=[2, 0, 2, 1]))
    assert title(tie) == "Most critiqued: experiments and discovery plans"
    assert subtitle(tie) == "2 each of 5 critiques"


# --------------------------------------------------------------------------------------
# Commitments and decisions
# --------------------------------------------------------------------------------------


def test_commitments_committed_beside_shipped_on_time_and_late():
    frame = pd.DataFrame({"quarter": ["2026-Q1", "2026-Q2"], "committed": [2, 1], "shipped": [1, 2],
                          "shipped_on_time": [1, 1], "on_time_rate": [1.0, 0.5]})
    fig = charts.commitments(frame)
    assert title(fig) == "3 artifacts shipped, 67% on time"
    assert subtitle(fig) == "Over 2 quarters; 3 commitments made"
    committed, on_time, late = (trace(fig, n) for n in ("Committed", "Shipped on time", "Shipped late"))
    assert list(committed.y) == [2, 1] and list(on_time.y) == [1, 1] and list(late.y) == [0, 1]
    assert list(late.base) == [1, 1]  # stacked on the on-time bar
    assert on_time.offsetgroup == late.offsetgroup != committed.offsetgroup
    assert list(committed.x) == ["2026-Q1", "2026-Q2"]


def test_commitments_nothing_shipped_yet():
    frame = pd.DataFrame({"quarter": ["2026-Q3"], "committed": [2], "shipped": [0], "shipped_on_time": [0],
                          "on_time_rate": [float("nan")]})
    fig = charts.commitments(frame)
    assert title(fig) == "2 commitments made, none shipped yet"
    assert subtitle(fig) == "In 2026-Q3"


def test_decisions_by_category_stacked_with_readable_labels():
    frame = pd.DataFrame({"quarter": ["2026-Q1"] * 3 + ["2026-Q2"] * 3,
                          "category": ["decision", "discovery_cadence", "bet"] * 2,
                          "decisions": [1, 0, 2, 0, 1, 1]})
    fig = charts.decisions_by_category(frame)
    assert title(fig) == "Most write-ups changed a bet"
    assert subtitle(fig) == "3 of 5 write-ups"
    assert [t.name for t in fig.data] == ["Decision", "Discovery cadence", "Bet"]
    assert list(trace(fig, "Bet").y) == [2, 1] and list(trace(fig, "Discovery cadence").y) == [0, 1]
    assert list(trace(fig, "Decision").x) == ["2026-Q1", "2026-Q2"]
    assert fig.layout.barmode == "stack"
    assert [t.marker.color for t in fig.data] == list(charts.COLORWAY[:3])


def test_traced_share_donut():
    fig = charts.traced_share(0.68)
    assert title(fig) == "Decisions traced to learning: 68%"
    (donut,) = fig.data
    assert donut.type == "pie" and donut.hole > 0.5
    assert list(donut.values) == pytest.approx([0.68, 0.32])
    assert list(donut.marker.colors) == [charts.PRIMARY, charts.MISSING]
    assert fig.layout.annotations[0].text == "<b>68%</b>"
    assert title(charts.traced_share(1.0, quarter="2026-Q3")) == "Decisions traced to learning: 100% in 2026-Q3"


def test_learning_mix():
    frame = pd.DataFrame({"mix": list(m.MIX_LABELS), "label": list(m.MIX_LABELS.values()),
                          "decisions": [1, 1, 2], "share": [0.25, 0.25, 0.5]})
    fig = charts.learning_mix(frame)
    assert title(fig) == "50% drew on both sources and critiques"
    assert subtitle(fig) == "Of 4 write-ups that name a source or critique"
    (bars,) = fig.data
    assert list(bars.y) == list(m.MIX_LABELS.values()) and list(bars.x) == [1, 1, 2]


def test_time_to_impact_boxes_per_kind():
    frame = pd.DataFrame({
        "kind": ["source", "critique", "source", "source", "critique"],
        "id": ["S-1", "C-1", "S-2", "S-3", "C-2"], "decision_id": ["D-1"] * 5, "quarter": ["2026-Q1"] * 5,
        "learned_on": [D("2026-01-01")] * 5, "decided_on": [D("2026-02-01")] * 5, "days": [10, 4, 20, 30, 6],
    })
    fig = charts.time_to_impact(frame)
    assert title(fig) == "Critiques reach decisions in 5 days"  # the faster kind's median
    assert subtitle(fig) == "Median; sources take 20 days"
    sources, critiques = trace(fig, "Sources"), trace(fig, "Critiques")
    assert sources.type == critiques.type == "box"
    assert list(sources.x) == [10, 20, 30] and list(critiques.x) == [4, 6]
    assert sources.boxpoints == "all" and sources.orientation == "h"
    assert list(critiques.customdata[0]) == ["C-1", "D-1"]
    assert fig.layout.xaxis.title.text == "Days from learning to decision"
    only = charts.time_to_impact(frame.loc[frame["kind"].eq("source")])
    assert title(only) == "Sources reach decisions in 20 days"
    assert [t.name for t in only.data] == ["Sources"]


# --------------------------------------------------------------------------------------
# Flows and themes
# --------------------------------------------------------------------------------------


def flows_frame() -> pd.DataFrame:
    return pd.DataFrame([
        ("Peer critique", "Pricing", 3, "learning", "theme"),
        ("Book", "Pricing", 1, "learning", "theme"),
        ("Pricing", "Decision", 3, "theme", "change"),
        ("Pricing", "Bet", 1, "theme", "change"),
    ], columns=m.LEARNING_FLOWS_COLUMNS)


def test_learning_flows_sankey():
    fig = charts.learning_flows(flows_frame(), width="full")
    assert title(fig) == "Top learning input: Peer critique"
    assert subtitle(fig).startswith("3 of 4 citations")
    (sankey,) = fig.data
    assert sankey.type == "sankey"
    labels = list(sankey.node.label)
    assert labels == ["Peer critique", "Book", "Pricing", "Decision", "Bet"]
    colours = dict(zip(labels, sankey.node.color, strict=True))
    assert colours["Book"] == charts.STAGE_COLOURS["learning"]
    assert colours["Peer critique"] == charts.PURPLE
    assert colours["Pricing"] == charts.STAGE_COLOURS["theme"]
    assert colours["Decision"] == colours["Bet"] == charts.STAGE_COLOURS["change"] == charts.PRIMARY
    links = list(zip(sankey.link.source, sankey.link.target, sankey.link.value, strict=True))
    assert links == [(0, 2, 3), (1, 2, 1), (2, 3, 3), (2, 4, 1)]


def test_learning_flows_keeps_to_a_slides_height():
    """On a slide the Sankey gets a fixed share of the screen: it keeps to it, giving up second label
    lines rather than pushing the bottom node's label off the chart."""
    long_theme = "Stakeholder management with finance and risk"
    frame = pd.DataFrame([(kind, long_theme, 2, "learning", "theme") for kind in
                          ("Peer critique", "Book", "Community", "Event", "Person", "Podcast")]
                         + [(long_theme, "Decision", 12, "theme", "change")], columns=m.LEARNING_FLOWS_COLUMNS)
    free = charts.learning_flows(frame, size="presentation", width="half")
    kept = charts.learning_flows(frame, size="presentation", width="half", height=446)
    assert free.layout.height > 446  # left alone, six two-line labels ask for more
    assert kept.layout.height == 446
    assert max(label.count("<br>") for label in kept.data[0].node.label) == 0
    assert kept.data[0].node.pad < free.data[0].node.pad


def test_learning_flows_keeps_a_label_at_two_stages_apart():
    frame = pd.DataFrame([("Book", "Decision", 2, "learning", "theme"), ("Decision", "Decision", 2, "theme", "change")],
                         columns=m.LEARNING_FLOWS_COLUMNS)
    sankey = charts.learning_flows(frame).data[0]
    assert list(sankey.node.label) == ["Book", "Decision", "Decision"]
    assert list(sankey.link.source) == [0, 1] and list(sankey.link.target) == [1, 2]


def test_theme_progress():
    frame = pd.DataFrame({
        "theme_id": ["T-1", "T-2"], "quarter": ["2026-Q1", "2026-Q2"], "title": ["Pricing", "Onboarding"],
        "team": ["Alpha", "Alpha"], "owner": ["Ana", "Ben"], "status": ["done", "active"],
        "definition_of_good": [None, None], "sources": [4, 2], "critiques": [3, 0], "commitments": [1, 1],
        "shipped": [1, 0], "decisions": [2, 0],
    })
    fig = charts.theme_progress(frame, width="full")
    assert title(fig) == "1 of 2 themes led to a decision write-up"
    assert subtitle(fig) == "1 shipped an artifact"
    (heat,) = fig.data
    assert heat.type == "heatmap"
    assert list(heat.x) == ["Sources", "Critiques", "Commitments", "Shipped", "Decisions"]
    assert list(heat.y) == ["2026-Q1 · Pricing", "2026-Q2 · Onboarding"]
    assert [list(row) for row in heat.text] == [[4, 3, 1, 1, 2], [2, 0, 1, 0, 0]]
    assert [list(row) for row in heat.z] == [[1, 1, 1, 1, 1], [0.5, 0, 1, 0, 0]]  # shaded per column


# --------------------------------------------------------------------------------------
# Empty input: a note saying what to add, never a blank chart
# --------------------------------------------------------------------------------------


def empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype="object") for column in columns})


EMPTY_CASES = {
    "scorecard": (charts.scorecard, lambda: None, "themes tab"),
    "scorecard_no_steps": (charts.scorecard, lambda: m.Scorecard("2026-Q3", ()), "themes tab"),
    "score_trend": (charts.score_trend, lambda: empty(m.SCORE_TREND_COLUMNS), "themes tab"),
    "decisions_trend": (charts.decisions_trend, lambda: empty(m.DECISIONS_PER_QUARTER_COLUMNS), "decisions tab"),
    "cadence": (charts.cadence, lambda: empty(m.CRITIQUES_PER_MONTH_COLUMNS), "critiques tab"),
    "pln_size": (charts.pln_size, lambda: empty(m.SOURCES_FLOW_COLUMNS), "sources tab"),
    "source_kinds": (charts.source_kinds, lambda: empty(["kind", "sources"]), "sources tab"),
    "top_sources": (charts.top_sources, lambda: empty(m.TOP_SOURCES_COLUMNS), "decisions tab"),
    "roles_heatmap": (charts.roles_heatmap, lambda: empty(m.ROLES_COVERAGE_COLUMNS), "critiques tab"),
    "artifact_types": (charts.artifact_types,
                       lambda: pd.DataFrame({"artifact_type": ["experiment", "roadmap"], "critiques": [0, 0]}),
                       "critiques tab"),
    "commitments": (charts.commitments, lambda: empty(m.COMMITMENTS_PER_QUARTER_COLUMNS), "commitments tab"),
    "decisions_by_category": (charts.decisions_by_category, lambda: empty(m.DECISIONS_BY_CATEGORY_COLUMNS),
                              "decisions tab"),
    "traced_share": (charts.traced_share, lambda: None, "decisions tab"),
    "learning_mix": (charts.learning_mix,
                     lambda: pd.DataFrame({"mix": list(m.MIX_LABELS), "label": list(m.MIX_LABELS.values()),
                                           "decisions": [0, 0, 0], "share": [float("nan")] * 3}),
                     "decisions tab"),
    "time_to_impact": (charts.time_to_impact, lambda: empty(m.TIME_TO_IMPACT_COLUMNS), "decisions tab"),
    "learning_flows": (charts.learning_flows, lambda: empty(m.LEARNING_FLOWS_COLUMNS), "decisions tab"),
    "theme_progress": (charts.theme_progress, lambda: empty(m.THEME_SUMMARY_COLUMNS), "themes tab"),
}


@pytest.mark.parametrize("name", list(EMPTY_CASES))
def test_empty_input_gives_a_note_and_no_traces(name):
    builder, make, tab = EMPTY_CASES[name]
    fig = builder(make())
    assert_empty(fig, tab, "add" if name not in {"top_sources", "learning_flows", "time_to_impact",
                                                 "learning_mix"} else "fill")
    big = builder(make(), size="presentation")
    assert_empty(big, tab)
    assert big.layout.annotations[0].font.size > fig.layout.annotations[0].font.size


def test_empty_figure_message():
    fig = charts.empty_figure("Critiques per month", "No critiques yet — add rows to the critiques tab")
    assert read(fig.layout.annotations[0].text) == "No critiques yet — add rows to the critiques tab"
    assert fig.layout.annotations[0].showarrow is False
    assert fig.layout.showlegend is False


# --------------------------------------------------------------------------------------
# Every builder on real metric output: the demo workbook and a headers-only workbook
# --------------------------------------------------------------------------------------


def all_figures(wb, f: Filters, size: str = "screen") -> dict[str, go.Figure]:
    quarters = m.score_trend(wb, f)["quarter"]
    quarter = str(quarters.iloc[-1]) if len(quarters) else "2026-Q3"
    return {
        "scorecard": charts.scorecard(m.scorecard(wb, f, quarter), size=size),
        "score_trend": charts.score_trend(m.score_trend(wb, f), size=size),
        "decisions_trend": charts.decisions_trend(m.decisions_per_quarter(wb, f), size=size),
        "cadence": charts.cadence(m.critiques_per_month(wb, f), size=size),
        "pln_size": charts.pln_size(m.sources_flow(wb, f), size=size),
        "source_kinds": charts.source_kinds(m.source_kinds(wb, f), size=size),
        "top_sources": charts.top_sources(m.top_sources(wb, f), size=size),
        "roles_heatmap": charts.roles_heatmap(m.roles_coverage(wb, f), size=size),
        "artifact_types": charts.artifact_types(m.artifact_types(wb, f), size=size),
        "commitments": charts.commitments(m.commitments_per_quarter(wb, f), size=size),
        "decisions_by_category": charts.decisions_by_category(m.decisions_by_category(wb, f), size=size),
        "traced_share": charts.traced_share(m.traced_share(wb, f, quarter), quarter=quarter, size=size),
        "learning_mix": charts.learning_mix(m.learning_mix(wb, f), size=size),
        "time_to_impact": charts.time_to_impact(m.time_to_impact(wb, f), size=size),
        "learning_flows": charts.learning_flows(m.learning_flows(wb, f), size=size),
        "theme_progress": charts.theme_progress(m.theme_summary(wb, f), size=size),
    }


@pytest.fixture(scope="module")
def demo():
    return load.workbook("demo")


def assert_well_formed(fig: go.Figure, size: str) -> None:
    assert isinstance(fig, go.Figure)
    assert title(fig) and "nan" not in title(fig).lower() and "None" not in title(fig)
    assert 280 <= fig.layout.height <= 720  # seen whole on a 1280×720 screen
    assert len(fig.data) <= 6
    assert effective(fig, "title.font.size") >= 20
    assert effective(fig, "xaxis.tickfont.size") >= 14 and effective(fig, "yaxis.tickfont.size") >= 14
    assert fig.layout.template.layout.colorway == charts.TEMPLATES[size].layout.colorway
    pio.to_json(fig, validate=True)  # valid plotly JSON, without rendering


@pytest.mark.parametrize("size", ["screen", "presentation"])
def test_every_builder_on_the_demo_workbook(demo, size):
    figures = all_figures(demo, Filters(), size)
    for name, fig in figures.items():
        assert_well_formed(fig, size)
        assert len(fig.data) >= 1, f"{name} drew nothing on the demo workbook"
        # Short enough for a half-width column at 1280×720; the detail goes in the subtitle.
        assert len(title(fig)) <= 48, f"{name}: title too long to read at a glance: {title(fig)!r}"
        assert not fig.layout.annotations or name == "traced_share", name


def test_every_builder_on_a_filtered_demo_quarter(demo):
    f = Filters(quarters=("2026-Q1", "2026-Q1"), teams=("Checkout",))
    for fig in all_figures(demo, f).values():
        assert_well_formed(fig, "screen")


def test_every_builder_on_a_headers_only_workbook():
    figures = all_figures(headers_only_workbook(), Filters(as_of=dt.date(2026, 9, 15)))
    for name, fig in figures.items():
        assert_well_formed(fig, "screen")
        if name == "scorecard":
            assert title(fig) == "Playbook score 0 of 5 in 2026-Q3"
            assert [t.name for t in fig.data] == ["Not done"]
        else:
            assert_empty(fig)
