"""Workbooks at Google Sheets' scale, with the demo generator's distributions.

The demo (:func:`learnloop.sources.demo.demo_tabs`) is two teams over six quarters. A scaled workbook is
many such *team pairs*: pair ``k`` is the demo generated for an earlier or later stretch of quarters
(``eras``: each era is the six quarters before the previous one), with every id made unique by a
suffix (``S-003`` -> ``S-003.k17``), every reference rewritten the same way (``theme_id``,
``source_ids``, ``critique_ids``, ``commitment_id``, ``supersedes``) and its teams renamed
(``Checkout`` -> ``Checkout 17``). References stay consistent, so validation takes the realistic path.

A real sheet is never spotless: one row in every :data:`MESSY_EVERY` of each tab gets one of the slips
people make (:data:`SLIPS`: a date typed as text, a blank optional id, an unknown role, an impact of 9,
a link without https, a ``#REF!``...), so the issues path runs too, on about 0.1% of the rows.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from learnloop.sources.demo import TAB_HEADERS, demo_tabs

Tabs = dict[str, list[list[object]]]

# Columns holding one id (own or referenced) and comma lists of ids, per tab.
ID_COLUMNS = {
    "themes": ("theme_id",),
    "sources": ("source_id", "theme_id"),
    "critiques": ("critique_id", "theme_id"),
    "commitments": ("commitment_id", "theme_id"),
    "decisions": ("decision_id", "theme_id", "commitment_id", "supersedes"),
}
LIST_COLUMNS = {"decisions": ("source_ids", "critique_ids")}
ERAS = 4  # 4 eras x 6 quarters: six years of history across the org
ERA_MONTHS = 18


def era_today(today: dt.date, era: int) -> dt.date:
    """``today`` moved back ``era`` times six quarters (day clamped to 28 so every month has it)."""
    index = today.year * 12 + today.month - 1 - ERA_MONTHS * era
    return dt.date(index // 12, index % 12 + 1, min(today.day, 28))


def base_tabs(today: dt.date, eras: int = ERAS) -> list[Tabs]:
    return [demo_tabs(era_today(today, era) if era else today) for era in range(eras)]


def cells_per_pair(today: dt.date | None = None) -> int:
    """Data cells (header rows excluded) in one team pair."""
    tabs = demo_tabs(today or dt.date.today())
    return sum(len(rows[0]) * (len(rows) - 1) for rows in tabs.values())


def rows_per_pair(today: dt.date | None = None) -> int:
    tabs = demo_tabs(today or dt.date.today())
    return sum(len(rows) - 1 for rows in tabs.values())


def _rewriter(tab: str) -> Callable[[list[object], str, str, str], list[object]]:
    header = TAB_HEADERS[tab]
    ids = [header.index(c) for c in ID_COLUMNS[tab]]
    lists = [header.index(c) for c in LIST_COLUMNS.get(tab, ())]
    team = header.index("team")

    def rewrite(row: list[object], suffix: str, checkout: str, growth: str) -> list[object]:
        out = list(row)
        for i in ids:
            if out[i]:
                out[i] = f"{out[i]}{suffix}"
        for i in lists:
            if out[i]:
                out[i] = ", ".join(item + suffix for item in str(out[i]).split(", "))
        out[team] = checkout if out[team] == "Checkout" else growth if out[team] == "Growth" else out[team]
        return out

    return rewrite


MESSY_EVERY = 1000


def _set(column: str, value: object) -> Callable[[list[object], list[str]], None]:
    def slip(row: list[object], header: list[str]) -> None:
        row[header.index(column)] = value
    return slip


def _as_text(column: str) -> Callable[[list[object], list[str]], None]:
    def slip(row: list[object], header: list[str]) -> None:
        at = header.index(column)
        if isinstance(row[at], dt.date):
            row[at] = row[at].strftime("%d %b %Y")  # typed as text: still read, as "15 Jan 2026"
    return slip


def _append(column: str, extra: str) -> Callable[[list[object], list[str]], None]:
    def slip(row: list[object], header: list[str]) -> None:
        at = header.index(column)
        row[at] = f"{row[at]}, {extra}" if row[at] else extra
    return slip


#: The slips, per tab, taken in turn: some are fine (read all the same), most are an info or a warning,
#: a few are errors (the row is left out).
SLIPS: dict[str, list[Callable[[list[object], list[str]], None]]] = {
    "themes": [_set("quarter", "Q3 2026"), _set("status", "Done"), _set("title", "#REF!")],
    "sources": [_as_text("added_on"), _set("url", "www.example.com"), _set("kind", "Newsletter"),
                _set("pruned_on", dt.date(2000, 1, 1)), _set("last_engaged_on", "last week")],
    "critiques": [_set("critique_id", None), _append("roles", "QA"), _as_text("date"), _set("format", "Meetup"),
                  _set("artifact_type", "#N/A")],
    "commitments": [_set("status", "shipped"), _set("due_on", "next sprint"), _set("audience", "Public"),
                    _set("commitment_id", None)],
    "decisions": [_set("impact", 9), _append("source_ids", "S-404"), _set("category", "Discovery cadence"),
                  _as_text("date"), _set("decision_id", None)],
}


def _add_slips(tabs: Tabs) -> None:
    for tab, rows in tabs.items():
        header = [str(name) for name in rows[0]]
        slips = SLIPS[tab]
        for n, position in enumerate(range(MESSY_EVERY // 2, len(rows), MESSY_EVERY)):
            slips[n % len(slips)](rows[position], header)


def scaled_tabs(pairs: int, *, today: dt.date | None = None, eras: int = ERAS, messy: bool = True) -> Tabs:
    """``pairs`` team pairs of the demo as raw tabs (tab title -> rows, row 0 the header)."""
    today = today or dt.date.today()
    bases = base_tabs(today, min(eras, max(pairs, 1)))
    out: Tabs = {tab: [list(header)] for tab, header in TAB_HEADERS.items()}
    rewriters = {tab: _rewriter(tab) for tab in TAB_HEADERS}
    for k in range(pairs):
        base = bases[k % len(bases)]
        suffix, checkout, growth = f".k{k}", f"Checkout {k}", f"Growth {k}"
        for tab, rows in base.items():
            rewrite = rewriters[tab]
            out[tab].extend(rewrite(row, suffix, checkout, growth) for row in rows[1:])
    if messy:
        _add_slips(out)
    return out


def pairs_for_rows(rows: int, today: dt.date | None = None) -> int:
    return max(1, round(rows / rows_per_pair(today)))


def pairs_for_cells(cells: int, today: dt.date | None = None) -> int:
    header = sum(len(h) for h in TAB_HEADERS.values())
    return max(1, (cells - header) // cells_per_pair(today))


def shape(tabs: Tabs) -> dict[str, tuple[int, int]]:
    """(rows, columns) of each tab, header included: the grid the stand-in is sized to."""
    return {tab: (len(rows), max(len(r) for r in rows)) for tab, rows in tabs.items()}
