"""The app's small Streamlit helpers: the one cached loader and shared bits of page chrome.

The read is cached here and only here. A read is shared by every session for ``refresh_seconds``
(what the metrics work out from a workbook is kept for it by :mod:`learnloop.metrics.cache`);
a failed read is remembered for the same time (so pages stay fast while Google is down) and
the last good workbook keeps serving, with a banner that says what failed and when the next
try is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from learnloop import access, exports, load, metrics, reports, settings, words
from learnloop import filters as filtering
from learnloop.errors import SourceError
from learnloop.metrics import selection
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


# A resource, not data: every session reads the same workbook object, never a copy. A loaded
# workbook is never changed (metrics and pages only read it), and what the metrics work out from
# it is kept for that object (learnloop.metrics.cache), so a click reuses it instead of unpickling
# the workbook and working everything out again.
@st.cache_resource(show_spinner="Reading the workbook…", max_entries=16)
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


def ensure_frame() -> None:
    """Make a deep link opened as a server's very first request go through app.py.

    Until app.py has called ``st.navigation`` once, Streamlit treats the ``pages/`` folder as
    an old-style multipage app and runs the linked page on its own: no frame, no filters. The
    page then clears that flag and reruns, so the frame renders the page as usual.
    """
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    ctx = get_script_run_ctx()
    if ctx is None or not PagesManager.uses_pages_directory:
        return
    # In that mode app.py itself is listed as a page; the app's own navigation never lists it.
    main = Path(ctx.pages_manager.main_script_path).resolve()
    if any(Path(page["script_path"]).resolve() == main for page in ctx.pages_manager.get_pages().values()):
        PagesManager.uses_pages_directory = False
        st.rerun()


def _gate() -> None:
    """The only page a refused visitor has; the gate draws its content itself."""


def require_access(config: settings.Settings) -> access.Decision:
    """Stop the run unless this visitor may see the data: a sign-in screen, or a refusal naming the account."""
    signed_in = bool(config.auth and st.user.get("is_logged_in"))
    decision = access.decide(config, signed_in=signed_in, email=st.user.get("email") if signed_in else None)
    if decision.allowed:
        return decision
    # Replace any navigation already on screen: a refused visitor learns nothing of the app's pages.
    st.navigation([st.Page(_gate, title="Learning Loop", url_path="sign-in", default=True)], position="hidden")
    st.title("Learning Loop")
    if not signed_in:
        st.write(decision.reason)
        st.button("Sign in", icon=":material/login:", type="primary", on_click=st.login, key="sign-in")
    else:
        st.error(decision.reason, icon=":material/block:")
        st.button("Sign out", icon=":material/logout:", on_click=st.logout, key="sign-out")
    st.stop()
    return decision  # not reached: st.stop ends the run


def workbook(*, status: bool = False) -> Workbook:
    """The validated workbook for this app, shared by every session and refreshed every few minutes.

    With ``status`` (the frame's call), a failed refresh shows its banner; pages call it plainly
    so the banner appears once.
    """
    ensure_frame()
    config = current_settings()
    require_access(config)  # again here, so no page can reach the data around the frame
    now = dt.datetime.now(dt.UTC)
    bucket = int(now.timestamp() // config.refresh_seconds)
    loaded = _load(config, bucket)
    last_good = _last_good()
    which = (config.sources, config.options, config.sheets_api_url)
    previous = last_good.get(which)
    retry_at = dt.datetime.fromtimestamp((bucket + 1) * config.refresh_seconds, dt.UTC)
    if loaded.workbook is not None:
        broken = lost_tabs(previous, loaded.workbook) if previous is not None else []
        if not broken:
            last_good[which] = loaded.workbook
            return loaded.workbook
        # A tab that read fine before is gone or lost a required column: keep the last good data.
        loaded = Loaded(None, " ".join(broken), loaded.attempted_at)
    if previous is None:
        st.error(f"Learning Loop cannot read its workbook. {loaded.error}", icon=":material/error:")
        st.caption(f"It will try again at {retry_at:%H:%M} UTC, or use Refresh now.")
        if st.button("Refresh now", key="refresh-after-failure"):
            refresh()
            st.rerun()
        st.stop()
    if status:
        st.warning(f"Showing data as of {previous.loaded_at:%H:%M} UTC: the read at {loaded.attempted_at:%H:%M} failed. "
                   f"{loaded.error} Next try at {retry_at:%H:%M} UTC.", icon=":material/cloud_off:")
    return previous


def lost_tabs(before: Workbook, now: Workbook) -> list[str]:
    """Problems with whole tabs (deleted, renamed, a required column gone) that the earlier read did not have."""
    def broken(wb: Workbook) -> dict[str, str]:
        return {issue.tab: issue.message for issue in wb.issues if issue.row is None and issue.severity == "error"}

    earlier = broken(before)
    return [message for tab, message in broken(now).items() if tab not in earlier and len(before.tables[tab])]


def sidebar_filters(wb: Workbook) -> filtering.Filters:
    """Draw the shared filters in the sidebar; each is bound to the URL so a filtered view is a link."""
    choices = selection.choices(wb)
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


def left_out_note(wb: Workbook) -> None:
    """A compact note, when rows are left out of the numbers for their errors, with a link to Data health."""
    if not wb.left_out:
        return
    with st.container(horizontal=True, vertical_alignment="center", gap="small", key="left-out-note"):
        st.caption(f":material/warning: {words.left_out(wb.left_out)}.", width="content")
        st.page_link("pages/data_health.py", label="See which cells to fix", icon=":material/health_and_safety:")


def data_health_url() -> str | None:
    """The address of this app's Data health page, as the browser sees the app (for write-ups sent on)."""
    url = st.context.url
    if not url or not url.startswith(("https://", "http://")):
        return None
    base = url.split("?", 1)[0].split("#", 1)[0].rstrip("/")
    return base.rsplit("/", 1)[0] + "/data_health" if base.count("/") > 2 else base + "/data_health"


def with_sheet(wb: Workbook, columns: list[str]) -> list[str]:
    """``columns``, and the ``sheet`` each row came from when the workbook rolls up several sheets."""
    return [*columns, "sheet"] if len(wb.sheets) > 1 else columns


def shown(wb: Workbook, frame: pd.DataFrame) -> pd.DataFrame:
    """A metric's table as a page shows it: the ``sheet`` column only when there are several sheets."""
    return frame if len(wb.sheets) > 1 or "sheet" not in frame else frame.drop(columns="sheet")


def page_quarter(wb: Workbook, f: filtering.Filters) -> str:
    """The quarter a page's headline numbers are about: the last of the selected range, else today's."""
    return f.quarters[1] if f.quarters else filtering.current_quarter(f, wb.options.fiscal_year_start_month)


def kpi_value(kpi: metrics.Kpi) -> str:
    """A headline number as people say it: "4 of 5", "68%", "12"; an en dash when there is none."""
    return metrics.kpi_text(kpi.value, kpi.unit)


def kpi_delta(kpi: metrics.Kpi) -> str | None:
    """The change against the previous quarter, signed, in the KPI's unit ("+2", "-15 pts")."""
    if kpi.delta is None:
        return None
    if kpi.unit == "share":
        return f"{kpi.delta * 100:+.0f} pts"
    return f"{kpi.delta:+g}"


def evidence_line(step: metrics.Step) -> str:
    """One step of a scorecard as a Markdown list item: done or not, its name and the evidence
    (sheet text, escaped so it shows as typed)."""
    mark = ":material/check_circle: Done" if step.done else ":material/radio_button_unchecked: Not yet"
    return f"- **{step.number}. {step.name}** · {mark} · {reports.escape_markdown(step.evidence)}"


def refresh() -> None:
    """Drop cached reads, and what is known of the sheet's tabs, so the next run reads everything again."""
    _load.clear()
    _reader.clear()


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


def download_csv(frame: pd.DataFrame, name: str, *, label: str = "Download CSV") -> None:
    """A button that downloads ``frame`` as ``name.csv``, safe to open in Excel (see
    :func:`learnloop.exports.to_csv`). The file is made when clicked; ``name`` keys the button,
    so it must be unique on the page."""
    st.download_button(label, data=lambda: exports.to_csv(frame), file_name=f"{name}.csv", mime="text/csv",
                       key=f"download-{name}", on_click="ignore", icon=":material/download:", type="tertiary")


def static_table(frame: pd.DataFrame) -> None:
    """A small table in large, plain type (``st.table``), for slides. ``st.table`` reads Markdown
    in every cell, so each cell is escaped first: sheet text is shown as typed, never as markup."""
    def cell(value: object) -> str:
        if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
            return ""
        if isinstance(value, (pd.Timestamp, dt.datetime)):
            value = value.date()
        if isinstance(value, dt.date):
            return value.isoformat().replace("-", "\u2011")  # a non-breaking hyphen: dates stay on one line
        if isinstance(value, (list, tuple)):  # a list cell (roles, participants): its items, as typed
            value = ", ".join(str(item) for item in value)
        return reports.escape_markdown(value)

    shown = pd.DataFrame({reports.escape_markdown(str(column).replace("_", " ").capitalize()):
                          [cell(value) for value in frame[column].to_numpy(dtype=object)] for column in frame.columns})
    st.table(shown, hide_index=True, border="horizontal")


#: Hides the sidebar's quarter-range slider on pages that pick their own quarter (the Retro).
OWN_QUARTER_CSS = ".st-key-quarters { display: none; }"

#: Presentation mode for screen-sharing a retro: no sidebar, header, toolbar or banners above the
#: page, large high-contrast type, the page filling a 1280×720 or 1920×1080 screen. Our own
#: constant: nothing from the sheet or the URL ever goes into a style block.
PRESENTATION_CSS = """
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stHeader"], [data-testid="stToolbar"], [data-testid="stDecoration"],
[data-testid="stStatusWidget"], [data-testid="stMainMenu"] { display: none !important; }
/* Banners the frame shows above the page (the demo notice) are not part of a slide. */
[data-testid="stMainBlockContainer"] > [data-testid="stVerticalBlock"]
  > [data-testid="stElementContainer"]:has(> [data-testid="stAlert"]) { display: none !important; }
.stApp, [data-testid="stMain"] { background: #FFFFFF; }
[data-testid="stMainBlockContainer"] { max-width: none; padding: 0.75rem 2.5rem 0.5rem; color: #000000; }
[data-testid="stMainBlockContainer"] h2 { font-size: clamp(2.4rem, 5vh, 3.4rem); line-height: 1.15;
  padding: 0.25rem 0 0; color: #000000; }
[data-testid="stMainBlockContainer"] h3 { font-size: clamp(1.7rem, 3.4vh, 2.4rem); color: #000000; }
/* Type grows with the screen: about 21 px on a 720 px high screen, 29 px on a 1080 px one. */
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMainBlockContainer"] [data-testid="stMarkdownContainer"] li {
  font-size: clamp(1.3rem, 2.7vh, 2rem); line-height: 1.35; }
[data-testid="stMainBlockContainer"] [data-testid="stCaptionContainer"] p {
  font-size: clamp(1.05rem, 2vh, 1.5rem); color: #1B1F24; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] p { font-size: clamp(2.4rem, 4.6vh, 3.4rem);
  line-height: 1.2; color: #000000; }
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] p { font-size: clamp(1.2rem, 2.2vh, 1.6rem);
  color: #1B1F24; }
[data-testid="stTable"] td, [data-testid="stTable"] th { font-size: clamp(1.2rem, 2.3vh, 1.7rem); color: #000000; }
"""


def page_css(*, own_quarter: bool = False, presentation: bool = False) -> None:
    """Apply this module's CSS constants to the page: hide the sidebar's quarter range
    (``own_quarter``), and switch to presentation mode (``presentation``)."""
    css = (OWN_QUARTER_CSS if own_quarter else "") + (PRESENTATION_CSS if presentation else "")
    if css:
        st.html(f"<style>{css}</style>")
