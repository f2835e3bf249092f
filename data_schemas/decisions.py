"""The ``decisions`` tab: closing the loop — what changed in decisions, discovery cadence or bets."""

from typing import ClassVar

import pandas as pd
from pandera.typing import Series

from data_schemas.base import TabModel, column

DECISION_CATEGORIES = ("decision", "discovery_cadence", "bet")
DECISION_STATUSES = ("active", "superseded", "reverted")
IMPACT_SCORES = (1.0, 2.0, 3.0, 4.0, 5.0)


class Decisions(TabModel):
    """A short write-up of something that changed, and the learning it traces back to."""

    _id_column: ClassVar[str] = "decision_id"
    _quarter_from: ClassVar[str] = "date"
    _derived_id_prefix: ClassVar[str] = "D"

    decision_id: Series[str] = column("id", example="D-001",
                                      help="Blank is fine: an id is derived from the row number.")
    date: Series[pd.Timestamp] = column("date", required=True, example="2026-03-02")
    category: Series[str] = column("choice", required=True, choices=DECISION_CATEGORIES, example="bet")
    summary: Series[str] = column("text", required=True,
                                  example="Moved discovery interviews from monthly to weekly")
    theme_id: Series[str] = column("id", refers_to="themes", example="T-2026Q1-PRICING")
    source_ids: Series[object] = column("id_list", refers_to="sources", example="S-003, S-011",
                                     help="Comma list of the sources this learning came from.")
    critique_ids: Series[object] = column("id_list", refers_to="critiques", example="C-014",
                                       help="Comma list of the critiques this learning came from.")
    commitment_id: Series[str] = column("id", refers_to="commitments", example="K-004")
    impact: Series[float] = column("number", choices=IMPACT_SCORES, example="4",
                                   help="Whole number from 1 (small) to 5 (large).")
    owner: Series[str] = column("name", example="Maya Chen")
    team: Series[str] = column("name", example="Checkout")
    status: Series[str] = column("choice", choices=DECISION_STATUSES, default="active",
                                 help="Blank means active.")
    supersedes: Series[str] = column("id", refers_to="decisions", example="D-002",
                                     help="The decision_id this one replaces.")
