"""One meaning per word: a number shown under a label is the same number on every page, slide,
chart title and write-up that shows it for the same quarter.

The demo workbook is shown for the last complete quarter everywhere: the dashboard pages with that
quarter as their range, the retro's slides for that quarter, and its write-up.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict

from streamlit.testing.v1 import AppTest

from learnloop import load, reports
from learnloop.filters import Filters
from tests.apptest import open_page


def run(page: str, query: dict[str, object]) -> AppTest:
    at = open_page(page, query)
    assert not at.exception, at.exception
    return at


def chart_titles(at: AppTest) -> dict[str, tuple[str, str]]:
    """Each chart's title and subtitle, by its key."""
    out = {}
    for chart in at.get("plotly_chart"):
        layout = json.loads(chart.proto.spec)["layout"]
        title = layout.get("title", {})
        out[chart.key] = (title.get("text", ""), title.get("subtitle", {}).get("text", ""))
    return out


def test_a_label_shows_the_same_number_everywhere(demo_workbook):
    quarter = reports.last_complete_quarter(load.workbook("demo"), Filters())
    in_quarter = {"quarters": [quarter, quarter]}
    shown: dict[str, set[tuple[str, str]]] = defaultdict(set)

    def record(surface: str, label: str, value: object) -> None:
        shown[label].add((surface, str(value)))

    for page in ("pages/overview.py", "pages/commitments.py"):
        for metric in run(page, in_quarter).metric:
            record(page, metric.label, metric.value)
    for slide in (2, 3, 4, 6):
        for metric in run("pages/retro.py", {"quarter": quarter, "slide": str(slide)}).metric:
            record(f"retro slide {slide}", metric.label, metric.value)

    # Chart titles that state a count use the same words.
    commitments = chart_titles(run("pages/commitments.py", in_quarter))["commitments"][0]
    if (found := re.match(r"(\d+) artifacts? shipped", commitments)):
        record("commitments chart", "Artifacts shipped", found.group(1))
    network = chart_titles(run("pages/learning_network.py", in_quarter))["pln-size"][1]
    added, pruned = re.match(r"(\d+) added and (\d+) pruned", network).groups()
    record("network chart", "Sources added", added)
    record("network chart", "Sources pruned", pruned)

    # The write-up: its headline lines and its quarter-by-quarter line for the same quarter.
    writeup = reports.quarter_writeup_markdown(load.workbook("demo"), Filters(), quarter)
    for label, value in re.findall(r"^- (Playbook score|Critiques held|Decisions written up|Traced share): "
                                   r"(\d+(?: of 5)?%?)", writeup, re.M):
        record("write-up", label, value)
    line = re.search(rf"^- {quarter}: (\d) of 5 steps, (\d+) critiques?, (\d+) decision write-ups?, "
                     rf"(\d+) artifacts? shipped", writeup, re.M)
    assert line, writeup
    for label, value in zip(("Playbook score", "Critiques held", "Decisions written up", "Artifacts shipped"),
                            (f"{line.group(1)} of 5", *line.groups()[1:]), strict=True):
        record("write-up trend", label, value)

    shared = {label: surfaces for label, surfaces in shown.items() if len({s for s, _ in surfaces}) > 1}
    for label in ("Playbook score", "Critiques held", "Decisions written up", "Artifacts shipped", "Sources added",
                  "Shipped late"):
        assert label in shared, (label, shown.get(label))
    for label, surfaces in shared.items():
        assert len({value for _, value in surfaces}) == 1, (label, sorted(surfaces))
