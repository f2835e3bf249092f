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

import numpy as np

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

    #: The row's position in the table of its leg's tab.
    position: int
    id: str
    title: str


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
        self._columns: dict[tuple[str, str], np.ndarray] = {}
        self._grouped: dict[tuple[str, str], dict[tuple[str, str], np.ndarray]] = {}
        self._where: dict[str, dict[tuple[str, str], int]] = {}

    def column(self, tab: str, column: str) -> np.ndarray:
        """A column of ``tab`` as Python objects (missing values as None), read once."""
        if (tab, column) not in self._columns:
            values = self.tables[tab][column]
            self._columns[(tab, column)] = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
        return self._columns[(tab, column)]

    def where(self, tab: str) -> dict[tuple[str, str], int]:
        """(sheet, id) -> the position of the row of ``tab`` with that id (the first, when repeated)."""
        if tab not in self._where:
            found: dict[tuple[str, str], int] = {}
            for position, key in enumerate(zip(self.column(tab, "sheet").tolist(),
                                               self.column(tab, TABS[tab].model._id_column).tolist(), strict=True)):
                found.setdefault(key, position)
            self._where[tab] = found
        return self._where[tab]

    def grouped(self, tab: str, column: str) -> dict[tuple[str, str], np.ndarray]:
        """(sheet, id) -> positions of the rows of ``tab`` whose ``column`` holds that id, in order."""
        if (tab, column) not in self._grouped:
            sheets, values = self.column(tab, "sheet"), self.column(tab, column)
            if self.tables[tab][column].dtype == object:  # a list of ids: one entry per id
                counts = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
                positions = np.repeat(np.arange(len(values)), counts)
                ids = [item for items in values for item in items]
            else:
                positions = np.flatnonzero(self.tables[tab][column].notna().to_numpy())
                ids = values[positions].tolist()
            keys = list(zip(sheets[positions].tolist(), ids, strict=True))
            groups: dict[tuple[str, str], list[int]] = {}
            for key, position in zip(keys, positions.tolist(), strict=True):
                groups.setdefault(key, []).append(position)
            self._grouped[(tab, column)] = {key: np.unique(found) for key, found in groups.items()}
        return self._grouped[(tab, column)]


@kept
def _links(wb: Workbook) -> _Links:
    return _Links(wb)


def trail(wb: Workbook, tab: str, position: int) -> tuple[Leg, ...]:
    """The trail from row ``position`` of ``tab`` (see the module's docstring); legs with no row are left out."""
    links = _links(wb)
    named = [column for *_, how, column in LEGS[tab] if how in ("of", "cites")]
    columns = ["sheet", TABS[tab].model._id_column, *named]
    row = {column: links.column(tab, column)[position] for column in dict.fromkeys(columns)}
    sheet, own_id = str(row["sheet"]), row[TABS[tab].model._id_column]
    legs = []
    for label, reached, how, column in LEGS[tab]:
        if how in ("theme", "cited"):
            positions = links.grouped(reached, column).get((sheet, own_id), np.empty(0, dtype=np.int64)).tolist()
        else:
            value = row[column]
            ids = value if isinstance(value, tuple) else (value,) if isinstance(value, str) else ()
            where = links.where(reached)
            positions = [where[(sheet, item)] for item in ids if (sheet, item) in where]
        if positions:
            legs.append(Leg(label, reached, _linked(links, reached, positions)))
    return tuple(legs)


def _linked(links: _Links, tab: str, positions: list[int]) -> tuple[Linked, ...]:
    ids = links.column(tab, TABS[tab].model._id_column)[positions].tolist()
    titles = links.column(tab, title_column(tab))[positions].tolist()
    return tuple(Linked(position, str(row_id), str(title))
                 for position, row_id, title in zip(positions, ids, titles, strict=True))
