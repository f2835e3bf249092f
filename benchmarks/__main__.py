"""``make bench``: Learning Loop against the floor of the Sheets path and against peers, at three sizes.

    python -m benchmarks                    # team, org and limit; peers and the browser too
    python -m benchmarks --sizes team,org   # some sizes only (results.json keeps the others)
    python -m benchmarks --quick            # a tiny workbook, no browser, no peer: proves the harness
    python -m benchmarks --search-only --sizes org,limit   # search alone (the other figures are kept)

Writes ``benchmarks/results.json``, prints the tables, and puts them into README.md and
benchmarks/README.md between their ``bench-table`` and ``bench-search`` markers. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks import generate, runners
from benchmarks import search as search_bench

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
READMES = (ROOT / "README.md", ROOT / "benchmarks" / "README.md")
MARKERS = ("<!-- bench-table:start (written by `make bench`) -->", "<!-- bench-table:end -->")
SEARCH_MARKERS = ("<!-- bench-search:start (written by `make bench`) -->", "<!-- bench-search:end -->")

#: name -> (what is scaled, target): rows in all, or cells across the five tabs.
SIZES: dict[str, tuple[str, int]] = {"team": ("rows", 500), "org": ("rows", 100_000), "limit": ("cells", 10_000_000)}
QUICK_PAIRS = 1


def pairs_for(size: str) -> int:
    if size == "tiny":
        return QUICK_PAIRS
    unit, target = SIZES[size]
    return generate.pairs_for_rows(target) if unit == "rows" else generate.pairs_for_cells(target)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f"{pages / 2**30:.0f} GiB"
    except (ValueError, OSError):
        memory = "? GiB"
    return (f"{cpu}, {os.cpu_count()} cores, {memory} RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}")


#: Runs of the metrics figures in a full run: each takes well under a second, and the machine's speed
#: drifts, so their median is taken over more runs than the loads'.
METRIC_RUNS = 9
#: Visits of each app in the browser figure: one visit's time swings by a second on a shared 2-core
#: machine (2.3-3.2 s for the hello page within one run), so the median is taken over more visits.
BROWSER_RUNS = 9


def timed(fn: Callable[[], Any], runs: int, *, discard_first: bool = False) -> tuple[float, list[float], Any]:
    """Median seconds of ``runs`` calls (after one untimed call when ``discard_first``), all times, last result."""
    result: Any = None
    times: list[float] = []
    for i in range(runs + (1 if discard_first else 0)):
        result = None
        gc.collect()
        started = time.perf_counter()
        result = fn()
        took = time.perf_counter() - started
        if not (discard_first and i == 0):
            times.append(took)
    return statistics.median(times), times, result


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def bench_size(size: str, *, runs: int, peer: bool, browser: bool, rss_runs: int,
               metric_runs: int | None = None) -> dict[str, Any]:
    pairs = pairs_for(size)
    log(f"[{size}] generating {pairs} team pairs and starting the stand-in…")
    with runners.serve(pairs) as server:
        info = server.info
        log(f"[{size}] {info['rows']:,} rows, {info['cells']:,} cells (generated in {info['generate_s']} s)")
        out: dict[str, Any] = {"pairs": pairs, "rows": info["rows"], "cells": info["cells"], "runs": runs}
        times: dict[str, list[float]] = {}
        token = runners.access_token(server)

        # One untimed load first: the stand-in renders and keeps its replies, modules are imported.
        runners.floor(server, token)
        runners.learnloop(server)

        # Each series starts with an untimed run of its own: the first Learning Loop load after the floor's
        # runs took ~0.12 s longer than the ones after it (0.74 against 0.60-0.63 s at org, in every run),
        # a cost of following another series, not of a load; the floor's series is treated the same.
        out["floor_s"], times["floor"], _ = timed(lambda: runners.floor(server, token), runs, discard_first=True)
        log(f"[{size}] floor {out['floor_s']:.3f} s")

        cold_reads, refresh_reads = [], []

        def cold() -> Any:
            server.reset()
            wb = runners.learnloop(server)
            cold_reads.append(server.reads())
            return wb

        out["learnloop_s"], times["learnloop"], wb = timed(cold, runs, discard_first=True)
        log(f"[{size}] learnloop {out['learnloop_s']:.3f} s")
        sheet_reader = runners.reader(server)
        runners.learnloop(server, sheet_reader)

        def refresh() -> Any:
            server.reset()
            refreshed = runners.learnloop(server, sheet_reader)
            refresh_reads.append(server.reads())
            return refreshed

        out["refresh_s"], times["refresh"], _ = timed(refresh, runs)
        out["read_requests_cold"] = max(cold_reads)
        out["read_requests_refresh"] = max(refresh_reads)
        out["issues"] = {severity: wb.count(severity) for severity in ("error", "warning", "info")}
        out["kept_rows"] = sum(len(frame) for frame in wb.tables.values())
        out["quarantined"] = {tab: len(frame) for tab, frame in wb.quarantined.items()}

        # Each run on a fresh copy: nothing the workbook keeps from an earlier pass is reused.
        # The metrics take well under a second: more runs cost little and steady their median.
        metric_runs = metric_runs or runs
        out["metrics_runs"] = metric_runs
        out["metrics_s"], times["metrics"], _ = timed(lambda loaded=wb: runners.metrics(dataclasses.replace(loaded)),
                                                      metric_runs, discard_first=True)
        log(f"[{size}] metrics {out['metrics_s']:.3f} s")
        visited = dataclasses.replace(wb)
        runners.metrics(visited)
        out["metrics_rerun_s"], times["metrics_rerun"], _ = timed(lambda again=visited: runners.metrics(again),
                                                                  metric_runs)
        log(f"[{size}] metrics again {out['metrics_rerun_s']:.3f} s")
        definition_runs = max(1, min(metric_runs, 3))
        out["metrics_definitions_s"], times["metrics_definitions"], _ = timed(
            lambda loaded=wb: runners.metrics_by_definition(dataclasses.replace(loaded)), definition_runs)
        log(f"[{size}] metrics by their definitions alone {out['metrics_definitions_s']:.3f} s")
        out["kernels"] = runners.kernel_gains(wb, definition_runs)
        out.update(search_bench.figures(wb, runs))
        log(f"[{size}] search: index {out['search_build_s']:.3f} s, a typical query {out['search_query_s']:.4f} s "
            f"(slowest {out['search_query_max_s']:.4f} s)")
        del visited, wb
        gc.collect()
        out.update(runners.search_memory(server))
        if out.get("search_extra_peak_mb") is not None:
            log(f"[{size}] search: the index adds {out['search_extra_peak_mb']:.0f} MB at its peak")

        probes = [runners.peak_rss(server) for _ in range(rss_runs)]
        out["peak_rss_mb"] = statistics.median(p["peak_rss_mb"] for p in probes)
        out["imports_rss_mb"] = statistics.median(p["imports_rss_mb"] for p in probes)
        log(f"[{size}] peak RSS {out['peak_rss_mb']:.0f} MB")

        out["naive_s"], times["naive"], _ = timed(lambda: runners.naive(server), runs, discard_first=True)
        log(f"[{size}] naive {out['naive_s']:.3f} s")

        if peer:
            result = runners.peer(server, runs + 1)
            times["peer"] = result["times"][1:]  # the first run is the stand-in's warm-up
            out["peer_s"] = statistics.median(times["peer"])
            log(f"[{size}] peer {out['peer_s']:.3f} s")

        if browser:
            out_browser = bench_browser(server, runs=max(runs, BROWSER_RUNS))
        stats = server.ask("stats")
        out["standin"] = {"uncached_render_s": stats["render_s"], "maxrss_mb": stats["maxrss_mb"]}
        if stats["internal_errors"]:
            raise RuntimeError(f"the stand-in crashed {stats['internal_errors']} time(s)")
    out["ratios"] = ratios(out)
    out["runs_s"] = times
    if browser:
        out["_browser"] = out_browser
    return out


def bench_browser(server: runners.Server, runs: int) -> dict[str, Any]:
    from benchmarks.browser import first_chart

    log("[browser] Overview and hello page in Chromium…")
    result = first_chart(server, runs)
    log(f"[browser] first chart {result['first_chart_s']:.3f} s, hello {result['hello_first_chart_s']:.3f} s")
    return result


def ratios(size: dict[str, Any]) -> dict[str, float]:
    out = {"learnloop_vs_floor": size["learnloop_s"] / size["floor_s"],
           "naive_vs_learnloop": size["naive_s"] / size["learnloop_s"]}
    if "peer_s" in size:
        out["peer_vs_learnloop"] = size["peer_s"] / size["learnloop_s"]
    return out


def run(sizes: list[str], *, runs: int = 3, peer: bool = True, browser: bool = True,
        browser_size: str = "team", rss_runs: int = 3, metric_runs: int | None = None) -> dict[str, Any]:
    """Every figure for ``sizes``; the browser figures ride along with ``browser_size``."""
    results: dict[str, Any] = {}
    if peer and not runners.peer_available():
        log(f"[peer] making {runners.PEER_VENV} with {runners.PEER_PACKAGE} from PyPI…")
        runners.ensure_peer_venv()
    for size in sizes:
        results[size] = bench_size(size, runs=runs, peer=peer, browser=browser and size == browser_size,
                                   rss_runs=rss_runs, metric_runs=metric_runs)
        if "_browser" in results[size]:
            results["browser"] = {"workbook": size, **results[size].pop("_browser")}
    results["machine"] = machine()
    results["versions"] = versions()
    results["date"] = time.strftime("%Y-%m-%d")
    return results


#: The packages whose versions move these figures (a fresh install takes the newest releases).
PACKAGES = ("pandas", "pyarrow", "numpy", "pandera", "orjson", "gspread", "streamlit")


def versions() -> dict[str, str]:
    """Python's version and the installed version of each of :data:`PACKAGES`."""
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


