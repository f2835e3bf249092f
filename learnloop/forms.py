"""Entry forms generated from the tab models, and what submitting one does.

One field per column: pickers for what the workbook already names (people, teams, themes, sources,
critiques…) that still take a new value typed in, each field's problem shown right under it in
words. A submission is handled in the submit button's callback, before the page is drawn: it is
written at most once (the same entry sent again, by a double click or a second press, writes nothing
more and says so), the form clears after a row is added and keeps what was typed when it is not.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from data_schemas import TABS
from data_schemas.base import LIST_KINDS
from learnloop import load, ui, writes
from learnloop.entries import Appended, typed_ids
from learnloop.errors import SourceError
from learnloop.metrics import selection
from learnloop.reports import escape_markdown
from learnloop.workbook import Workbook

LONG_TEXT = {"definition_of_good", "feedback", "follow_up", "notes", "summary"}
#: Ids an editor does not need to see: the tab's next one is given when the row is written.
GENERATED_IDS = {"critique_id", "commitment_id", "decision_id"}
#: Columns that name people, offered from everyone the workbook names.
PEOPLE = {"owner", "presenter", "participants"}
#: How a person recognises a row of each tab a column refers to.
LABEL_COLUMNS = {"themes": "title", "sources": "name", "critiques": "artifact", "commitments": "title",
                 "decisions": "summary"}
#: What a column is, in words, where its name alone would be a key (theme_id is "theme").
WORDS = {"theme_id": "theme", "source_ids": "sources", "critique_ids": "critiques", "commitment_id": "commitment",
         "supersedes": "decision it replaces", "source_id": "source id", "url": "URL"}


def words(name: str) -> str:
    return WORDS.get(name, name.replace("_", " "))


def _label(name: str, meta: dict[str, Any]) -> str:
    return words(name)[:1].upper() + words(name)[1:] + (" *" if meta["required"] and name not in GENERATED_IDS else "")


def field_key(key: str, name: str) -> str:
    return f"{key}-{name}"


@dataclass(frozen=True)
class Offered:
    """What the pickers offer: the people and teams the workbook names, and the rows of each tab a
    column can refer to (id -> what a person recognises it by)."""

    people: list[str]
    teams: list[str]
    rows: dict[str, dict[str, str]]


def offered(wb: Workbook, sheet: str | None = None) -> Offered:
    """People and teams from the whole workbook; rows to refer to from ``sheet`` only (ids belong to their sheet)."""
    named = selection.choices(wb)
    return Offered(list(named["people"]), list(named["teams"]), _rows_to_refer_to(wb, sheet))  # type: ignore[arg-type]


def _rows_to_refer_to(wb: Workbook, sheet: str | None) -> dict[str, dict[str, str]]:
    """For each tab a column can refer to: id -> what a person recognises its row by (of ``sheet`` only)."""
    rows: dict[str, dict[str, str]] = {}
    for target, label_column in LABEL_COLUMNS.items():
        frame = wb.tables[target]
        if sheet is not None:
            frame = frame[frame["sheet"].astype(str) == sheet]
        id_column = TABS[target].model._id_column
        labels = frame[label_column].fillna("").astype(str).str.slice(0, 60)
        rows[target] = dict(zip(frame[id_column].astype(str), frame[id_column].astype(str) + " · " + labels,
                                strict=True))
    return rows


def entry_fields(tab: str, wb: Workbook, key: str, *, sheet: str | None = None,
                 problems: dict[str, str] | None = None) -> set[str]:
    """Draw the fields of ``tab`` (inside a form), each with its problem under it; the columns drawn."""
    pick = offered(wb, sheet)
    problems = problems or {}
    drawn: set[str] = set()
    for name, meta in TABS[tab].model.columns().items():
        if name in GENERATED_IDS:
            continue
        drawn.add(name)
        with st.container(key=f"field-{field_key(key, name)}"):
            _field(tab, name, meta, pick, field_key(key, name), wb, sheet)
            if name in problems:
                st.error(escape_markdown(in_words(problems[name])), icon=":material/error:")
    return drawn


def _field(tab: str, name: str, meta: dict[str, Any], pick: Offered, widget_key: str, wb: Workbook,
           sheet: str | None) -> None:
    label, help_text, kind = _label(name, meta), meta["help"] or None, meta["kind"]
    if meta["refers_to"] and kind in ("id", "id_list"):
        options = pick.rows[meta["refers_to"]]
        if kind == "id_list":
            st.multiselect(label, list(options), format_func=lambda v: options.get(v, v), key=widget_key, help=help_text,
                           accept_new_options=True, placeholder="Choose or type")
        else:
            st.selectbox(label, list(options), index=None, format_func=lambda v: options.get(v, v), key=widget_key,
                         help=help_text, accept_new_options=True, placeholder="Choose or type")
    elif name == "team":
        st.selectbox(label, pick.teams, index=None, key=widget_key, help=help_text, accept_new_options=True,
                     placeholder="Choose or type a team")
    elif name in PEOPLE and kind == "name_list":
        st.multiselect(label, pick.people, key=widget_key, help=help_text, accept_new_options=True,
                       placeholder="Choose or type names")
    elif name in PEOPLE:
        st.selectbox(label, pick.people, index=None, key=widget_key, help=help_text, accept_new_options=True,
                     placeholder="Choose or type a name")
    elif kind == "choice":
        st.selectbox(label, list(meta["choices"]), index=None, key=widget_key, help=help_text,
                     placeholder=f"Blank means {words(meta['default'])}" if meta["default"] else "Choose",
                     format_func=lambda c: str(c).replace("_", " "))
    elif kind == "choice_list":
        st.multiselect(label, list(meta["choices"]), key=widget_key, help=help_text, placeholder="Choose")
    elif kind == "number" and meta["choices"]:
        st.selectbox(label, [int(c) for c in meta["choices"]], index=None, key=widget_key, help=help_text,
                     placeholder="Choose")
    elif kind == "date":
        # Blank until picked, required or not: a required date left blank is an error, never today.
        st.date_input(label, value=None, key=widget_key, help=help_text, format="YYYY-MM-DD")
    elif name == TABS[tab].model._id_column:
        upcoming = writes.next_id(tab, typed_ids(wb, tab, sheet))
        st.text_input(label.removesuffix(" *"), key=widget_key, placeholder=f"Blank: {upcoming}",
                      help="Leave it blank for the tab's next id.")
    elif name in LONG_TEXT:
        st.text_area(label, key=widget_key, help=help_text, placeholder=meta["example"] or "")
    else:
        st.text_input(label, key=widget_key, help=help_text, placeholder=meta["example"] or "")


def submitted_values(tab: str, key: str, wb: Workbook, sheet: str | None = None) -> dict[str, Any]:
    """What the form holds, by column (from session state, so the submit callback can read it): blanks
    as None, and a typed reference matched to the row it names (its id in any case, or its title)."""
    rows = _rows_to_refer_to(wb, sheet)  # the people and teams offered are not needed here
    values: dict[str, Any] = {}
    for name, meta in TABS[tab].model.columns().items():
        if name in GENERATED_IDS:
            continue
        value = st.session_state.get(field_key(key, name))
        if meta["refers_to"] and meta["kind"] in ("id", "id_list"):
            options = rows[meta["refers_to"]]
            value = ([_reference(item, options) for item in value] if isinstance(value, list)
                     else _reference(value, options))
        values[name] = None if value is None or (isinstance(value, str) and not value.strip()) or value == [] else value
    return values


def _reference(value: Any, options: dict[str, str]) -> Any:
    if not isinstance(value, str) or value in options:
        return value
    typed = value.strip().casefold()
    for row_id, label in options.items():
        if typed in (row_id.casefold(), label.partition(" · ")[2].strip().casefold()):
            return row_id
    return value.strip()


def clear(tab: str, key: str) -> None:
    """Empty the form. Each field is given its blank value (not just forgotten), so the browser shows
    it blank too: a field the session forgets keeps what the browser last had in it."""
    for name, meta in TABS[tab].model.columns().items():
        if name in GENERATED_IDS:
            continue
        if meta["kind"] in LIST_KINDS:
            blank: Any = []
        elif meta["kind"] in ("date", "choice", "number") or meta["refers_to"] or name in PEOPLE or name == "team":
            blank = None
        else:
            blank = ""
        st.session_state[field_key(key, name)] = blank


def in_words(message: str) -> str:
    """A problem as it reads under its field: column keys in words ("theme_id" is "theme"), a capital first."""
    for name in sorted({n for spec in TABS.values() for n in spec.model.columns()}, key=len, reverse=True):
        if "_" in name or name == "supersedes":
            message = re.sub(rf"\b{name}\b", words(name), message)
    return message[:1].upper() + message[1:]


def fingerprint(tab: str, target: str, values: dict[str, Any]) -> str:
    """One submission's identity: the same entry for the same tab and workbook, however it was sent again."""
    def plain(value: Any) -> Any:
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, list | tuple):
            return [plain(item) for item in value]
        return None if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)

    text = json.dumps([tab, target, {name: plain(value) for name, value in sorted(values.items())}])
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- submitting ---


