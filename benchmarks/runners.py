"""What is measured: each runner does one complete, cold piece of work and returns what it produced.

* :func:`floor` - the physical floor of the Sheets path: one ``values:batchGet`` over HTTP, the JSON
  parsed (with the fastest parser installed), and one raw DataFrame per tab. No validation.
* :func:`learnloop` - Learning Loop's full cold load: a fresh :class:`SheetReader` (token, metadata,
  one batchGet), parsing, normalising, validating, issues: ``load.sheet_workbook``.
* :func:`naive` - what typical Streamlit apps do: gspread ``get_all_records()`` per tab into
  DataFrames, then the same pandera schemas (``validate_workbook`` on those frames).
* :func:`peer` - st-gsheets-connection's ``conn.read(worksheet=...)`` per tab, in its own venv.
* :func:`metrics` - every metric behind every page, default filters, on a loaded workbook.
* :func:`peak_rss` - the peak RSS of a process that does one Learning Loop cold load and nothing else.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import requests

ROOT = Path(__file__).resolve().parent.parent
PEER_VENV = ROOT / "benchmarks" / ".venv-peer"
PEER_PYTHON = PEER_VENV / "bin" / "python"
# The floor asks for what Learning Loop asks for, compact JSON included: the best request of the path.
READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
               "majorDimension": "ROWS", "prettyPrint": "false"}
#: Requests that read the spreadsheet (token exchanges and google-auth's background lookups are not).
READ_ENDPOINTS = ("metadata", "values_get", "batch_get")

try:  # the floor uses the fastest JSON parser there is
    import orjson

    _loads: Callable[[bytes], Any] = orjson.loads
except ImportError:  # pragma: no cover
    _loads = json.loads


@dataclass
class Server:
    """A running ``benchmarks.serve`` process and what it printed about its workbook."""

    process: subprocess.Popen[str]
    info: dict[str, Any]

    @property
    def base_url(self) -> str:
        return self.info["base_url"]

    @property
    def sid(self) -> str:
        return self.info["sid"]

    @property
    def account(self) -> dict[str, str]:
        return self.info["account"]

    @property
    def titles(self) -> list[str]:
        return self.info["titles"]

    def ask(self, command: str) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def counts(self) -> dict[str, int]:
        return self.ask("counts")

    def reads(self) -> int:
        counts = self.counts()
        return sum(counts[endpoint] for endpoint in READ_ENDPOINTS)

    def reset(self) -> None:
        self.ask("reset")


@contextmanager
def serve(pairs: int) -> Iterator[Server]:
    """The stand-in, in a process of its own, serving ``pairs`` team pairs."""
    process = subprocess.Popen([sys.executable, "-m", "benchmarks.serve", "--pairs", str(pairs)], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the stand-in process exited before it was ready")
        yield Server(process, json.loads(line))
    finally:
        if process.poll() is None:
            try:
                assert process.stdin is not None
                process.stdin.write("quit\n")
                process.stdin.flush()
                process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                process.kill()
                process.wait()


def access_token(server: Server) -> str:
    """A bearer token for the benchmark's service account (fetched once, outside any timing)."""
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    credentials = service_account.Credentials.from_service_account_info(
        server.account, scopes=["https://www.googleapis.com/auth/spreadsheets"])
    credentials.refresh(Request())
    return credentials.token


def floor(server: Server, token: str) -> dict[str, pd.DataFrame]:
    """One batchGet over HTTP, JSON parse, raw per-tab DataFrames."""
    params: list[tuple[str, str]] = [("ranges", "'" + title.replace("'", "''") + "'") for title in server.titles]
    params += list(READ_PARAMS.items())
    with requests.Session() as session:
        response = session.get(f"{server.base_url}/v4/spreadsheets/{server.sid}/values:batchGet", params=params,
                               headers={"Authorization": f"Bearer {token}"}, timeout=600, stream=True)
        response.raise_for_status()
        body = response.raw.read(decode_content=True)  # one buffer, as Learning Loop reads it
        response.close()
    ranges = _loads(body)["valueRanges"]
    del body
    return {title: pd.DataFrame(value_range.get("values", []))
            for title, value_range in zip(server.titles, ranges, strict=True)}


def reader(server: Server) -> Any:
    from learnloop.sources.sheets import Access, SheetReader

    return SheetReader(Access(service_account=server.account, base_url=server.base_url, timeout=(5.0, 600.0)))


def learnloop(server: Server, sheet_reader: Any = None) -> Any:
    """Learning Loop's full load; cold with a fresh reader, a refresh when given the reader of an earlier load."""
    from data_schemas import ParseOptions
    from learnloop import load

    return load.sheet_workbook(server.sid, sheet_reader or reader(server), ParseOptions())


def naive(server: Server) -> Any:
    """gspread get_all_records() per tab into DataFrames, then validate_workbook on those frames."""
    import gspread
    from google.oauth2 import service_account

    from data_schemas import ParseOptions
    from learnloop.validate import validate_workbook
    from tests.sheets_standin.client import StandinAuthorizedSession  # only redirects Google's hosts

    credentials = service_account.Credentials.from_service_account_info(dict(server.account),
                                                                       scopes=gspread.auth.DEFAULT_SCOPES)
    gc = gspread.Client(auth=credentials, session=StandinAuthorizedSession(credentials, server.base_url))
    gc.set_timeout(600)
    spreadsheet = gc.open_by_key(server.sid)
    frames = {title: pd.DataFrame(spreadsheet.worksheet(title).get_all_records()) for title in server.titles}
    raw = {title: [list(frame.columns), *frame.to_numpy(dtype=object).tolist()] for title, frame in frames.items()}
    return validate_workbook(raw, source=spreadsheet.title, options=ParseOptions(day_first=False))


