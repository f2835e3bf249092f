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


@dataclass(frozen=True)
class Workbook:
    """Validated frames per tab (index = sheet row number), quarantined rows and issues."""

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

    def issues_frame(self) -> pd.DataFrame:
        """The issues as a table, errors first, then by tab and row."""
        frame = pd.DataFrame([issue.to_dict() for issue in self.issues], columns=ISSUE_COLUMNS)
        frame["row"] = frame["row"].astype("Int64")
        rank = frame["severity"].map({s: i for i, s in enumerate(SEVERITIES)})
        tab_rank = frame["tab"].map({t: i for i, t in enumerate(TABS)})
        order = pd.DataFrame({"s": rank, "t": tab_rank, "r": frame["row"].fillna(0)}).sort_values(["s", "t", "r"])
        return frame.loc[order.index].reset_index(drop=True)

    def count(self, severity: Severity, tab: str | None = None) -> int:
        return sum(1 for i in self.issues if i.severity == severity and (tab is None or i.tab == tab))

    @property
    def has_errors(self) -> bool:
        return any(issue.severity == "error" for issue in self.issues)

    def summary(self) -> dict[str, dict[str, int]]:
        """Rows kept and quarantined per tab, for every tab of the contract."""
        return {
            tab: {"rows": len(self.tables[tab]), "quarantined": len(self.quarantined[tab])}
            for tab in TABS
        }
