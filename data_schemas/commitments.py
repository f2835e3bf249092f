"""The ``commitments`` tab: the artifact each person commits publicly to ship."""

from typing import ClassVar

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_schemas.base import RowRule, TabModel, column

COMMITMENT_KINDS = ("talk", "guide", "workshop", "post", "course", "other")
AUDIENCES = ("internal", "public")
COMMITMENT_STATUSES = ("planned", "in_progress", "shipped", "dropped")


class Commitments(TabModel):
    """A talk, guide or workshop someone committed to, and whether and when it shipped."""

    _id_column: ClassVar[str] = "commitment_id"
    _quarter_from: ClassVar[str] = "committed_on"
    _event_quarters: ClassVar[dict[str, str]] = {"shipped_quarter": "shipped_on"}
    _derived_id_prefix: ClassVar[str] = "K"
    _row_rules: ClassVar[dict[str, RowRule]] = {
        **TabModel._row_rules,
        "shipped_has_date": RowRule("shipped_on", "warning",
                                    "is blank but status is shipped; type the date it shipped (2026-01-15)"),
    }

    commitment_id: Series[str] = column("id", example="K-001",
                                        help="Blank is fine: an id is derived from the row number.")
    title: Series[str] = column("text", required=True, example="Talk: what our pricing tests taught us")
    kind: Series[str] = column("choice", required=True, choices=COMMITMENT_KINDS, example="talk")
    audience: Series[str] = column("choice", choices=AUDIENCES, example="public")
    theme_id: Series[str] = column("id", refers_to="themes", example="T-2026Q1-PRICING")
    owner: Series[str] = column("name", example="Maya Chen")
    committed_on: Series[pd.Timestamp] = column("date", required=True, example="2026-01-20")
    due_on: Series[pd.Timestamp] = column("date", example="2026-03-15")
    shipped_on: Series[pd.Timestamp] = column("date", example="2026-03-12")
    status: Series[str] = column("choice", choices=COMMITMENT_STATUSES, example="shipped")
    url: Series[str] = column("url", example="https://example.com/talk")
    team: Series[str] = column("name", example="Checkout")

    @pa.dataframe_check
    @classmethod
    def shipped_has_date(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["status"].eq("shipped").fillna(False) & df["shipped_on"].isna())
