"""Configuration: the only module that reads ``st.secrets`` and the environment.

Everything else takes a :class:`Settings` (or the values in it) as arguments.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from data_schemas import ParseOptions
from learnloop.errors import SourceError

DEFAULT_REFRESH_SECONDS = 300
# Keys of a service-account JSON key file; [connections.gsheets] mixes them with its own settings.
SERVICE_ACCOUNT_KEYS = ("type", "project_id", "private_key_id", "private_key", "client_email", "client_id",
                        "auth_uri", "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url",
                        "universe_domain")


@dataclass(frozen=True)
class Settings:
    """Where the workbook comes from and how to read it. Secrets never appear in its repr."""

    source: str = "demo"
    sheets: tuple[str, ...] = ()
    day_first: bool = False
    fiscal_year_start_month: int = 1
    refresh_seconds: int = DEFAULT_REFRESH_SECONDS
    service_account: Mapping[str, Any] | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    sheets_api_url: str | None = None
    #: Seconds to wait for Google to answer one request, and to keep retrying one read.
    http_timeout: float = 20.0
    retry_seconds: float = 60.0
    #: Sign-in is required (an ``[auth]`` table is in secrets), and who may then see the data.
    auth: bool = False
    allowed_emails: tuple[str, ...] = ()
    allowed_domains: tuple[str, ...] = ()

    @property
    def options(self) -> ParseOptions:
        return ParseOptions(day_first=self.day_first, fiscal_year_start_month=self.fiscal_year_start_month)

    @property
    def is_demo(self) -> bool:
        return self.source == "demo" and not self.sheets

    @property
    def sources(self) -> tuple[str, ...]:
        """Every workbook to read: several sheets when ``sheets`` is set, else the one ``source``."""
        return self.sheets or (self.source,)


def resolve(secrets: Mapping[str, Any], environ: Mapping[str, str]) -> Settings:
    """Settings from a secrets mapping and environment variables; the environment wins.

    Secrets: ``[learnloop]`` (``sheet``, ``sheets``, ``source``, ``refresh_seconds``,
    ``fiscal_year_start_month``, ``day_first``), ``[gcp_service_account]``, or the
    st-gsheets-connection layout ``[connections.gsheets]``.
    """
    table = dict(secrets.get("learnloop", {}) or {})
    gsheets = dict((secrets.get("connections", {}) or {}).get("gsheets", {}) or {})

    source = (environ.get("LEARNLOOP_SHEET") or environ.get("LEARNLOOP_SOURCE") or table.get("sheet")
              or table.get("source") or gsheets.get("spreadsheet") or "demo")
    sheets = tuple(str(s) for s in (table.get("sheets") or ()))
    if environ.get("LEARNLOOP_SHEET") or environ.get("LEARNLOOP_SOURCE"):
        sheets = ()  # an explicit source in the environment replaces the configured list

    service_account = _service_account(secrets, gsheets, environ)
    fiscal = int(environ.get("LEARNLOOP_FISCAL_YEAR_START_MONTH", table.get("fiscal_year_start_month", 1)))
    if not 1 <= fiscal <= 12:
        raise ValueError(f"fiscal_year_start_month must be 1 to 12, not {fiscal}.")
    refresh = int(environ.get("LEARNLOOP_REFRESH_SECONDS", table.get("refresh_seconds", DEFAULT_REFRESH_SECONDS)))
    return Settings(
        source=str(source),
        sheets=sheets,
        day_first=_flag(environ.get("LEARNLOOP_DAY_FIRST", table.get("day_first", False))),
        fiscal_year_start_month=fiscal,
        refresh_seconds=max(refresh, 10),
        service_account=service_account,
        api_key=environ.get("LEARNLOOP_API_KEY") or table.get("api_key") or None,
        sheets_api_url=environ.get("LEARNLOOP_SHEETS_API_URL") or table.get("sheets_api_url") or None,
        http_timeout=float(environ.get("LEARNLOOP_HTTP_TIMEOUT", table.get("http_timeout", 20.0))),
        retry_seconds=float(environ.get("LEARNLOOP_RETRY_SECONDS", table.get("retry_seconds", 60.0))),
        auth=_auth_configured(secrets.get("auth")),
        allowed_emails=tuple(str(e).strip().lower() for e in table.get("allowed_emails", ()) if str(e).strip()),
        allowed_domains=tuple(str(d).strip().lower().lstrip("@") for d in table.get("allowed_domains", ())
                              if str(d).strip()),
    )


def _auth_configured(auth: object) -> bool:
    """Whether Streamlit's sign-in can run: ``[auth]`` with a redirect URI and a cookie secret."""
    return isinstance(auth, Mapping) and bool(auth.get("redirect_uri")) and bool(auth.get("cookie_secret"))


def _service_account(secrets: Mapping[str, Any], gsheets: Mapping[str, Any],
                     environ: Mapping[str, str]) -> dict[str, Any] | None:
    if secrets.get("gcp_service_account"):
        return dict(secrets["gcp_service_account"])
    if gsheets.get("type") == "service_account":
        return {key: gsheets[key] for key in SERVICE_ACCOUNT_KEYS if key in gsheets}
    path = environ.get("GOOGLE_APPLICATION_CREDENTIALS")
    if path:
        try:
            return json.loads(Path(path).expanduser().read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise SourceError(f"GOOGLE_APPLICATION_CREDENTIALS points at {path}, which is not a readable "
                              f"service-account JSON key ({type(exc).__name__}).") from None
    return None


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
    except FileNotFoundError:  # no secrets.toml: environment only, else the demo workbook
        secrets = {}
    return resolve(secrets, os.environ)
