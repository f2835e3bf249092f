"""The Sheets API stand-in in a process of its own, serving one generated workbook over loopback HTTP.

    python -m benchmarks.serve --pairs 444

Prints one JSON line (base URL, spreadsheet id, a trusted service account, the workbook's shape),
then answers commands on stdin, one JSON line each: ``counts``, ``reset``, ``stats``, ``quit``.

Its own process keeps the stand-in's memory out of the measured client's peak RSS and its threads
off the client's interpreter lock. Read replies are kept once rendered (see :class:`CachingStandin`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import resource
import sys
import time
from typing import Any

from benchmarks.generate import scaled_tabs, shape
from tests.sheets_standin import SheetsStandin, make_service_account
from tests.sheets_standin.server import _Reply, _Route

READ_ENDPOINTS = frozenset({"metadata", "values_get", "batch_get"})


class CachingStandin(SheetsStandin):
    """The stand-in, with each read reply kept once rendered, per request path and principal.

    The stand-in renders every cell in pure Python and pretty-prints JSON with the pure-Python
    encoder: about 2 µs a cell, 20 s or more for a sheet at the 10-million-cell limit, on every
    request. That is the stand-in's cost, not Google's, and it would swamp every client-side
    difference this benchmark measures. Requests are still received, authenticated, authorised,
    counted and answered over HTTP with the same bytes; any write drops the kept replies.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._replies: dict[tuple[Any, ...], _Reply] = {}
        self.render_seconds: dict[str, float] = {}

    def _respond(self, h: Any, route: _Route, query: dict[str, list[str]], raw_body: bytes, body: Any) -> _Reply:
        if route.endpoint not in READ_ENDPOINTS:
            if route.is_write:
                with self._lock:
                    self._replies.clear()
            return super()._respond(h, route, query, raw_body, body)
        try:  # the same checks as every request gets; a refused one gets the stand-in's own answer
            principal = self._authenticate(h, {k: v[-1] for k, v in query.items()})
            with self._lock:
                sheet = self._spreadsheets[route.spreadsheet_id or ""]
            self._authorize(principal, sheet, is_write=False)
        except Exception:
            return super()._respond(h, route, query, raw_body, body)
        # The same reading in any parameter order is the same reply.
        key = (route.endpoint, route.spreadsheet_id, route.range,
               tuple(sorted((k, tuple(v)) for k, v in query.items() if k != "key")))
        with self._lock:
            reply = self._replies.get(key)
        if reply is None:
            started = time.perf_counter()
            reply = super()._respond(h, route, query, raw_body, body)
            took = time.perf_counter() - started
            if reply.status == 200:
                with self._lock:
                    self._replies[key] = reply
                    self.render_seconds[route.endpoint] = max(self.render_seconds.get(route.endpoint, 0.0), took)
        return reply


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve")
    parser.add_argument("--pairs", type=int, required=True, help="team pairs of the demo workbook")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=None)
    args = parser.parse_args(argv)

    started = time.perf_counter()
    tabs = scaled_tabs(args.pairs, today=args.today)
    generated = time.perf_counter() - started
    grid = shape(tabs)
    standin = CachingStandin().start()
    started = time.perf_counter()
    sid = standin.add_spreadsheet(tabs, title="Learning Loop benchmark", locale="en_US", grid=grid)
    loaded = time.perf_counter() - started
    account = make_service_account(standin)
    standin.share(sid, account["client_email"], "reader")
    info = {
        "base_url": standin.base_url, "sid": sid, "account": account, "titles": list(tabs),
        "grid": grid, "rows": sum(len(rows) - 1 for rows in tabs.values()),
        "cells": sum(len(rows[0]) * (len(rows) - 1) for rows in tabs.values()),
        "generate_s": round(generated, 3), "load_s": round(loaded, 3),
    }
    del tabs
    print(json.dumps(info), flush=True)
    for line in sys.stdin:
        command = line.strip()
        if command == "counts":
            answer: Any = standin.counts
        elif command == "reset":
            standin.reset_counts()
            answer = {"ok": True}
        elif command == "stats":
            answer = {"render_s": standin.render_seconds, "internal_errors": len(standin.internal_errors),
                      "maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        elif command == "quit":
            break
        else:
            answer = {"error": f"unknown command {command!r}"}
        print(json.dumps(answer), flush=True)
    standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
