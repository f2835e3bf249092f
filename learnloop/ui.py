"""The app's small Streamlit helpers: the one cached loader and shared bits of page chrome."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from learnloop import load, settings
from learnloop.errors import SourceError
from learnloop.workbook import Workbook


@st.cache_data(show_spinner="Reading the workbook…", max_entries=8)
def _load(source: str, day_first: bool, fiscal_year_start_month: int, _ttl_bucket: int) -> Workbook:
    config = settings.Settings(source=source, day_first=day_first, fiscal_year_start_month=fiscal_year_start_month)
    return load.workbook(source, config.options)


def workbook() -> Workbook:
    """The validated workbook for this app, shared by every session and refreshed every few minutes.

    When a refresh fails, the last good workbook keeps serving and the page says why.
    """
    config = current_settings()
    bucket = int(dt.datetime.now(dt.UTC).timestamp() // config.refresh_seconds)
    try:
        wb = _load(config.source, config.day_first, config.fiscal_year_start_month, bucket)
    except SourceError as exc:
        last_good: Workbook | None = st.session_state.get("last_good_workbook")
        if last_good is None:
            st.error(f"Learning Loop cannot read its workbook. {exc}")
            st.stop()
        st.warning(f"Showing data as of {last_good.loaded_at:%H:%M} UTC: the latest read failed. {exc}")
        return last_good
    st.session_state["last_good_workbook"] = wb
    return wb


def current_settings() -> settings.Settings:
    if "settings" not in st.session_state:
        st.session_state["settings"] = settings.from_streamlit()
    return st.session_state["settings"]


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
        },
    )
