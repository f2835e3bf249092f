"""The workbook contract (format version 1): one pandera model per sheet tab.

``TABS`` lists the five tabs in the order the playbook runs: pick a theme, curate sources,
critique with peers, commit to an artifact, close the loop with a decision write-up.
"""

from __future__ import annotations

import re
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
    key = name_key(title)
    for tab in TABS.values():
        if key in {name_key(tab.name), *(name_key(alias) for alias in tab.aliases)}:
            return tab.name
    return None


__all__ = ["FORMAT_VERSION", "TABS", "ParseOptions", "RowRule", "Tab", "TabModel", "name_key", "parse_options",
           "tab_for"]
