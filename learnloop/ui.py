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

from learnloop import filters as filtering
from learnloop import load, metrics, settings
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


def _run_inside_the_frame() -> None:
    """Make a deep link opened as a server's very first request go through app.py.

    Until app.py has called ``st.navigation`` once, Streamlit treats the ``pages/`` folder as
    an old-style multipage app and runs the linked page on its own: no frame, no filters. The
    page then clears that flag and reruns, so the frame renders the page as usual.
    """
    from streamlit.runtime.pages_manager import PagesManager

    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def workbook() -> Workbook:
    """The validated workbook for this app, shared by every session and refreshed every few minutes."""
    _run_inside_the_frame()
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


def sidebar_filters(wb: Workbook) -> filtering.Filters:
    """Draw the shared filters in the sidebar; each is bound to the URL so a filtered view is a link."""
    choices = filtering.available(wb)
    quarters: list[str] = choices["quarters"]  # type: ignore[assignment]
    themes: dict[str, str] = choices["themes"]  # type: ignore[assignment]
    with st.sidebar:
        st.subheader("Filters")
        span = None
        if len(quarters) > 1:
            picked = st.select_slider("Quarters", quarters, value=(quarters[0], quarters[-1]), key="quarters",
                                      bind="query-params")
            span = None if tuple(picked) == (quarters[0], quarters[-1]) else tuple(picked)
        teams = st.multiselect("Team", choices["teams"], key="team", bind="query-params", placeholder="All teams")
        people = st.multiselect("Person", choices["people"], key="person", bind="query-params",
                                placeholder="Everyone")
        theme_ids = st.multiselect("Theme", list(themes), key="theme", bind="query-params", placeholder="All themes",
                                   format_func=lambda tid: f"{themes[tid]} ({tid})")
    chosen = filtering.Filters(quarters=span, teams=tuple(teams), people=tuple(people), themes=tuple(theme_ids))
    st.session_state["filters"] = chosen
    return chosen


def filters() -> filtering.Filters:
    """The filters chosen in the sidebar for this run (no filter when the page has none)."""
    return st.session_state.get("filters", filtering.Filters())


def kpi_value(kpi: metrics.Kpi) -> str:
    """A headline number as people say it: "4 of 5", "68%", "12"; an en dash when there is none."""
    return _kpi_text(kpi.value, kpi.unit)


def kpi_delta(kpi: metrics.Kpi) -> str | None:
    """The change against the previous quarter, signed, in the KPI's unit ("+2", "-15 pts")."""
    if kpi.delta is None:
        return None
    if kpi.unit == "share":
        return f"{kpi.delta * 100:+.0f} pts"
    return f"{kpi.delta:+g}"


def _kpi_text(value: float | int | None, unit: str) -> str:
    if value is None:
        return "–"
    if unit == "share":
        return f"{value:.0%}"
    if unit == "score":
        return f"{value:g} of 5"
    return f"{value:g}"


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
