"""The ``critiques`` tab: peer-circle sessions where the team learns *with* people."""

from typing import ClassVar

import pandas as pd
from pandera.typing import Series

from data_schemas.base import TabModel, column

ARTIFACT_TYPES = ("experiment", "roadmap", "discovery_plan", "prototype", "strategy", "other")
CRITIQUE_FORMATS = ("peer_circle", "hackathon", "meetup", "workshop", "other")
ROLES = ("PM", "Design", "Eng", "Data", "Research", "Other")


class Critiques(TabModel):
    """One critique of an experiment, roadmap or discovery plan, and who was in the room."""

    _id_column: ClassVar[str] = "critique_id"
    _quarter_from: ClassVar[str] = "date"
    _derived_id_prefix: ClassVar[str] = "C"

    critique_id: Series[str] = column("id", example="C-001",
                                      help="Blank is fine: an id is derived from the row number.")
    date: Series[pd.Timestamp] = column("date", required=True, example="2026-01-15")
    artifact_type: Series[str] = column("choice", required=True, choices=ARTIFACT_TYPES, example="experiment")
    artifact: Series[str] = column("text", required=True, example="Annual-plan anchor test on the pricing page")
    format: Series[str] = column("choice", choices=CRITIQUE_FORMATS, default="peer_circle",
                                 help="Blank means peer_circle.")
    theme_id: Series[str] = column("id", refers_to="themes", example="T-2026Q1-PRICING")
    presenter: Series[str] = column("name", example="Maya Chen")
    roles: Series[object] = column("choice_list", choices=ROLES, example="PM, Design, Eng",
                                help="Comma list of the roles present.")
    participants: Series[object] = column("name_list", example="Maya Chen, Jonas Weber, Aisha Bello",
                                       help="Comma list of names.")
    feedback: Series[str] = column("text")
    follow_up: Series[str] = column("text")
    team: Series[str] = column("name", example="Checkout")
