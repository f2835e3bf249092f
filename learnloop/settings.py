"""Configuration: the only module that reads ``st.secrets`` and the environment.

Everything else takes a :class:`Settings` (or the values in it) as arguments.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from data_schemas import ParseOptions

DEFAULT_REFRESH_SECONDS = 300


@dataclass(frozen=True)
class Settings:
    """Where the workbook comes from and how to read it."""

    source: str = "demo"
    day_first: bool = False
    fiscal_year_start_month: int = 1
    refresh_seconds: int = DEFAULT_REFRESH_SECONDS

    @property
    def options(self) -> ParseOptions:
        return ParseOptions(day_first=self.day_first, fiscal_year_start_month=self.fiscal_year_start_month)

    @property
    def is_demo(self) -> bool:
        return self.source == "demo"


def resolve(secrets: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Settings from a secrets mapping (``[learnloop]`` table) and environment variables.

    The environment wins over secrets so a deployment can override a committed default.
    """
    table = dict(secrets.get("learnloop", {}) or {})
    source = environ.get("LEARNLOOP_SOURCE") or table.get("source") or "demo"
    day_first = _flag(environ.get("LEARNLOOP_DAY_FIRST", table.get("day_first", False)))
    fiscal = int(environ.get("LEARNLOOP_FISCAL_YEAR_START_MONTH", table.get("fiscal_year_start_month", 1)))
    if not 1 <= fiscal <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1 to 12, not {fiscal}.")
    refresh = int(environ.get("LEARNLOOP_REFRESH_SECONDS", table.get("refresh_seconds", DEFAULT_REFRESH_SECONDS)))
    return Settings(source=str(source), day_first=day_first, fiscal_year_start_month=fiscal,
                    refresh_seconds=max(refresh, 10))


def _flag(value: object) -> bool:
    return value if isinstance(value, bool) else str(value).strip().lower() in {"1", "true", "yes", "on"}


def from_environment() -> Settings:
    """Settings for the CLI and scripts: environment variables only."""
    return resolve({}, os.environ)


def from_streamlit() -> Settings:
    """Settings for the app: ``.streamlit/secrets.toml`` (when present) and the environment."""
    import streamlit as st

    try:
        secrets: Mapping[str, Any] = st.secrets.to_dict()
    except FileNotFoundError:  # no secrets.toml: the demo workbook
        secrets = {}
    return resolve(secrets, os.environ)
