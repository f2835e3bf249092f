"""The workbook format, described from the schemas themselves (README, Data health page, CLI)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from data_schemas import FORMAT_VERSION, TABS


def _plain(value: Any) -> str:
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _accepts(meta: dict[str, Any]) -> str:
    kind = meta["kind"]
    if kind in ("choice", "number") and meta["choices"]:
        text = ", ".join(_plain(c) for c in meta["choices"])
        return text + (f"; blank = {meta['default']}" if meta["default"] else "")
    if kind == "choice_list":
        return "comma list of " + ", ".join(meta["choices"])
    return {
        "date": "date (2026-01-15, 15 Jan 2026, a date cell…)",
        "quarter": "quarter (2026-Q1, Q1 2026…)",
        "id_list": "comma list of ids",
        "name_list": "comma list of names",
        "url": "https:// link",
        "number": "number",
        "id": "id",
    }.get(kind, "text")


def tab_format(tab: str) -> pd.DataFrame:
    """One row per column of ``tab``: name, required, what it accepts, what it refers to, an example."""
    rows = []
    for name, meta in TABS[tab].model.columns().items():
        rows.append({
            "column": name,
            "required": "yes" if meta["required"] else "",
            "accepts": _accepts(meta),
            "refers to": f"{meta['refers_to']}" if meta["refers_to"] else "",
            "example": meta["example"] or "",
            "notes": meta["help"],
        })
    return pd.DataFrame(rows)


def format_markdown() -> str:
    """The workbook format as Markdown: a table per tab (kept in README.md, checked by a test)."""
    parts = [f"Workbook format version {FORMAT_VERSION}. Required columns are marked *.", ""]
    for tab, spec in TABS.items():
        aliases = f" (also accepted: {', '.join(repr(a) for a in spec.aliases)})" if spec.aliases else ""
        parts += [f"#### `{tab}`{aliases}", "", spec.purpose, "", "| column | accepts | example |",
                  "|---|---|---|"]
        for row in tab_format(tab).itertuples(index=False):
            star = "*" if row.required else ""
            refers = f" → `{row[3]}`" if row[3] else ""
            parts.append(f"| `{row.column}`{star} | {row.accepts}{refers} | {row.example} |")
        parts.append("")
    return "\n".join(parts).rstrip() + "\n"
