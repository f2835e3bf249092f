"""Configuration: the only module that reads ``st.secrets`` and the environment.

Everything else takes a :class:`Settings` (or the values in it) as arguments.
"""

from __future__ import annotations

import ipaddress
import json
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from data_schemas import ParseOptions
from learnloop.errors import SourceError

DEFAULT_REFRESH_SECONDS = 300
# Keys of a service-account JSON key file; [connections.gsheets] mixes them with its own settings.
SERVICE_ACCOUNT_KEYS = ("type", "project_id", "private_key_id", "private_key", "client_email", "client_id",
                        "auth_uri", "token_uri", "auth_provider_x509_cert_url", "client_x509_cert_url",
                        "universe_domain")


#: Where the digest's sent-log lives unless ``sent_log`` says otherwise (under ``$XDG_STATE_HOME`` when set).
DEFAULT_SENT_LOG = "~/.local/state/learnloop/digest-sent.json"
#: The files Streamlit reads secrets from, in order (a later one wins): the user's, then the project's.
SECRETS_FILES = (Path("~/.streamlit/secrets.toml"), Path(".streamlit/secrets.toml"))


@dataclass(frozen=True)
class DigestSettings:
    """Where the weekly digest goes (``[learnloop.digest]`` and ``[learnloop.people]`` in secrets).

    The SMTP URL, password and webhook URLs are secrets: they never appear in the repr, and
    :meth:`secrets` lists them so that anything shown or logged can be checked against them.
    """

    smtp_url: str | None = field(default=None, repr=False)
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    mail_from: str | None = None
    mail_to: tuple[str, ...] = ()
    slack_webhook_url: str | None = field(default=None, repr=False)
    teams_webhook_url: str | None = field(default=None, repr=False)
    #: The app's address (``https://learning.example.com``): items link to its pages.
    app_url: str | None = None
    #: The small file that remembers what was sent each week, so nothing is sent twice.
    sent_log: str = DEFAULT_SENT_LOG
    #: Seconds to wait for one answer, and to keep retrying one delivery.
    timeout: float = 20.0
    retry_seconds: float = 60.0
    #: Person (as named in the sheet) -> email address, for ``--per-person``.
    people: Mapping[str, str] = field(default_factory=dict, repr=False)
    #: Why the digest's settings cannot be used (a bad URL), when they cannot: the command refuses to
    #: send, and the app's pages still work.
    problem: str | None = None

    @property
    def configured(self) -> bool:
        """Whether any target is set: email (an SMTP URL and recipients), Slack or Teams."""
        return bool((self.smtp_url and self.mail_to) or self.slack_webhook_url or self.teams_webhook_url)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every secret value set: webhook URLs, the SMTP URL and its password (never to be shown)."""
        values = [self.smtp_url, self.smtp_password, self.slack_webhook_url, self.teams_webhook_url]
        if self.smtp_url:
            values.append(urlsplit(self.smtp_url).password)
        for url in (self.slack_webhook_url, self.teams_webhook_url):
            if url:  # the path and query carry the webhook's token: never show them on their own either
                parts = urlsplit(url)
                values += [parts.path if len(parts.path) > 8 else None, parts.query or None]
        return tuple(value for value in dict.fromkeys(values) if value)

    def address_of(self, person: str) -> str | None:
        """``person``'s email address from ``[learnloop.people]`` (names match ignoring case)."""
        wanted = " ".join(person.split()).casefold()
        return next((address for name, address in self.people.items()
                     if " ".join(name.split()).casefold() == wanted), None)


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
    digest: DigestSettings = field(default_factory=DigestSettings)

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
        digest=_digest_or_problem(table, environ),
    )


def _digest_or_problem(table: Mapping[str, Any], environ: Mapping[str, str]) -> DigestSettings:
    """The digest's settings; when one cannot work, none, with the reason (a typo in a webhook URL
    must not take the dashboard down)."""
    try:
        return _digest(table, environ)
    except (ValueError, TypeError) as exc:
        return DigestSettings(problem=str(exc))