@dataclass(frozen=True)
class Outcome:
    """What a submission did: ``added`` (``appended``), ``duplicate`` (the entry just added, sent again:
    ``appended`` is that row), ``refused`` (``problems`` by column) or ``failed`` (``message``)."""

    kind: str
    appended: Appended | None = None
    problems: dict[str, str] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class _Written:
    """The entry a session's form last wrote: its :func:`fingerprint` and where it went."""

    fingerprint: str
    appended: Appended


@dataclass(frozen=True)
class _Pending:
    """An entry whose write failed: its :func:`fingerprint` and the row sent (it may have landed)."""

    fingerprint: str
    row: dict[str, Any]


@dataclass
class _Form:
    """One session's form: the lock its runs submit in turn by (a double click runs both), what it
    last wrote, and the entry whose write last failed."""

    turn: threading.Lock = field(default_factory=threading.Lock)
    written: _Written | None = None
    pending: _Pending | None = None


#: Each session's forms, by (session, form key), the least recently submitted dropped first. Kept
#: here, not in ``st.session_state``: every use of the session state is a point where Streamlit stops
#: a run it has replaced (a second click starts a new run at once), so a run stopped just after
#: writing (or failing to) would forget it, and the new run would write the entry again.
_forms: OrderedDict[tuple[str, str], _Form] = OrderedDict()
_forms_lock = threading.Lock()
_KEPT_FORMS = 1_000


