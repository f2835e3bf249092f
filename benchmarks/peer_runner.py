"""st-gsheets-connection reading every tab, run with the peer venv's python (gspread < 6).

    benchmarks/.venv-peer/bin/python benchmarks/peer_runner.py < config.json

Config on stdin: {"base_url", "sid", "account", "titles", "runs"}. Prints one JSON object on stdout:
{"times": [seconds per run], "shapes": {title: [rows, columns]}}. Each run is cold: Streamlit's caches
are cleared and a new connection is made, then ``conn.read(worksheet=title)`` is called for each tab,
as an app using st-gsheets-connection does.

The connection hard-codes Google's hosts; a transport adapter mounted on its sessions sends every
request to the local stand-in instead (path and query unchanged). Secrets go where Streamlit looks
for them: ``.streamlit/secrets.toml`` in the working directory, which the caller makes a temp dir.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

GOOGLE_HOSTS = ("sheets.googleapis.com", "oauth2.googleapis.com", "iamcredentials.googleapis.com",
                "www.googleapis.com")


class Redirect(HTTPAdapter):
    __attrs__ = [*HTTPAdapter.__attrs__, "target"]  # noqa: RUF012 - requests' own convention

    def __init__(self, target: str, **kwargs: object) -> None:
        self.target = target.rstrip("/")
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: object, **kwargs: object) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = self.target + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, *args, **kwargs)


def redirect(session: requests.Session, base_url: str) -> None:
    adapter = Redirect(base_url)
    for host in GOOGLE_HOSTS:
        session.mount(f"https://{host}/", adapter)


def write_secrets(config: dict) -> None:
    account = config["account"]
    lines = ["[connections.gsheets]",
             f'spreadsheet = "https://docs.google.com/spreadsheets/d/{config["sid"]}/edit"']
    lines += [f"{key} = {json.dumps(value)}" for key, value in account.items()]
    Path(".streamlit").mkdir(exist_ok=True)
    Path(".streamlit/secrets.toml").write_text("\n".join(lines) + "\n")


def main() -> int:
    config = json.load(sys.stdin)
    write_secrets(config)
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    import streamlit as st
    from streamlit_gsheets import GSheetsConnection

    times, shapes = [], {}
    for _ in range(config["runs"]):
        st.cache_data.clear()
        st.cache_resource.clear()
        started = time.perf_counter()
        conn = st.connection("gsheets", type=GSheetsConnection)
        gc = conn.client._client
        redirect(gc.session, config["base_url"])
        auth_request = getattr(gc.session, "_auth_request", None)
        if auth_request is not None and getattr(auth_request, "session", None) is not None:
            redirect(auth_request.session, config["base_url"])
        frames = {title: conn.read(worksheet=title) for title in config["titles"]}
        times.append(time.perf_counter() - started)
        shapes = {title: list(frame.shape) for title, frame in frames.items()}
        del frames, conn
    print(json.dumps({"times": times, "shapes": shapes, "python": sys.version.split()[0], "cwd": os.getcwd()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