def _digest(table: Mapping[str, Any], environ: Mapping[str, str]) -> DigestSettings:
    """``[learnloop.digest]`` and ``[learnloop.people]``, with their environment overrides. A value that
    cannot work is refused by its setting's name, never with the value (it may hold a password or token)."""
    digest = dict(table.get("digest", {}) or {})
    people = dict(table.get("people", {}) or {})

    def setting(name: str, variable: str | None = None) -> str | None:
        value = (environ.get(variable) if variable else None) or digest.get(name)
        return str(value).strip() or None if value is not None else None

    smtp_url = setting("smtp_url", "LEARNLOOP_SMTP_URL")
    if smtp_url and urlsplit(smtp_url).scheme.lower() not in ("smtp", "smtps"):
        raise ValueError("The SMTP URL (smtp_url, LEARNLOOP_SMTP_URL) must start with smtp:// or smtps://, "
                         "like smtps://user:password@smtp.example.com.")
    slack = setting("slack_webhook_url", "LEARNLOOP_SLACK_WEBHOOK_URL")
    teams = setting("teams_webhook_url", "LEARNLOOP_TEAMS_WEBHOOK_URL")
    for url, name in ((slack, "slack_webhook_url (LEARNLOOP_SLACK_WEBHOOK_URL)"),
                      (teams, "teams_webhook_url (LEARNLOOP_TEAMS_WEBHOOK_URL)")):
        if url and not _safe_web_url(url):
            raise ValueError(f"The webhook URL in {name} must be an https:// URL (http:// only to this machine).")
    app_url = setting("app_url", "LEARNLOOP_APP_URL")
    if app_url and not _safe_web_url(app_url, https_only=False):
        raise ValueError("app_url (LEARNLOOP_APP_URL) must be the app's http:// or https:// address.")
    to = environ.get("LEARNLOOP_DIGEST_TO") or digest.get("to") or ()
    to = to.replace(";", ",").split(",") if isinstance(to, str) else list(to)
    state = environ.get("XDG_STATE_HOME")
    default_log = str(Path(state) / "learnloop" / "digest-sent.json") if state else DEFAULT_SENT_LOG
    return DigestSettings(
        smtp_url=smtp_url,
        smtp_user=setting("smtp_user"),
        smtp_password=setting("smtp_password"),
        mail_from=setting("from", "LEARNLOOP_DIGEST_FROM"),
        mail_to=tuple(dict.fromkeys(str(address).strip() for address in to if str(address).strip())),
        slack_webhook_url=slack,
        teams_webhook_url=teams,
        app_url=app_url.rstrip("/") if app_url else None,
        sent_log=setting("sent_log", "LEARNLOOP_DIGEST_SENT_LOG") or default_log,
        timeout=float(environ.get("LEARNLOOP_DIGEST_TIMEOUT") or digest.get("timeout", 20.0)),
        retry_seconds=float(environ.get("LEARNLOOP_DIGEST_RETRY_SECONDS") or digest.get("retry_seconds", 60.0)),
        people={str(name).strip(): str(address).strip() for name, address in people.items()
                if str(name).strip() and str(address).strip()},
    )


def _safe_web_url(url: str, *, https_only: bool = True) -> bool:
    """An https:// URL with a host, or http:// to this machine (a relay or a test receiver), where a
    token in the URL never crosses a network in the clear."""
    parts = urlsplit(url)
    if not parts.hostname or parts.scheme.lower() not in ("http", "https"):
        return False
    return parts.scheme.lower() == "https" or not https_only or is_loopback(parts.hostname)


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (127.0.0.1, ::1, localhost)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host.lower() == "localhost"


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


def from_secrets_files(path: Path | None = None) -> Settings:
    """Settings for a command run outside the app (a scheduled digest): the secrets files Streamlit
    reads (``~/.streamlit/secrets.toml``, then ``.streamlit/secrets.toml`` here; only ``path`` when
    given) and the environment, which wins."""
    merged: dict[str, Any] = {}
    for candidate in (path,) if path is not None else SECRETS_FILES:
        file = candidate.expanduser()
        if not file.is_file():
            continue
        try:
            secrets = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            # The parser's message gives the line and column only, never the text (it may be a secret).
            raise SourceError(f"{file} cannot be read as TOML: {exc}") from None
        merged = _merged(merged, secrets)
    return resolve(merged, os.environ)


def _merged(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """``over`` laid on ``base``, table by table."""
    out = dict(base)
    for key, value in over.items():
        out[key] = _merged(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), Mapping) \
            else value
    return out


def from_streamlit() -> Settings:
    """Settings for the app: ``.streamlit/secrets.toml`` (when present) and the environment."""
    import streamlit as st

    try:
        secrets: Mapping[str, Any] = st.secrets.to_dict()
    except FileNotFoundError:  # no secrets.toml: environment only, else the demo workbook
        secrets = {}
    return resolve(secrets, os.environ)
