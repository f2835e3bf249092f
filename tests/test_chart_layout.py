"""Charts that never clip, measured in a real Chromium on the demo at 1280×720 (sidebar open) and
1920×1080: on every dashboard page and every retro slide (as shown and presenting), each chart's
title, subtitle and legend stay inside the chart, clear of one another, of the plot and of the axes'
labels; axis labels stay inside the chart; no Sankey label runs into another or off the chart. The
same holds for a workbook whose theme and source names are long, unbroken or hostile. Each chart
is saved to tests/artifacts/ to be looked at."""

from __future__ import annotations

import pytest

from learnloop.sources import files
from tests.browser import ARTIFACTS, streamlit_server, wait_until_drawn
from tests.fixtures.small import raw_tabs

SIZES = [(1280, 720), (1920, 1080)]
#: Each page that draws charts, and how many it draws on the demo.
PAGES = {"": 3, "themes": 1, "learning_network": 3, "peer_circle": 4, "commitments": 1, "impact": 5}
SLIDES = {1: 1, 2: 1, 3: 2, 4: 1, 5: 1, 6: 2}
VIEWS = ([(path or "overview", f"/{path}", count) for path, count in PAGES.items()]
         + [(f"retro-slide-{n}", f"/retro?slide={n}", count) for n, count in SLIDES.items()]
         + [(f"retro-presenting-{n}", f"/retro?slide={n}&presentation=true", count)
            for n, count in SLIDES.items()])
#: Overlaps and overhangs smaller than this (px) are anti-aliasing, not a collision.
SLACK = 1

# The boxes of one chart, as the browser lays them out: [left, top, right, bottom] in page pixels.
MEASURE = """
plot => {
  const box = el => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const boxes = selector => [...plot.querySelectorAll(selector)].map(box)
      .filter(([left, top, right, bottom]) => right > left && bottom > top);
  const text = selector => [...plot.querySelectorAll(selector)].map(el => el.textContent);
  return {
    chart: box(plot.querySelector('.main-svg')),
    title: boxes('.gtitle'), titleText: text('.gtitle'),
    subtitle: boxes('.gtitle-subtitle'),
    legend: boxes('.legend'),
    plot: [...boxes('.nsewdrag'), ...boxes('.pielayer .trace'), ...boxes('.sankey .sankey-node-set')],
    axisText: [...boxes('.xtick text'), ...boxes('.ytick text'), ...boxes('.g-xtitle text'),
               ...boxes('.g-ytitle text')],
    sankeyLabels: boxes('.sankey .node-label'), sankeyText: text('.sankey .node-label'),
  };
}
"""


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - SLACK and b[0] < a[2] - SLACK and a[1] < b[3] - SLACK and b[1] < a[3] - SLACK


def inside(a: list[float], outer: list[float]) -> bool:
    return (a[0] >= outer[0] - SLACK and a[1] >= outer[1] - SLACK and a[2] <= outer[2] + SLACK
            and a[3] <= outer[3] + SLACK)


def layout_problems(chart: dict) -> list[str]:
    """What in one chart's measured boxes clips or collides, in words (empty when all is well)."""
    problems = []
    text = {"title": chart["title"], "subtitle": chart["subtitle"], "legend": chart["legend"]}
    for name, boxes in text.items():
        for found in boxes:
            if not inside(found, chart["chart"]):
                problems.append(f"the {name} {found} sticks out of the chart {chart['chart']}")
            for area in chart["plot"]:
                if overlap(found, area):
                    problems.append(f"the {name} {found} covers the plot {area}")
            for label in chart["axisText"]:
                if overlap(found, label):
                    problems.append(f"the {name} {found} covers an axis label {label}")
    for label in chart["axisText"]:
        if not inside(label, chart["chart"]):
            problems.append(f"an axis label {label} sticks out of the chart {chart['chart']}")
    names = list(text)
    for i, first in enumerate(names):
        for second in names[i + 1:]:
            for a in text[first]:
                for b in text[second]:
                    if overlap(a, b):
                        problems.append(f"the {first} {a} and the {second} {b} overlap")
    labels = list(zip(chart["sankeyText"], chart["sankeyLabels"], strict=False))
    for i, (name, found) in enumerate(labels):
        if not inside(found, chart["chart"]):
            problems.append(f"the Sankey label {name!r} {found} sticks out of the chart {chart['chart']}")
        for other, box in labels[i + 1:]:
            if overlap(found, box):
                problems.append(f"the Sankey labels {name!r} {found} and {other!r} {box} overlap")
    return problems


