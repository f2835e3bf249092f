"""The app's small Streamlit helpers: the one cached loader and shared bits of page chrome.

The read is cached here and only here. A read is shared by every session for ``refresh_seconds``
(what the metrics work out from a workbook is kept for it by :mod:`learnloop.metrics.cache`);
a failed read is remembered for the same time (so pages stay fast while Google is down) and
the last good workbook keeps serving, with a banner that says what failed and when the next
try is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import streamlit as st

from learnloop import access, digest, exports, load, metrics, reports, safe, settings, words
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


def from_link(key: str, options: Sequence[object], *, many: bool = False, default: object = None) -> None:
    """Start the widget ``key`` from the page's link (``?key=…``) the first time this session shows it:
    with the values the data has (names matched ignoring case); the others are remembered, so
    :func:`link_note` says which part of the link was ignored."""
    if key in st.session_state:
        return
    # A page switch drops the widget's state and the link's query: the value kept for the session wins.
    kept = st.session_state.get(f"kept-{key}")
    if kept is not None and not st.query_params.get_all(key):
        st.session_state[key] = kept
        return
    typed = st.query_params.get_all(key)
    by_text = {str(option).casefold(): option for option in options}
    known = list(dict.fromkeys(by_text[value.casefold()] for value in typed if value.casefold() in by_text))
    unknown = [value for value in typed if value.casefold() not in by_text]
    if unknown:
        st.session_state.setdefault("link-ignored", {})[key] = unknown
    if many:
        st.session_state[key] = known
    elif known:
        st.session_state[key] = known[0]
    elif default is not None:
        st.session_state[key] = default


def to_link(**values: object) -> None:
    """Keep these widgets' values in the page's link, so what is on screen is a link; a value of None or
    an empty list leaves its key out. The widget's value is kept for the session too (see :func:`from_link`)."""
    for key, value in values.items():
        if key in st.session_state:
            st.session_state[f"kept-{key}"] = st.session_state[key]
        wanted = [] if value is None else [str(item) for item in value] if isinstance(value, (list, tuple)) else [str(value)]
        if st.query_params.get_all(key) == wanted:
            continue
        if wanted:
            st.query_params[key] = wanted if len(wanted) > 1 else wanted[0]
        elif key in st.query_params:
            del st.query_params[key]


def link_note(*keys: str) -> None:
    """Say which part of the link this page was opened with (among ``keys``) names something the data
    does not have, and so was ignored."""
    ignored = {key: values for key, values in (st.session_state.get("link-ignored") or {}).items() if key in keys}
    if ignored:
        parts = "; ".join(f"{key} {', '.join(safe.quoted(value) for value in values)}"
                          for key, values in ignored.items())
        st.caption(f":material/link_off: This link names what is not in the data, so that part was ignored: {parts}.")


def _forget_link_note() -> None:
    st.session_state.pop("link-ignored", None)


def sidebar_filters(wb: Workbook) -> filtering.Filters:
    """Draw the shared filters in the sidebar; each is kept in the page's link (a theme by its id, so
    renaming it keeps the link), and a link naming what the data does not have says so."""
    choices = selection.choices(wb)
    quarters: list[str] = choices["quarters"]  # type: ignore[assignment]
    themes: dict[str, str] = choices["themes"]  # type: ignore[assignment]
    _note_unknown_link_values({"quarters": quarters, "team": choices["teams"], "person": choices["people"]})
    from_link("theme", list(themes), many=True)
    with st.sidebar:
        st.subheader("Filters")
        span = None
        if len(quarters) > 1:
            picked = st.select_slider("Quarters", quarters, value=(quarters[0], quarters[-1]), key="quarters",
                                      bind="query-params", on_change=_forget_link_note)
            span = None if tuple(picked) == (quarters[0], quarters[-1]) else tuple(picked)
        teams = st.multiselect("Team", choices["teams"], key="team", bind="query-params", placeholder="All teams",
                               on_change=_forget_link_note)
        people = st.multiselect("Person", choices["people"], key="person", bind="query-params",
                                placeholder="Everyone", on_change=_forget_link_note)
        theme_ids = st.multiselect("Theme", list(themes), key="theme", placeholder="All themes",
                                   format_func=lambda tid: f"{themes[tid]} ({tid})", on_change=_forget_link_note)
    to_link(theme=theme_ids)
    link_note("quarters", "team", "person", "theme")
    chosen = filtering.Filters(quarters=span, teams=tuple(teams), people=tuple(people), themes=tuple(theme_ids))
    st.session_state["filters"] = chosen
    return chosen


def _note_unknown_link_values(options: dict[str, list[str]]) -> None:
    """Remember the values of a link's filters that the data does not have (the widgets drop them)."""
    for key, known in options.items():
        unknown = [value for value in st.query_params.get_all(key) if value not in known]
        if unknown and f"noted-{key}" not in st.session_state:
            st.session_state.setdefault("link-ignored", {})[key] = unknown
        st.session_state[f"noted-{key}"] = True


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
    base = digest.app_base_url(st.context.url)
    return f"{base}/data_health" if base else None


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


