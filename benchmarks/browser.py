"""Time to the first chart in Chromium: the Overview against a one-chart hello page, in the same run.

Each app runs under ``streamlit run`` on loopback (``tests.browser.streamlit_server``); each visit opens a
new page (a new Streamlit session) and is timed from ``goto`` until the first plotly chart
(``.main-svg``) is in the DOM. One untimed visit to each app first (Streamlit compiles the script and
imports its modules, and the Overview's workbook read fills the shared cache), then the two apps are
visited in turn, the order alternating each round and a pause before each visit, so that drift on the
machine and each visit's leftovers touch both alike.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.runners import Server

#: Seconds to wait before each timed visit, so the previous one's leftovers do not land on it.
SETTLE_S = 1.0


def _visit(browser: Any, url: str) -> float:
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    try:
        started = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(".main-svg", timeout=180_000)
        return time.perf_counter() - started
    finally:
        page.close()


def first_chart(server: Server, runs: int) -> dict[str, Any]:
    """``first_chart_s`` (Overview on ``server``'s sheet) and ``hello_first_chart_s``, medians of ``runs``."""
    from playwright.sync_api import sync_playwright

    from tests.browser import CHROMIUM_ARGS, chromium_path, streamlit_server

    executable = chromium_path()
    if not executable:
        raise RuntimeError("Debian's chromium is not installed: `make bench` installs it")
    with tempfile.TemporaryDirectory(prefix="learnloop-bench-") as tmp:
        credentials = Path(tmp) / "service-account.json"
        credentials.write_text(json.dumps(server.account))
        env = {"LEARNLOOP_SHEET": server.sid, "LEARNLOOP_SHEETS_API_URL": server.base_url,
               "GOOGLE_APPLICATION_CREDENTIALS": str(credentials), "LEARNLOOP_HTTP_TIMEOUT": "120"}
        with streamlit_server(env) as app_url, streamlit_server({}, app="benchmarks/hello_app.py") as hello_url, \
                sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                cold = _visit(browser, app_url)
                hello_cold = _visit(browser, hello_url)
                app_times, hello_times = [], []
                for round_ in range(runs):
                    # Each visit leaves work behind (the session closing, the browser tidying up) that
                    # would slow whichever visit comes next: the order alternates, after a pause.
                    visits = [(hello_times, hello_url), (app_times, app_url)]
                    for times, url in visits if round_ % 2 == 0 else visits[::-1]:
                        time.sleep(SETTLE_S)
                        times.append(_visit(browser, url))
            finally:
                browser.close()
    first, hello = statistics.median(app_times), statistics.median(hello_times)
    return {"first_chart_s": first, "hello_first_chart_s": hello, "ratio": first / hello,
            "first_chart_cold_s": cold, "hello_first_chart_cold_s": hello_cold,
            "runs_s": {"first_chart": app_times, "hello_first_chart": hello_times}}
