"""The workbook contract (format version 1): one pandera model per sheet tab.

``TABS`` lists the five tabs in the order the playbook runs: pick a theme, curate sources,
critique with peers, commit to an artifact, close the loop with a decision write-up.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from data_schemas.base import ParseOptions, RowRule, TabModel, parse_options
from data_schemas.commitments import Commitments
from data_schemas.critiques import Critiques
from data_schemas.decisions import Decisions
from data_schemas.sources import Sources
from data_schemas.themes import Themes

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Tab:
    name: str
    model: type[TabModel]
    aliases: tuple[str, ...] = ()
    purpose: str = ""


TABS: dict[str, Tab] = {
    tab.name: tab
    for tab in (
        Tab("themes", Themes, (), "One row per quarterly learning theme."),
        Tab("sources", Sources, ("pln", "learning network"),
            "The personal learning network: people, newsletters, podcasts and courses you learn from."),
        Tab("critiques", Critiques, ("peer circle",),
            "Peer-circle critiques of experiments, roadmaps and discovery plans."),
        Tab("commitments", Commitments, ("artifacts",),
            "The talk, guide or workshop each person commits to ship."),
        Tab("decisions", Decisions, ("decision changes",),
            "Write-ups of what changed in decisions, discovery cadence or bets."),
    )
}


def name_key(name: object) -> str:
    """How tab and header names are matched: any case, ignoring spaces, ``_`` and ``-``."""
    return re.sub(r"[\s_\-]+", "", str(name)).lower()


def tab_for(title: str) -> str | None:
    """The canonical tab a sheet tab title stands for, or None when it is not part of the contract."""
    ranked = _title_rank(title)
    return ranked[0] if ranked else None


def _title_rank(title: str) -> tuple[str, int] | None:
    """The tab ``title`` stands for and how closely: 0 its exact name (``sources``), 1 another spelling
    of it (``Sources``), 2 and on its aliases in the order the tab lists them (``PLN``)."""
    key = name_key(title)
    for tab in TABS.values():
        if title == tab.name:
            return tab.name, 0
        if key == name_key(tab.name):
            return tab.name, 1
        for position, alias in enumerate(tab.aliases):
            if key == name_key(alias):
                return tab.name, 2 + position
    return None


def contract_titles(titles: Iterable[str]) -> dict[str, list[str]]:
    """Canonical tab -> every title in ``titles`` that stands for it, the one to read first.

    One rule for every source (an .xlsx file, a CSV folder, a Google Sheet), so the same workbook
    always reads the same tab: the tab's exact name, then another spelling of it, then its aliases
    in the order the tab lists them; titles that rank the same keep the workbook's own order.
    """
    ranked: dict[str, list[tuple[int, int, str]]] = {}
    for position, title in enumerate(titles):
        found = _title_rank(title)
        if found:
            ranked.setdefault(found[0], []).append((found[1], position, title))
    return {tab: [title for _, _, title in sorted(ranked[tab])] for tab in TABS if tab in ranked}


__all__ = ["FORMAT_VERSION", "TABS", "ParseOptions", "RowRule", "Tab", "TabModel", "contract_titles", "name_key",
           "parse_options", "tab_for"]
