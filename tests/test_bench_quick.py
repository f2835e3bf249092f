"""`make bench`'s harness, run at a tiny size: it works end to end and produces every figure.

The real benchmark (`make bench`) is never part of `make test`. This runs `python -m benchmarks --quick`
(one team pair, no browser, no peer venv) against the Sheets stand-in over loopback HTTP, and checks
that every figure is there and that the reads stay within the quota Learning Loop promises. It never
asserts a time: times on a shared machine say nothing about correctness.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("floor_s", "learnloop_s", "refresh_s", "naive_s", "metrics_s", "metrics_rerun_s", "peak_rss_mb")


def test_the_quick_bench_produces_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    done = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--runs", "3", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr[-4000:]
    results = json.loads(out.read_text())
    tiny = results["tiny"]
    for figure in FIGURES:
        assert tiny[figure] > 0, figure
    for timed in ("floor", "learnloop", "refresh", "naive", "metrics"):
        assert len(tiny["runs_s"][timed]) == 3, timed  # each time is the median of three runs
    assert tiny["rows"] == tiny["kept_rows"] + sum(tiny["quarantined"].values())
    assert tiny["read_requests_cold"] <= 2  # metadata and one batchGet
    assert tiny["read_requests_refresh"] == 1  # one batchGet, metadata cached
    assert set(tiny["ratios"]) == {"learnloop_vs_floor", "naive_vs_learnloop"}
    assert "peer_s" not in tiny and "browser" not in results  # --quick leaves both out
    assert results["machine"]
    assert {"python", "pandas", "pyarrow", "numpy", "pandera", "orjson", "gspread", "streamlit"} <= set(results["versions"])
    assert tiny["metrics_definitions_s"] > 0  # the plain definitions' own time, beside the kernels'
    assert set(tiny["kernels"]) and all(set(k) == {"definition_s", "kernel_s"} for k in tiny["kernels"].values())
    for figure in ("search_build_s", "search_query_s", "search_query_max_s", "search_page_s", "search_extra_peak_mb"):
        assert tiny[figure] is not None and tiny[figure] >= 0, figure  # search: index, a query, memory
    assert "| tiny |" in done.stdout and "Versions: python" in done.stdout  # the table is printed


def test_the_table_says_which_machine_ran_it() -> None:
    from benchmarks.__main__ import table

    results = {"team": {"rows": 450, "cells": 5270, "floor_s": 0.01, "learnloop_s": 0.02, "naive_s": 0.1,
                        "peer_s": 0.05, "metrics_s": 0.03, "peak_rss_mb": 200.0, "read_requests_cold": 2,
                        "read_requests_refresh": 1, "runs": 3,
                        "ratios": {"learnloop_vs_floor": 2.0, "naive_vs_learnloop": 5.0, "peer_vs_learnloop": 2.5}},
               "machine": "a test machine", "date": "2026-01-01"}
    text = table(results)
    assert "| team | 450 | 5,270 |" in text
    assert "a test machine" in text and "2.00" in text