#: A headline number's name wraps onto a second line rather than being cut with "…" in a narrow column.
KPI_CSS = (".st-key-kpis [data-testid='stMetricLabel'], .st-key-kpis [data-testid='stMetricLabel'] * "
           "{ white-space: normal !important; overflow: visible !important; text-overflow: clip !important; "
           "word-break: normal !important; overflow-wrap: normal !important; }")


def kpi_row(kpis: Sequence[metrics.Kpi], *, border: bool = True) -> None:
    """Headline numbers side by side, each with its change against the quarter before when it has
    one (an unchanged number has no arrow and no colour: "+0" is neither a gain nor a loss)."""
    st.html(f"<style>{KPI_CSS}</style>")
    with st.container(key="kpis"):
        for column, kpi in zip(st.columns(len(kpis)), kpis, strict=True):
            unchanged = kpi.delta == 0
            column.metric(kpi.name, kpi_value(kpi), delta=kpi_delta(kpi), help=kpi.help, border=border,
                      delta_color="off" if unchanged else "normal", delta_arrow="off" if unchanged else "auto")


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
        return reports.escape_markdown(value)

    shown = pd.DataFrame({reports.escape_markdown(str(column).replace("_", " ").capitalize()):
                          [cell(value) for value in frame[column].to_numpy(dtype=object)] for column in frame.columns})
    st.table(shown, hide_index=True, border="horizontal")


#: Hides the sidebar's quarter-range slider on pages that pick their own quarter (the Retro) or are
#: about now (Nudges).
OWN_QUARTER_CSS = ".st-key-quarters { display: none; }"


def hide_quarter_range() -> None:
    """Hide the sidebar's quarter range on a page it does not apply to."""
    st.html(f"<style>{OWN_QUARTER_CSS}</style>")


#: Column names in words, for tables people read (any other: its name with spaces, capitalised).
COLUMN_WORDS = {
    "theme_id": "Theme", "source_id": "Source", "critique_id": "Critique", "commitment_id": "Commitment",
    "decision_id": "Decision", "definition_of_good": "Definition of good", "last_engaged_on": "Last engaged",
    "days_since": "Days quiet", "added_on": "Added", "pruned_on": "Pruned", "committed_on": "Committed",
    "due_on": "Due", "shipped_on": "Shipped", "state": "Where it stands", "artifact_type": "What was critiqued",
    "learned_from": "Learned from", "learned_with": "Learned with", "replaced_by": "Replaced by",
    "replaced_on": "Replaced on", "replaced_by_summary": "Replaced by (summary)", "days_in_force": "Days in force",
    "source_kind": "Kind", "quarter": "Quarter", "sheet": "Sheet",
}
#: Columns whose values are codes: shown in words ("shipped_late" is "shipped late").
WORDED = {"state", "status", "artifact_type", "category", "kind", "format", "audience", "reason"}


def _header(column: str) -> str:
    """A column's header in a table people read: :data:`COLUMN_WORDS`, else its name with spaces, capitalised."""
    return COLUMN_WORDS.get(column, column.replace("_", " ").capitalize())


def for_people(frame: pd.DataFrame, *, hyphen: str = "-") -> pd.DataFrame:
    """A metric's table as people read it: headers in words, dates as 2026-03-02 (written with
    ``hyphen``), blanks empty, codes in words (reports.STATE_LABELS), lists joined with commas. Values
    only change their look."""
    shown, day_format = {}, f"%Y{hyphen}%m{hyphen}%d"
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            # As text: a missing date would show as "None" in the grid; ISO dates sort as dates do.
            cells = ["" if pd.isna(day) else f"{day:{day_format}}" for day in values]
        elif column in WORDED:
            cells = ["" if pd.isna(code) else reports.STATE_LABELS.get(str(code), str(code).replace("_", " "))
                     for code in values]
        elif values.dtype == object and values.map(lambda cell: isinstance(cell, (list, tuple))).any():
            cells = [", ".join(map(str, cell)) if isinstance(cell, (list, tuple)) else "" if pd.isna(cell) else cell
                     for cell in values]
        elif pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            cells = values.array
        else:
            cells = ["" if pd.isna(cell) else cell for cell in values]
        shown[_header(column)] = cells
    return pd.DataFrame(shown, index=range(len(frame)))


def people_table(frame: pd.DataFrame, columns: list[str], *, wide: Sequence[str] = ()) -> None:
    """``frame``'s ``columns`` as a data grid people read (:func:`for_people`), the ``wide`` ones given
    room; what matters first, so it is visible at 1280 px without scrolling sideways."""
    shown = for_people(frame[columns])
    config = {_header(column): st.column_config.TextColumn(width="large") for column in wide}
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)
