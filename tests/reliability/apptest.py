"""What the reliability scenarios share for driving the app: its environment pointed at the Sheets
stand-in, a clean slate of caches, and a walk over every element a run rendered."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from learnloop import ui
from tests.sheets_standin import SheetsStandin

ROOT = Path(__file__).resolve().parents[2]
APP = str(ROOT / "app.py")
#: Every page in app.py's navigation, in its order (read from app.py, so a new page is covered too).
PAGES = re.findall(r"st\.Page\(\s*[\"']([^\"']+)[\"']", (ROOT / "app.py").read_text(encoding="utf-8"))
ENVIRONMENT = ("LEARNLOOP_SOURCE", "LEARNLOOP_SHEET", "LEARNLOOP_API_KEY", "LEARNLOOP_REFRESH_SECONDS",
               "LEARNLOOP_DAY_FIRST", "LEARNLOOP_FISCAL_YEAR_START_MONTH", "LEARNLOOP_SHEETS_API_URL",
               "GOOGLE_APPLICATION_CREDENTIALS", "LEARNLOOP_RETRY_SECONDS", "LEARNLOOP_HTTP_TIMEOUT")


def clear_caches() -> None:
    ui._load.clear()
    ui._reader.clear()
    ui._last_good.clear()


def point_app_at(monkeypatch: pytest.MonkeyPatch, standin: SheetsStandin, sid: str, key_file: Path | None,
                 *, api_key: str | None = None, retry_seconds: str = "0.3", http_timeout: str = "1") -> None:
    """The app's environment: the sheet ``sid`` on ``standin``, read with the service-account key in
    ``key_file`` (and/or ``api_key``), a short timeout and a small retry budget; caches cleared."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEARNLOOP_SHEET", sid)
    monkeypatch.setenv("LEARNLOOP_SHEETS_API_URL", standin.base_url)
    if key_file is not None:
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key_file))
    if api_key is not None:
        monkeypatch.setenv("LEARNLOOP_API_KEY", api_key)
    monkeypatch.setenv("LEARNLOOP_RETRY_SECONDS", retry_seconds)
    monkeypatch.setenv("LEARNLOOP_HTTP_TIMEOUT", http_timeout)
    clear_caches()


def write_key_file(directory: Path, account: dict[str, str]) -> Path:
    path = directory / "service-account.json"
    path.write_text(json.dumps(account), encoding="utf-8")
    return path


def open_app(page: str | None = None, query: dict[str, str] | None = None,
             secrets: dict[str, Any] | None = None, user: dict[str, Any] | None = None) -> AppTest:
    """app.py (the frame) run once, on ``page`` (the default page when None), with ``secrets`` as
    ``st.secrets`` and ``user`` as ``st.user`` when given."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    if user is not None:
        at.user = user
    for key, value in (query or {}).items():
        at.query_params[key] = value
    if page is not None:
        at.switch_page(page)
    at.run()
    return at


def nodes(at: AppTest) -> Iterator[Any]:
    """Every block and element of the last run, main area and sidebar, nested ones included."""
    stack = [at._tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(list(getattr(node, "children", {}).values())))


def strings(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string in a JSON-like value, with the keys leading to it."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from strings(item, (*path, str(key)))
    elif isinstance(value, list):
        for item in value:
            yield from strings(item, path)


def proto_dict(node: Any) -> dict[str, Any]:
    proto = getattr(node, "proto", None)
    return MessageToDict(proto) if proto is not None and hasattr(proto, "DESCRIPTOR") else {}


def tour(*, retro_query: dict[str, str] | None = None, retro_slides: bool = True,
         secrets: dict[str, Any] | None = None, user: dict[str, Any] | None = None,
         ) -> Iterator[tuple[str, AppTest]]:
    """Every page of the navigation in one session, then (with ``retro_slides``) every Retro slide on
    screen and presenting. Yields a name for the view and the AppTest showing it."""
    at = open_app(secrets=secrets, user=user)
    for page in PAGES:
        if page != "pages/retro.py" or not retro_slides:
            at.switch_page(page).run()
            yield page, at
    if not retro_slides:
        return
    for presenting in (False, True):
        query = (retro_query or {}) | ({"presentation": "true"} if presenting else {})
        at = open_app("pages/retro.py", query, secrets, user)
        headings = []
        for slide in range(1, 7):
            headings.append(at.header[0].value if at.header else "")
            yield f"retro slide {slide}{' presenting' if presenting else ''}", at
            at.button(key="retro-next").click().run()
        assert len(set(headings)) == 6, headings
