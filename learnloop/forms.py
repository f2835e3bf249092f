"""Entry forms generated from the tab models: one widget per column, pickers for references."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from data_schemas import TABS
from learnloop.workbook import Workbook

LONG_TEXT = {"definition_of_good", "feedback", "follow_up", "notes", "summary"}
# Ids an editor does not need to type: the app generates them.
GENERATED_IDS = {"critique_id", "commitment_id", "decision_id"}


def _label(name: str, meta: dict[str, Any]) -> str:
    return name.replace("_", " ").capitalize() + (" *" if meta["required"] else "")


def _reference_options(wb: Workbook, target: str) -> dict[str, str]:
    """Id -> what a person recognises it by (theme title, source name, critiqued artifact)."""
    frame = wb.tables[target]
    id_column = TABS[target].model._id_column
    label_column = {"themes": "title", "sources": "name", "critiques": "artifact", "commitments": "title",
                    "decisions": "summary"}[target]
    if frame.empty:
        return {}
    labels = frame[label_column].fillna("").astype(str).str.slice(0, 60)
    return dict(zip(frame[id_column].astype(str), frame[id_column].astype(str) + " · " + labels, strict=True))


def entry_fields(tab: str, wb: Workbook, key: str) -> dict[str, Any]:
    """Draw the fields of ``tab`` (inside a form) and return the values entered, by column."""
    values: dict[str, Any] = {}
    for name, meta in TABS[tab].model.columns().items():
        if name in GENERATED_IDS:
            continue
        label, help_text = _label(name, meta), meta["help"] or None
        widget_key = f"{key}-{name}"
        kind = meta["kind"]
        if meta["refers_to"] and kind in ("id", "id_list"):
            options = _reference_options(wb, meta["refers_to"])
            if kind == "id_list":
                values[name] = st.multiselect(label, list(options), format_func=options.get, key=widget_key,
                                              help=help_text)
            else:
                values[name] = st.selectbox(label, list(options), index=None, format_func=options.get,
                                            key=widget_key, help=help_text, placeholder="None")
        elif kind == "choice":
            values[name] = st.selectbox(label, list(meta["choices"]), index=None, key=widget_key, help=help_text,
                                        placeholder=meta["default"] or "Choose…",
                                        format_func=lambda c: str(c).replace("_", " "))
        elif kind == "choice_list":
            values[name] = st.multiselect(label, list(meta["choices"]), key=widget_key, help=help_text)
        elif kind == "number" and meta["choices"]:
            values[name] = st.selectbox(label, [int(c) for c in meta["choices"]], index=None, key=widget_key,
                                        help=help_text)
        elif kind == "date":
            values[name] = st.date_input(label, value=dt.date.today() if meta["required"] else None,
                                         key=widget_key, help=help_text, format="YYYY-MM-DD")
        elif name in LONG_TEXT:
            values[name] = st.text_area(label, key=widget_key, help=help_text, placeholder=meta["example"] or "")
        else:
            values[name] = st.text_input(label, key=widget_key, help=help_text, placeholder=meta["example"] or "")
    return {name: (None if isinstance(value, str) and not value.strip() else value) for name, value in values.items()}


def problems_list(problems: dict[str, str]) -> str:
    """Field messages as Markdown bullets; the message text is escaped, never rendered as markup."""
    return "\n".join(f"- **{column or 'row'}**: {_escape(message)}" for column, message in problems.items())


def _escape(text: str) -> str:
    specials = "\\`*_{}[]()#+-.!|<>~$"
    return "".join("\\" + ch if ch in specials else ch for ch in text)


def preview(row: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame([row])