def _form(session: str, key: str) -> _Form:
    with _forms_lock:
        form = _forms.get((session, key))
        if form is None:
            form = _forms[(session, key)] = _Form()
            while len(_forms) > _KEPT_FORMS:
                _forms.popitem(last=False)
        else:
            _forms.move_to_end((session, key))
        return form


def _session() -> str:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else ""


def submit(tab: str, key: str, target: str, sheet: str | None, wb: Workbook) -> None:
    """The submit button's callback: check the entry and write it once, then leave an :class:`Outcome`
    for the page. Nothing here draws: a callback runs before the page. Two runs of the same form (a
    double click starts the second before the first is stopped) submit in turn, and what was written
    is remembered before anything else can stop the run."""
    form = _form(_session(), key)
    values = submitted_values(tab, key, wb, sheet)  # what this run was sent, before any turn is waited for
    entry = fingerprint(tab, target, values)
    with form.turn:
        last = form.written
        state = st.session_state
        if last is not None and last.fingerprint == entry:
            clear(tab, key)
            state[f"{key}-outcome"] = Outcome("duplicate", appended=last.appended)
            return
        pending = form.pending
        try:
            if pending is not None and pending.fingerprint == entry:  # sent again after a failure: it may have landed
                row, look_first = pending.row, True
            else:
                row, look_first = writes.prepare(tab, values, wb, sheet=sheet), False
            config = ui.current_settings()
            reader = ui.sheet_reader(config) if load.is_sheet(target) else None
            done = writes.add_row(target, tab, row, reader=reader, look_first=look_first)
        except writes.WriteRefused as refused:
            state[f"{key}-outcome"] = Outcome("refused", problems=refused.problems)
        except writes.WriteFailed as failed:
            form.pending = _Pending(entry, failed.row)
            state[f"{key}-outcome"] = Outcome("failed", message=str(failed))
        except SourceError as exc:
            state[f"{key}-outcome"] = Outcome("failed", message=str(exc))
        else:
            form.written, form.pending = _Written(entry, done), None
            ui.refresh()  # the next read has the new row: the charts show it
            state[f"{key}-outcome"] = Outcome("added", appended=done)
            clear(tab, key)


def confirmation(done: Appended, *, again: bool = False) -> str:
    """"Added C-014 on row 43 of critiques in team.xlsx", with a link to the row where the workbook has
    one; ``again``: the entry was already added, and nothing more was written. Markdown, sheet text escaped."""
    row = f" on row {done.row_number}" if done.row_number else ""
    where = f"{row} of {escape_markdown(done.title or done.tab)} in {escape_markdown(done.workbook)}"
    text = (f"{escape_markdown(done.id)} was already added{where}: nothing more was written." if again
            else f"Added {escape_markdown(done.id)}{where}.")
    return text + (f" [Open the row in Google Sheets]({done.link})" if done.link else "")


def sheet_of(wb: Workbook, sources: Sequence[str], target: str) -> str | None:
    """The sheet name ``target``'s rows carry in a roll-up of ``sources`` (None for one source)."""
    if len(sources) < 2 or len(wb.sheets) != len(sources):
        return None
    return wb.sheets[list(sources).index(target)]


def problems_list(problems: dict[str, str]) -> str:
    """Field messages as Markdown bullets, in words; the message text is escaped, never rendered as markup."""
    return "\n".join(f"- **{escape_markdown(words(column)) if column else 'Row'}**: "
                     f"{escape_markdown(in_words(message))}" for column, message in problems.items())
