"""The loaded workbook: validated tables, the rows left out, and every issue found on the way."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Literal

import pandas as pd

from data_schemas import TABS, ParseOptions

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


@dataclass(frozen=True)
class Issue:
    """One thing a sheet editor can fix: where it is, what was typed and what to type instead.

    ``row`` is the row number the editor sees in the sheet (the header row is 1); it is None
    for problems with a whole tab or column.
    """

    tab: str
    row: int | None
    column: str | None
    value: str | None
    severity: Severity
    message: str
    sheet: str | None = None
    #: The cell in A1 notation (``C7``), when the issue is about one cell.
    cell: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


ISSUE_COLUMNS = ["sheet", "tab", "row", "column", "value", "severity", "message", "cell"]


@dataclass(frozen=True, eq=False)
class Workbook:
    """Validated frames per tab (index = sheet row number), quarantined rows and issues.

    Every table has a ``sheet`` column: the sheet (or file) each row came from. Ids belong to their
    sheet, so a roll-up of several sheets (:func:`learnloop.load.merge`) holds each sheet's ``S-003``
    apart. A workbook is never changed once loaded; it compares and hashes by identity, so what is
    worked out from it can be kept for it (:mod:`learnloop.metrics.cache`).
    """

    source: str
    tables: dict[str, pd.DataFrame]
    quarantined: dict[str, pd.DataFrame]
    issues: tuple[Issue, ...]
    options: ParseOptions = ParseOptions()
    #: The tab title each canonical tab was read from, or None when the tab is missing.
    tab_titles: dict[str, str | None] = field(default_factory=dict)
    #: Columns present in the sheet but not part of the contract, per tab.
    ignored_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    #: (sheet title or None, tab) -> link that opens the tab in Google Sheets; empty for files.
    tab_links: dict[tuple[str | None, str], str] = field(default_factory=dict)
    #: (sheet title or None, tab) -> each contract column's letter in that tab (``{"title": "C"}``), keyed
    #: as :attr:`tab_links` is: with a tab's link, a cell's link (``…&range=C7``).
    column_letters: dict[tuple[str | None, str], dict[str, str]] = field(default_factory=dict)
    loaded_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def themes(self) -> pd.DataFrame:
        return self.tables["themes"]

    @property
    def sources(self) -> pd.DataFrame:
        return self.tables["sources"]

    @property
    def critiques(self) -> pd.DataFrame:
        return self.tables["critiques"]

    @property
    def commitments(self) -> pd.DataFrame:
        return self.tables["commitments"]

    @property
    def decisions(self) -> pd.DataFrame:
        return self.tables["decisions"]

    def cell_link(self, sheet: str | None, tab: str, row: int, column: str | None = None) -> str | None:
        """A link that opens sheet row ``row`` of ``tab`` in Google Sheets, at ``column``'s cell when the
        sheet has it (the whole row otherwise); None for a workbook read from a file."""
        key = (sheet, tab) if (sheet, tab) in self.tab_links else (None, tab)
        link = self.tab_links.get(key)
        if link is None:
            return None
        letter = self.column_letters.get(key, {}).get(column or "")
        return f"{link}&range={letter}{row}" if letter else f"{link}&range={row}:{row}"

    def issues_frame(self) -> pd.DataFrame:
        """The issues as a table, errors first, then by tab and row."""
        severity_rank = {severity: rank for rank, severity in enumerate(SEVERITIES)}
        tab_rank = {tab: rank for rank, tab in enumerate(TABS)}
        # Python's sort is stable, as sort_values(kind="stable") is: equal keys keep the order found.
        issues = sorted(self.issues, key=lambda issue: (severity_rank.get(issue.severity, len(SEVERITIES)),
                                                        tab_rank.get(issue.tab, len(TABS)), issue.row or 0))
        frame = pd.DataFrame([[getattr(issue, column) for column in ISSUE_COLUMNS] for issue in issues],
                             columns=ISSUE_COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        return frame

    def count(self, severity: Severity, tab: str | None = None) -> int:
        return sum(1 for i in self.issues if i.severity == severity and (tab is None or i.tab == tab))

    @property
    def has_errors(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)

    @property
    def sheets(self) -> list[str]:
        """The sheets (or files) the tables came from: one, or several for a roll-up."""
        return [str(sheet) for sheet in self.tables["themes"]["sheet"].cat.categories]

    @property
    def left_out(self) -> int:
        """Rows left out of every number because of an error (quarantined), in all tabs."""
        return sum(len(rows) for rows in self.quarantined.values())

    def summary(self) -> dict[str, dict[str, int]]:
        """Rows kept and quarantined per tab, for every tab of the contract."""
        return {
            tab: {"rows": len(self.tables[tab]), "quarantined": len(self.quarantined[tab])}
            for tab in TABS
        }