# ------------------------------------------------------------------------------ the table ---

COLUMNS = [("rows", "rows", "{:,}"), ("cells", "cells", "{:,}"), ("floor_s", "floor s", "{:.3f}"),
           ("learnloop_s", "Learning Loop s", "{:.3f}"), ("naive_s", "naive s", "{:.3f}"),
           ("peer_s", "peer s", "{:.3f}"), ("metrics_s", "metrics s", "{:.3f}"),
           ("metrics_rerun_s", "metrics again s", "{:.3f}"), ("metrics_definitions_s", "definitions alone s", "{:.3f}"),
           ("peak_rss_mb", "peak RSS MB", "{:,.0f}"), ("read_requests_cold", "reads cold", "{}"),
           ("read_requests_refresh", "reads refresh", "{}")]
RATIOS = [("learnloop_vs_floor", "LL / floor"), ("naive_vs_learnloop", "naive / LL"),
          ("peer_vs_learnloop", "peer / LL")]


def table(results: dict[str, Any]) -> str:
    sizes = [name for name, value in results.items() if isinstance(value, dict) and "floor_s" in value]
    head = ["size", *(title for _, title, _ in COLUMNS), *(title for _, title in RATIOS)]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name in sizes:
        size = results[name]
        cells = [name]
        cells += [fmt.format(size[key]) if key in size else "–" for key, _, fmt in COLUMNS]
        cells += [f"{size['ratios'][key]:.2f}" if key in size.get("ratios", {}) else "–" for key, _ in RATIOS]
        lines.append("| " + " | ".join(cells) + " |")
    browser = results.get("browser")
    if browser:
        lines.append("")
        lines.append(f"Browser ({browser['workbook']} workbook, medians of {len(browser['runs_s']['first_chart'])} "
                     f"visits): Overview's first chart **{browser['first_chart_s']:.2f} s**, one-chart hello page "
                     f"**{browser['hello_first_chart_s']:.2f} s**, ratio **{browser['ratio']:.2f}**.")
    biggest = next((name for name in reversed(sizes) if results[name].get("kernels")), None)
    if biggest:
        gains = results[biggest]["kernels"]
        lines += ["", f"What each kernel buys ({biggest}; its definition against the kernel, each with what it builds "
                      "on, on a fresh workbook):", "", "| kernel for | definition s | kernel s | × |", "|---|---|---|---|"]
        for name, figures in sorted(gains.items(), key=lambda item: -item[1]["definition_s"]):
            speedup = figures["definition_s"] / figures["kernel_s"] if figures["kernel_s"] else float("inf")
            lines.append(f"| `{name}` | {figures['definition_s']:.4f} | {figures['kernel_s']:.4f} | {speedup:.1f} |")
    lines.append("")
    runs = max((results[s]["runs"] for s in sizes), default=0)
    metric_runs = max((results[s].get("metrics_runs", results[s]["runs"]) for s in sizes), default=0)
    lines.append(f"Machine: {results.get('machine', '?')} ({results.get('date', '?')}). Each time is the median "
                 f"of {runs} runs in one process run" + (f" ({metric_runs} for the metrics)." if metric_runs != runs
                                                          else "."))
    if results.get("versions"):
        lines.append("Versions: " + ", ".join(f"{name} {number}" for name, number in results["versions"].items()) + ".")
    return "\n".join(lines)