PEER_PACKAGE = "st-gsheets-connection"


def peer_available() -> bool:
    return PEER_PYTHON.exists()


def ensure_peer_venv() -> None:
    """Make ``benchmarks/.venv-peer`` with st-gsheets-connection from PyPI when it is not there yet.

    A venv of its own: st-gsheets-connection needs gspread < 6, Learning Loop gspread 6.
    """
    if peer_available():
        return
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    subprocess.run([str(PEER_PYTHON), "-m", "pip", "install", "--quiet", PEER_PACKAGE], check=True)


def peer(server: Server, runs: int) -> dict[str, Any]:
    """st-gsheets-connection in its own venv; times are measured inside that process."""
    config = {"base_url": server.base_url, "sid": server.sid, "account": server.account, "titles": server.titles,
              "runs": runs}
    with tempfile.TemporaryDirectory(prefix="learnloop-peer-") as cwd:
        done = subprocess.run([str(PEER_PYTHON), str(ROOT / "benchmarks" / "peer_runner.py")], cwd=cwd,
                              input=json.dumps(config), capture_output=True, text=True, check=False,
                              env={k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")})
    if done.returncode != 0:
        raise RuntimeError(f"the peer runner failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def metrics(wb: Any) -> dict[str, Any]:
    from benchmarks.pages import every_metric

    return every_metric(wb)


def metrics_by_definition(wb: Any) -> dict[str, Any]:
    """:func:`metrics` with every kernel set aside: the plain definitions' own time."""
    from learnloop.metrics import cache

    with cache.definitions_only():
        return metrics(wb)


def kernel_gains(wb: Any, runs: int) -> dict[str, dict[str, float]]:
    """For each kernel: the seconds its definition and the kernel take for the pages' default filters,
    each on a fresh copy of ``wb`` (so what they build on is worked out too), medians of ``runs``."""
    import dataclasses
    import inspect
    import statistics

    from learnloop.filters import Filters, current_quarter
    from learnloop.metrics import cache
    from learnloop.metrics.selection import present_quarters

    f = Filters()
    # The arguments as the pages pass them: filters (some are of the workbook alone), this quarter,
    # or every quarter the workbook has.
    given = {"f": f, "quarter": current_quarter(f, wb.options.fiscal_year_start_month),
             "quarters": tuple(present_quarters(wb))}
    gains = {}
    for definition, fast in cache._KERNELS.items():
        parameters = inspect.signature(definition).parameters
        args = tuple(given[name] for name, parameter in list(parameters.items())[1:]
                     if name in given and parameter.default is inspect.Parameter.empty)
        times: dict[str, list[float]] = {"definition_s": [], "kernel_s": []}
        for _ in range(runs):
            for name, work, way in (("definition_s", definition, cache.definitions_only),
                                    ("kernel_s", fast, nullcontext)):
                fresh = dataclasses.replace(wb)
                started = time.perf_counter()
                with way():
                    work(fresh, *args)
                times[name].append(time.perf_counter() - started)
        gains[definition.__name__] = {name: statistics.median(values) for name, values in times.items()}
    return gains


def peak_rss(server: Server) -> dict[str, float]:
    """Peak RSS (MB) of a fresh process doing one cold load, and of the same process before the load."""
    return _probe(server, "benchmarks.runners", "RSS")


def search_memory(server: Server) -> dict[str, float | None]:
    """The memory the search index adds at its peak, in a fresh process after a cold load
    (:func:`benchmarks.search.probe`)."""
    return _probe(server, "benchmarks.search", "search memory")


def _probe(server: Server, module: str, what: str) -> dict[str, Any]:
    """Run ``python -m module`` in a fresh process, given how to reach ``server`` on its stdin, and
    read the JSON its last line prints."""
    config = {"base_url": server.base_url, "sid": server.sid, "account": server.account}
    done = subprocess.run([sys.executable, "-m", module], cwd=ROOT, input=json.dumps(config),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the {what} probe failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _maxrss_mb() -> float:
    """This process's peak RSS in MB.

    ``VmHWM`` where Linux has it: ``getrusage``'s ``ru_maxrss`` survives ``execve``, so a probe started
    from the (large) benchmark process would report the parent's peak, not its own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def _rss_probe() -> int:
    """Entry point of :func:`peak_rss`'s process: imports first, then one cold load."""
    config = json.load(sys.stdin)
    from data_schemas import ParseOptions
    from learnloop import load
    from learnloop.sources.sheets import Access, SheetReader

    before = _maxrss_mb()
    started = time.perf_counter()
    wb = load.sheet_workbook(config["sid"], SheetReader(Access(service_account=config["account"],
                                                               base_url=config["base_url"], timeout=(5.0, 600.0))),
                             ParseOptions())
    took = time.perf_counter() - started
    print(json.dumps({"peak_rss_mb": _maxrss_mb(), "imports_rss_mb": before, "load_s": took,
                      "rows": sum(len(frame) for frame in wb.tables.values())}))
    return 0


if __name__ == "__main__":
    sys.exit(_rss_probe())
