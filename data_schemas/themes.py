"""The ``themes`` tab: one row per learning theme a team picks for a quarter."""

from typing import ClassVar

from pandera.typing import Series

from data_schemas.base import TabModel, column

THEME_STATUSES = ("planned", "active", "done", "dropped")


class Themes(TabModel):
    """A quarterly learning theme and what "good" looks like when the team has learned it."""

    _id_column: ClassVar[str] = "theme_id"

    theme_id: Series[str] = column("id", required=True, example="T-2026Q1-PRICING",
                                   help="Short unique id other tabs use to refer to the theme.")
    quarter: Series[str] = column("quarter", required=True, example="2026-Q1",
                                  help="The quarter the theme is for.")
    title: Series[str] = column("text", required=True, example="Pricing and packaging")
    owner: Series[str] = column("name", example="Maya Chen")
    team: Series[str] = column("name", example="Checkout")
    definition_of_good: Series[str] = column(
        "text", example="We can run a pricing test end to end without outside help",
        help="What the team will be able to do when the theme has paid off.")
    status: Series[str] = column("choice", choices=THEME_STATUSES, default="active",
                                 help="Blank means active.")
