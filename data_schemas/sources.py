"""The ``sources`` tab: the personal learning network (PLN) — who and what the team learns from."""

from typing import ClassVar

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from data_schemas.base import RowRule, TabModel, column

SOURCE_KINDS = ("person", "newsletter", "blog", "podcast", "book", "course", "community", "event", "other")


class Sources(TabModel):
    """A person, newsletter, podcast, course or community the team learns from."""

    _id_column: ClassVar[str] = "source_id"
    _quarter_from: ClassVar[str] = "added_on"
    _event_quarters: ClassVar[dict[str, str]] = {"pruned_quarter": "pruned_on"}
    _row_rules: ClassVar[dict[str, RowRule]] = {
        **TabModel._row_rules,
        "pruned_after_added": RowRule("pruned_on", "warning",
                                      "is before added_on; a source can only be pruned after it was added, "
                                      "so type a date on or after added_on, or leave it blank"),
    }

    source_id: Series[str] = column("id", required=True, example="S-001",
                                    help="Short unique id decisions use to cite the source.")
    name: Series[str] = column("text", required=True, example="Product Talk (Teresa Torres)")
    kind: Series[str] = column("choice", required=True, choices=SOURCE_KINDS, example="newsletter")
    theme_id: Series[str] = column("id", refers_to="themes", example="T-2026Q1-PRICING")
    owner: Series[str] = column("name", example="Maya Chen")
    team: Series[str] = column("name", example="Checkout")
    url: Series[str] = column("url", example="https://www.producttalk.org")
    added_on: Series[pd.Timestamp] = column("date", required=True, example="2026-01-15",
                                            help="When the source joined the network.")
    last_engaged_on: Series[pd.Timestamp] = column("date", example="2026-02-20",
                                                   help="Last time someone read, watched or talked to it.")
    pruned_on: Series[pd.Timestamp] = column("date", example="2026-06-30",
                                             help="When it was pruned from the network; blank while active.")
    notes: Series[str] = column("text")

    @pa.dataframe_check
    @classmethod
    def pruned_after_added(cls, df: pd.DataFrame) -> Series[bool]:
        return ~(df["pruned_on"] < df["added_on"]).fillna(False)
