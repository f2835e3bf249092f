"""Real-browser helpers: `streamlit run` on loopback and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
# Flags for a headless Chromium on a machine with no network but loopback (and as root in CI).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def streamlit_server(env: Mapping[str, str] | None = None, app: str = "app.py", *, port: int | None = None,
                     args: Sequence[str] = ()) -> Iterator[str]:
    """Run ``streamlit run`` on a loopback port (a free one by default); yield its URL once it answers."""
    port = port or free_port()
    log = (ARTIFACTS / f"streamlit-{port}.log")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    full_env = {**os.environ, **(env or {})}
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", app, "--server.port", str(port), "--server.address",
             "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false", *args],
            cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    raise RuntimeError(f"streamlit exited: {log.read_text()[-2000:]}")
                with contextlib.suppress(requests.RequestException):
                    if requests.get(f"{url}/_stcore/health", timeout=1).ok:
                        break
                time.sleep(0.2)
            else:
                raise RuntimeError("streamlit did not start within 60 s")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


# Drawn: the run is over, every chart is drawn, the fonts are in and, when presenting, the slide's look
# is applied. A busy machine draws a page in steps (a style block can land after the heading), and a
# page half drawn is not what anyone sees once it has loaded.
DRAWN = """() => {
  const app = document.querySelector('[data-testid=stApp]');
  const charts = [...document.querySelectorAll('[data-testid=stPlotlyChart]')];
  const controls = document.querySelector('.st-key-retro-controls');
  return app && app.getAttribute('data-test-script-state') === 'notRunning'
    && !document.querySelector('[data-testid=stSkeleton]') && charts.every(chart => chart.querySelector('.main-svg'))
    && document.fonts.status === 'loaded'
    && (!location.search.includes('presentation=true') || (controls && !controls.checkVisibility()));
}"""


def wait_until_drawn(page, timeout_ms: int = 60_000) -> None:
    """Wait until the page is drawn as its visitor will see it (see :data:`DRAWN`), then for a chart's
    last resize to its place."""
    page.wait_for_function(DRAWN, timeout=timeout_ms)
    page.wait_for_timeout(300)
