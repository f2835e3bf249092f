"""The app driven in-process by Streamlit's AppTest, as a visitor opens it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def open_page(page: str | None = None, query: dict[str, Any] | None = None, *,
              secrets: dict[str, Any] | None = None) -> AppTest:
    """The app run once with ``query`` in the address (and ``secrets``), then ``page`` opened from
    it (the Overview, the app's first page, when None)."""
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (secrets or {}).items():
        at.secrets[key] = value
    for key, value in (query or {}).items():
        at.query_params[key] = value
    at.run()
    if page and page != "pages/overview.py":
        at.switch_page(page).run()
    return at
