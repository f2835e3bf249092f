"""The trail of a row: what a team learned from, and what it changed because of it.

* a **theme** leads to its sources, critiques, commitments and decisions;
* a **source** or a **critique** belongs to a theme and leads to the decisions that cite it;
* a **commitment** belongs to a theme and leads to the decisions that name it;
* a **decision** belongs to a theme and comes from the sources and critiques it cites (and the
  commitment it names).

Ids belong to their sheet: in a roll-up of several sheets every id is looked up in the row's own
sheet, so one team's ``S-003`` never leads to another's decisions. A trail follows the whole workbook,
not the sidebar's filters: a source added last quarter still shows the decision it changed this one.
The links are worked out once per workbook, on the first trail asked for, and kept with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from data_schemas import TABS
from learnloop.metrics.cache import kept
from learnloop.search import title_column
from learnloop.workbook import Workbook

#: The steps of a trail, by the tab of the row it starts from: (label, tab reached, how it is reached).
#: "theme": rows of the tab with the row's theme_id; "cited": decisions citing the row in the column
#: named; "cites": the rows the decision's column names; "of": the row the column names.
LEGS: dict[str, tuple[tuple[str, str, str, str], ...]] = {
    "themes": (("Sources", "sources", "theme", "theme_id"), ("Critiques", "critiques", "theme", "theme_id"),
               ("Commitments", "commitments", "theme", "theme_id"), ("Decisions", "decisions", "theme", "theme_id")),
    "sources": (("Theme", "themes", "of", "theme_id"), ("Cited by", "decisions", "cited", "source_ids")),
    "critiques": (("Theme", "themes", "of", "theme_id"), ("Cited by", "decisions", "cited", "critique_ids")),
    "commitments": (("Theme", "themes", "of", "theme_id"), ("Named by", "decisions", "cited", "commitment_id")),
    "decisions": (("Theme", "themes", "of", "theme_id"), ("Learned from", "sources", "cites", "source_ids"),
                  ("Learned with", "critiques", "cites", "critique_ids"),
                  ("Commitment", "commitments", "of", "commitment_id")),
}


@dataclass(frozen=True)
class Linked:
    """A row a trail reaches."""

    tab: str
    position: int
    id: str
    title: str
    row: int


@dataclass(frozen=True)
class Leg:
    """One step of a trail: the rows of one tab it reaches, in the workbook's order."""

    label: str
    tab: str
    rows: tuple[Linked, ...]


class _Links:
    """Each kind of link of one workbook, worked out when first asked for."""

    def __init__(self, wb: Workbook) -> None:
        self.tables = wb.tables

    @cached_property
    def where(self) -> dict[str, dict[tuple[str, str], int]]:
        """Per tab, (sheet, id) -> the position of the row with that id (the first, when repeated)."""
        out = {}
        for tab in TABS:
            frame = self.tables[tab]
            ids = frame[TABS[tab].model._id_column]
            keys = zip(frame["sheet"].astype(str).tolist(), ids.astype(object).tolist(), strict=True)
            found: dict[tuple[str, str], int] = {}
            for position, key in enumerate(keys):
                found.setdefault(key, position)
            out[tab] = found
        return out

    def grouped(self, tab: str, column: str) -> dict[tuple[str, str], np.ndarray]:
        """(sheet, id) -> positions of the rows of ``tab`` whose ``column`` holds that id."""
        kept_groups = self.__dict__.setdefault("_grouped", {})
        if (tab, column) not in kept_groups:
            frame = self.tables[tab]
            values = frame[column].reset_index(drop=True)
            if values.dtype == object:  # a list of ids: one entry per id
                values = values.explode()
            values = values.dropna()
            sheets = frame["sheet"].astype(str).to_numpy()[values.index.to_numpy()]
            pairs = pd.DataFrame({"sheet": sheets, "id": values.astype(str).to_numpy(),
                                  "position": values.index.to_numpy()})
            kept_groups[(tab, column)] = {key: np.unique(group.to_numpy()) for key, group in
                                          pairs.groupby(["sheet", "id"], sort=False)["position"]}
        return kept_groups[(tab, column)]


@kept
def _links(wb: Workbook) -> _Links:
    return _Links(wb)


def trail(wb: Workbook, tab: str, position: int) -> tuple[Leg, ...]:
    """The trail from row ``position`` of ``tab`` (see the module's docstring); legs with no row are left out."""
    links = _links(wb)
    row = wb.tables[tab].iloc[position]
    sheet = str(row["sheet"])
    own_id = str(row[TABS[tab].model._id_column])
    legs = []
    for label, reached, how, column in LEGS[tab]:
        if how in ("theme", "cited"):
            positions = links.grouped(reached, column).get((sheet, own_id), np.empty(0, dtype=np.int64)).tolist()
        else:
            value = row[column]
            ids = value if isinstance(value, tuple) else () if pd.isna(value) else (value,)
            where = links.where[reached]
            positions = [where[(sheet, str(item))] for item in ids if (sheet, str(item)) in where]
        if positions:
            legs.append(Leg(label, reached, tuple(_linked(wb, reached, position) for position in positions)))
    return tuple(legs)


def _linked(wb: Workbook, tab: str, position: int) -> Linked:
    frame = wb.tables[tab]
    return Linked(tab, position, str(frame[TABS[tab].model._id_column].iat[position]),
                  str(frame[title_column(tab)].iat[position]), int(frame.index[position]))