def search_table(results: dict[str, Any]) -> str:
    """The search figures of each size measured, with the machine they were measured on."""
    sizes = [name for name, value in results.items() if isinstance(value, dict) and "search_build_s" in value]
    lines = [f"Search: {len(search_bench.TYPICAL_QUERIES)} typical queries (typos included), each as the Search "
             f"page makes it (up to {search_bench.PER_TAB} results a tab, with snippets); the page with trails is "
             "the same search for `pricing` with every result's card and trail drawn.", "",
             "| size | rows | index build s (CPU s) | a typical query s (CPU s) | slowest typical query s | "
             "page with trails s | extra peak MB |", "|---|---|---|---|---|---|---|"]
    for name in sizes:
        size = results[name]
        extra = size.get("search_extra_peak_mb")
        lines.append(f"| {name} | {size.get('search_rows', size['rows']):,} | {size['search_build_s']:.3f} ({size['search_build_cpu_s']:.3f}) | "
                     f"{size['search_query_s']:.4f} ({size['search_query_cpu_s']:.4f}) | "
                     f"{size['search_query_max_s']:.4f} | {size['search_page_s']:.3f} | "
                     f"{'–' if extra is None else f'{extra:,.0f}'} |")
    machine = results.get("search_machine", results.get("machine", "?"))
    lines += ["", f"Machine: {machine} ({results.get('search_date', results.get('date', '?'))}). Build and page: "
                  "medians of the runs; a query: the median over the queries of each one's median of at least 5 runs. "
                  "CPU s: this process's CPU time, which other work on a shared machine does not inflate."]
    return "\n".join(lines)