@pytest.fixture(scope="module")
def server():
    with streamlit_server({"LEARNLOOP_SOURCE": "demo"}) as url:
        yield url


@pytest.fixture(scope="module")
def long_names_server(tmp_path_factory):
    """The small workbook with theme titles and source names as long, unbroken and hostile as sheets get."""
    tabs = raw_tabs()
    for number, row in enumerate(tabs["themes"][1:]):
        row[2] = [f"{row[2]}: a discovery programme with finance, risk, legal and the audit committee",
                  f"<b>{row[2]}</b> & =HYPERLINK(\"https://evil.example\") {'x' * 90}",
                  f"{row[2]}-{'y' * 120}"][number % 3]
    for number, row in enumerate(tabs["sources"][1:]):
        row[1] = f"{row[1]} — {['the community of practice of product leaders in Europe', 'z' * 100][number % 2]}"
    path = files.write_xlsx(tabs, tmp_path_factory.mktemp("long-names") / "team.xlsx")
    with streamlit_server({"LEARNLOOP_SOURCE": str(path)}) as url:
        yield url


def check_charts(browser, url: str, width: int, height: int, name: str, count: int) -> list[str]:
    """Open ``url``, wait for its ``count`` charts, save each and say what clips or collides."""
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(url)
    page.wait_for_function(
        f"() => document.querySelectorAll('.js-plotly-plot .gtitle').length >= {count}", timeout=60_000)
    wait_until_drawn(page)
    plots = page.locator(".js-plotly-plot")
    assert plots.count() == count
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for index in range(count):
        plot = plots.nth(index)
        plot.scroll_into_view_if_needed()
        chart = plot.evaluate(MEASURE)
        assert chart["title"], f"chart {index + 1} on {name} has no title"
        problems += [f"{' '.join(chart['titleText'])!r}: {problem}" for problem in layout_problems(chart)]
        plot.screenshot(path=str(ARTIFACTS / f"chart-{name}-{width}x{height}-{index + 1}.png"))
    page.close()
    return problems


def test_overlapping_and_overhanging_boxes_are_found():
    """The check itself: a legend on a subtitle, a cut title and colliding labels are caught."""
    chart = {"chart": [0, 0, 400, 380], "title": [[20, 13, 380, 38]], "titleText": ["t"],
             "subtitle": [[20, 59, 300, 76]], "legend": [[64, 70, 200, 100]], "plot": [[64, 110, 360, 320]],
             "axisText": [[30, 300, 60, 316]], "sankeyLabels": [], "sankeyText": []}
    assert layout_problems(chart) == ["the subtitle [20, 59, 300, 76] and the legend [64, 70, 200, 100] overlap"]
    chart |= {"legend": [], "title": [[20, 13, 420, 38]], "sankeyText": ["Book", "Blog"],
              "sankeyLabels": [[10, 200, 50, 216], [10, 210, 50, 226]]}
    assert len(layout_problems(chart)) == 2  # the title overhangs; the two labels collide
    touching = [[10, 200, 50, 216], [10, 216, 50, 232]]
    assert layout_problems(chart | {"title": [[20, 13, 380, 38]], "sankeyLabels": touching}) == []


@pytest.mark.browser
@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize(("name", "path", "count"), VIEWS, ids=[name for name, _, _ in VIEWS])
def test_no_chart_text_clips_or_collides(server, browser, width, height, name, path, count):
    problems = check_charts(browser, f"{server}{path}", width, height, name, count)
    assert not problems, "\n".join(problems)


LONG_NAME_VIEWS = {"themes": ("/themes", 1), "learning-network": ("/learning_network", 3),
                   "impact": ("/impact", 5), "retro-slide-2": ("/retro?slide=2", 1),
                   "retro-slide-5": ("/retro?slide=5", 1), "retro-presenting-5": ("/retro?slide=5&presentation=true", 1)}


@pytest.mark.browser
@pytest.mark.parametrize("name", list(LONG_NAME_VIEWS))
def test_long_and_hostile_names_do_not_clip_either(long_names_server, browser, name):
    path, count = LONG_NAME_VIEWS[name]
    problems = check_charts(browser, f"{long_names_server}{path}", 1280, 720, f"long-names-{name}", count)
    assert not problems, "\n".join(problems)
