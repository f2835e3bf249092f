"""The app's small Streamlit helpers: the one cached loader and shared bits of page chrome.

Caching lives here and only here. A read is shared by every session for ``refresh_seconds``;
a failed read is remembered for the same time (so pages stay fast while Google is down) and
the last good workbook keeps serving, with a banner that says what failed and when the next
try is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from learnloop import load, settings
from learnloop.errors import SourceError
from learnloop.sources.sheets import SheetReader
from learnloop.workbook import Workbook


@dataclass(frozen=True)
class Loaded:
    """The outcome of one read: a workbook, or the reason there is none."""

    workbook: Workbook | None
    error: str | None
    attempted_at: dt.datetime


@st.cache_resource(show_spinner=False)
def _reader(config: settings.Settings) -> SheetReader | None:
    return load.reader_for(config)


@st.cache_resource(show_spinner=False)
def _last_good() -> dict[tuple[object, ...], Workbook]:
    return {}


@st.cache_data(show_spinner="Reading the workbook…", max_entries=16)
def _load(config: settings.Settings, bucket: int) -> Loaded:
    now = dt.datetime.now(dt.UTC)
    try:
        wb = load.from_settings(config, _reader(config))
    except SourceError as exc:
        return Loaded(None, str(exc), now)
    return Loaded(wb, None, now)


def sheet_reader(config: settings.Settings) -> SheetReader:
    """The shared Google Sheets reader (it keeps sheet metadata between reads)."""
    reader = _reader(config)
    if reader is None:
        raise SourceError("No Google Sheet is configured.")
    return reader


def current_settings() -> settings.Settings:
    return settings.from_streamlit()


def workbook() -> Workbook:
    """The validated workbook for this app, shared by every session and refreshed every few minutes."""
    config = current_settings()
    now = dt.datetime.now(dt.UTC)
    bucket = int(now.timestamp() // config.refresh_seconds)
    loaded = _load(config, bucket)
    last_good = _last_good()
    which = (config.sources, config.options, config.sheets_api_url)
    if loaded.workbook is not None:
        last_good[which] = loaded.workbook
        return loaded.workbook
    retry_at = dt.datetime.fromtimestamp((bucket + 1) * config.refresh_seconds, dt.UTC)
    previous = last_good.get(which)
    if previous is None:
        st.error(f"Learning Loop cannot read its workbook. {loaded.error}", icon=":material/error:")
        st.caption(f"It will try again at {retry_at:%H:%M} UTC, or use Refresh now.")
        if st.button("Refresh now", key="refresh-after-failure"):
            refresh()
            st.rerun()
        st.stop()
    st.warning(f"Showing data as of {previous.loaded_at:%H:%M} UTC: the read at {loaded.attempted_at:%H:%M} failed. "
               f"{loaded.error} Next try at {retry_at:%H:%M} UTC.", icon=":material/cloud_off:")
    return previous


def refresh() -> None:
    """Drop cached reads so the next run reads the workbook again."""
    _load.clear()


def issues_table(frame: pd.DataFrame) -> None:
    """The issues an editor needs to fix, as a plain table (cell text is never rendered as HTML)."""
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "row": st.column_config.NumberColumn("Row", format="%d"),
            "severity": st.column_config.TextColumn("Severity"),
            "message": st.column_config.TextColumn("What to fix", width="large"),
            "link": st.column_config.LinkColumn("Open cell", display_text="Open in Sheets"),
        },
    )
