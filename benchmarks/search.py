"""What search costs: the index built once per read, a typical query, and the memory the index adds.

A query is timed as the Search page makes it (up to 25 results per tab, each with its snippet), on the
workbook's index once built; the figure is the median over :data:`TYPICAL_QUERIES` of each query's
median. Memory is measured in a fresh process (:func:`probe`): a cold load first, then the peak-RSS
mark is reset (``/proc/self/clear_refs``) and the index is built and queried; the extra peak is the new
mark less the RSS before the build.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import statistics
import sys
import time
from typing import Any

from learnloop import search, search_view
from learnloop.filters import Filters

#: What a team lead types: topics, a phrase, several words, a name, an id, prefixes, and typos (the
#: fallback that reads one typo runs for those). Words from the demo, which the scaled workbooks repeat.
TYPICAL_QUERIES = ("pricing", "onboarding", "interviews", "annual plan", '"annual plan"', "warranty price test",
                   "sales calls", "Amara", "D-011", "pric", "activation", "churn", "prcing", "intervews",
                   "onbording", "anchoring")
#: Results per tab, as the Search page asks for them.
PER_TAB = search_view.PER_TAB


def build(wb: Any) -> tuple[float, float]:
    """Seconds (on the clock, and of this process's CPU) to build the index of a fresh copy of ``wb``,
    with the words the typo fallback reads."""
    fresh = dataclasses.replace(wb)
    gc.collect()
    started, cpu = time.perf_counter(), time.process_time()
    index = search.index(fresh)
    index.vocabulary  # noqa: B018 - the typo fallback's words, read once per index
    index.letters  # noqa: B018
    return time.perf_counter() - started, time.process_time() - cpu


def query(wb: Any, typed: str) -> search.Results:
    """One search as the Search page makes it, never read back from the cache."""
    return search._search.definition(wb, Filters(), typed, (), (), PER_TAB, True)


def queries(wb: Any, runs: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median seconds of each typical query on ``wb``'s index (built first, untimed): on the clock, and
    of this process's CPU."""
    search.index(wb)
    wall, cpu = {}, {}
    for typed in TYPICAL_QUERIES:
        query(wb, typed)
        times, cpu_times = [], []
        for _ in range(runs):
            started, used = time.perf_counter(), time.process_time()
            query(wb, typed)
            times.append(time.perf_counter() - started)
            cpu_times.append(time.process_time() - used)
        wall[typed], cpu[typed] = statistics.median(times), statistics.median(cpu_times)
    return wall, cpu


def page(wb: Any, typed: str = "pricing") -> float:
    """Seconds the Search page takes for ``typed`` after its index is built: the search, and every
    result's card with its trail (the links between rows are worked out on the first one)."""
    found = query(wb, typed)
    started = time.perf_counter()
    found = query(wb, typed)
    for tab, count in found.counts.items():
        if count:
            search_view.hits(wb, found, tab)
    return time.perf_counter() - started


def figures(wb: Any, runs: int) -> dict[str, Any]:
    """Every search figure for ``wb`` (the memory figure comes from :func:`probe`)."""
    built = [build(wb) for _ in range(runs)]
    per_query, per_query_cpu = queries(wb, max(runs, 5))
    fresh = dataclasses.replace(wb)
    search.index(fresh)
    first_page = page(fresh)
    again = [page(fresh) for _ in range(runs)]
    return {"search_build_s": statistics.median(wall for wall, _ in built),
            "search_build_cpu_s": statistics.median(cpu for _, cpu in built),
            "search_query_s": statistics.median(per_query.values()),
            "search_query_cpu_s": statistics.median(per_query_cpu.values()),
            "search_query_max_s": max(per_query.values()), "search_queries_s": per_query,
            "search_page_first_s": first_page, "search_page_s": statistics.median(again)}


def _rss_mb(field: str) -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def probe() -> int:
    """Entry point of the memory probe's process: a cold load, then the index built and queried."""
    config = json.load(sys.stdin)
    from data_schemas import ParseOptions
    from learnloop import load
    from learnloop.sources.sheets import Access, SheetReader

    wb = load.sheet_workbook(config["sid"], SheetReader(Access(service_account=config["account"],
                                                               base_url=config["base_url"], timeout=(5.0, 600.0))),
                             ParseOptions())
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as refs:
            refs.write("5")  # reset the peak-RSS mark (VmHWM) to the RSS now
    except OSError:
        print(json.dumps({"search_extra_peak_mb": None}))
        return 0
    before = _rss_mb("VmRSS")
    index = search.index(wb)
    index.vocabulary  # noqa: B018 - the typo fallback's words
    for typed in TYPICAL_QUERIES:
        query(wb, typed)
    page(wb)
    print(json.dumps({"search_extra_peak_mb": _rss_mb("VmHWM") - before, "search_rss_before_mb": before}))
    return 0


if __name__ == "__main__":
    sys.exit(probe())