def _write_block(markers: tuple[str, str], body: str) -> None:
    block = f"{markers[0]}\n{body}\n{markers[1]}"
    for path in READMES:
        if not path.exists():
            continue
        text = path.read_text()
        start, end = text.find(markers[0]), text.find(markers[1])
        if start == -1 or end == -1:
            continue
        path.write_text(text[:start] + block + text[end + len(markers[1]):])


def write_tables(results: dict[str, Any], *, search_only: bool = False) -> None:
    if not search_only:
        _write_block(MARKERS, table(results))
    if any(isinstance(value, dict) and "search_build_s" in value for value in results.values()):
        _write_block(SEARCH_MARKERS, search_table(results))


def bench_search(size: str, *, runs: int) -> dict[str, Any]:
    """The search figures alone for ``size``: one cold load from the stand-in, then the index and queries."""
    pairs = pairs_for(size)
    log(f"[{size}] generating {pairs} team pairs and starting the stand-in…")
    with runners.serve(pairs) as server:
        wb = runners.learnloop(server)
        # Its own row count: the workbook is generated for today, so it can differ from the full run's.
        out = {"search_rows": server.info["rows"], **search_bench.figures(wb, runs)}
        log(f"[{size}] search: index {out['search_build_s']:.3f} s, a typical query {out['search_query_s']:.4f} s "
            f"(slowest {out['search_query_max_s']:.4f} s), page {out['search_page_s']:.3f} s")
        del wb
        gc.collect()
        out.update(runners.search_memory(server))
        log(f"[{size}] search: the index adds {out['search_extra_peak_mb']} MB at its peak")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="a tiny workbook, no browser, no peer; writes nothing "
                        "unless --out is given")
    parser.add_argument("--sizes", default="team,org,limit", help="comma list of team, org, limit")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (the median is reported)")
    parser.add_argument("--metric-runs", type=int, default=METRIC_RUNS,
                        help="runs of the metrics figures (at least --runs; --quick uses --runs)")
    parser.add_argument("--no-peer", action="store_true")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--out", type=Path, help=f"results file (default {RESULTS.relative_to(ROOT)})")
    parser.add_argument("--table", action="store_true", help="print the table of the results file and exit")
    parser.add_argument("--search-only", action="store_true",
                        help="measure only search at --sizes; the other figures in the results file are kept")
    args = parser.parse_args(argv)

    if args.table:
        kept = json.loads((args.out or RESULTS).read_text())
        print(table(kept) + "\n\n" + search_table(kept))
        return 0
    if args.quick:
        results = run(["tiny"], runs=args.runs, peer=False, browser=False, rss_runs=1)
        if args.out:
            args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(table(results) + "\n\n" + search_table(results))
        return 0

    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown sizes {unknown}; choose from {list(SIZES)}")
    out = args.out or RESULTS
    if args.search_only:
        previous = json.loads(out.read_text()) if out.exists() else {}
        for size in sizes:
            previous[size] = {**previous.get(size, {}), **bench_search(size, runs=args.runs)}
        previous["search_machine"], previous["search_date"] = machine(), time.strftime("%Y-%m-%d")
        out.write_text(json.dumps(previous, indent=2) + "\n")
        print(search_table(previous))
        if out == RESULTS:
            write_tables(previous, search_only=True)
        return 0
    results = run(sizes, runs=args.runs, peer=not args.no_peer, browser=not args.no_browser,
                  metric_runs=max(args.runs, args.metric_runs))
    if out.exists():  # a partial run keeps the other sizes' figures
        previous = json.loads(out.read_text())
        results = {**previous, **results}
        if args.no_browser and "browser" in previous:
            results["browser"] = previous["browser"]
    results.pop("search_machine", None)  # a full run measures search on its own machine and date
    results.pop("search_date", None)
    ordered = {key: results[key] for key in [*SIZES, "browser", "machine", "versions", "date"] if key in results}
    out.write_text(json.dumps(ordered, indent=2) + "\n")
    print(table(ordered) + "\n\n" + search_table(ordered))
    if out == RESULTS:
        write_tables(ordered)
    return 0


if __name__ == "__main__":
    sys.exit(main())
