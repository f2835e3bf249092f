"""Google Sheets through the real gspread client: one-request reads, bounded retries, clear errors.

Everything here takes its inputs as arguments (sheet key, credentials, base URL); only
``learnloop.settings`` decides where those come from.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import gspread
import requests
import urllib3
from google.auth import api_key as google_api_key
from google.auth import exceptions as google_auth_errors
from google.auth.transport.requests import AuthorizedSession
from google.oauth2 import service_account
from gspread.urls import SPREADSHEET_VALUES_BATCH_URL
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from data_schemas import TABS, contract_titles
from learnloop import collector
from learnloop.errors import SourceError
from learnloop.validate import ColumnarTab, RawTab

try:  # a batchGet of a sheet at Google's limit is hundreds of MB of JSON: orjson reads it several times faster
    import orjson
except ImportError:  # pragma: no cover - the standard library reads it too
    orjson = None  # type: ignore[assignment]

GOOGLE_SHEETS_URL = "https://sheets.googleapis.com"
SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
METADATA_TTL_SECONDS = 3600.0
# While a sheet lacks a contract tab (deleted by mistake, not added yet), its tab list is read again
# after a minute rather than an hour, so a restored or newly added tab is seen at the next refresh.
MISSING_TAB_TTL_SECONDS = 60.0
# Sheets' own render options: numbers as numbers and dates as serial numbers whatever the locale.
# prettyPrint=false: Google indents its JSON by default, which at the 10-million-cell limit makes the
# batchGet body several times larger (one line and its indentation per cell).
READ_PARAMS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
               "majorDimension": "ROWS", "prettyPrint": "false"}
# Locales whose people write 03/04/2026 for March 4; everywhere else the day comes first.
MONTH_FIRST_LOCALES = {"en_US", "en_PH", "fil_PH", "en_CA", "es_US", "en_AS", "en_GU", "en_PR", "en_UM", "en_VI"}

_KEY_IN_URL = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]{20,})")
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]{25,}$")
_GOOGLE_LINK = re.compile(r"(?:docs|drive|sheets)\.google\.com/|/spreadsheets/d/", re.I)
_PUBLISHED_LINK = re.compile(r"/spreadsheets/d/e/", re.I)
_DRIVE_FILE_LINK = re.compile(r"drive\.google\.com/(?:file/d/|open\?)", re.I)

T = TypeVar("T")


class SheetError(SourceError):
    """A Google Sheet could not be read or written; the message says what to do."""

    def __init__(self, message: str, *, status: int | None = None, transient: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.transient = transient


def sheet_key(url_or_key: str) -> str | None:
    """The spreadsheet key in a Google Sheets URL or a bare key, or None when it is neither."""
    found = _KEY_IN_URL.search(url_or_key)
    if found:
        return found.group(1)
    text = url_or_key.strip()
    return text if _BARE_KEY.match(text) else None


def link_problem(text: str) -> str | None:
    """What is wrong with a Google link that holds no spreadsheet key Learning Loop can read, or None
    when ``text`` is a usable key or no Google link at all."""
    if sheet_key(text) is not None or not _GOOGLE_LINK.search(text):
        return None
    if _PUBLISHED_LINK.search(text):
        return (f"{text} is a 'Publish to the web' link, which has no spreadsheet key. Open the sheet itself and "
                f"use the link in the browser's address bar (…/spreadsheets/d/<key>/edit).")
    if _DRIVE_FILE_LINK.search(text):
        return (f"{text} is a Google Drive link, not a Google Sheets link. Open the file: a Google Sheet shows its "
                f"own link in the browser's address bar (…/spreadsheets/d/<key>/edit); an Excel file needs File → "
                f"Save as Google Sheets first, then use the new sheet's link.")
    return (f"{text} is a Google Sheets link, but this link has no valid spreadsheet key. The key is the part "
            f"between /d/ and /edit: about 44 letters, digits, - and _ (like "
            f"https://docs.google.com/spreadsheets/d/1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdE/edit). Copy "
            f"the whole link from the browser's address bar while the sheet is open.")


def edit_url(key: str, gid: int | None = None, cell: str | None = None) -> str:
    """A link that opens the sheet (at a tab and cell when given) in Google Sheets."""
    url = f"https://docs.google.com/spreadsheets/d/{key}/edit"
    if gid is not None:
        url += f"#gid={gid}" + (f"&range={cell}" if cell else "")
    return url


@dataclass(frozen=True)
class Access:
    """How to reach the Sheets API: a service account, or an API key for public sheets.

    Secrets never appear in its repr (a reader is cached and may be logged or shown in a trace).
    """

    service_account: Mapping[str, Any] | None = field(default=None, repr=False)
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None  # replaces https://sheets.googleapis.com (stand-in, proxy)
    timeout: tuple[float, float] = (5.0, 20.0)

    @property
    def client_email(self) -> str | None:
        return (self.service_account or {}).get("client_email")

    @property
    def configured(self) -> bool:
        return bool(self.service_account or self.api_key)


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter for transient failures."""

    max_seconds: float = 60.0
    max_attempts: int = 6
    first_wait: float = 0.5
    max_wait: float = 16.0


class _BaseURLSession(AuthorizedSession):
    """gspread's session, with Google's API host replaced by a configured base URL."""

    def __init__(self, credentials: Any, base_url: str | None) -> None:
        super().__init__(credentials)
        self._base_url = base_url.rstrip("/") if base_url else None

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if self._base_url and url.startswith(GOOGLE_SHEETS_URL):
            url = self._base_url + url[len(GOOGLE_SHEETS_URL):]
        return super().request(method, url, *args, **kwargs)


def connect(access: Access) -> gspread.Client:
    """A gspread client for ``access`` (no request is made until it is used)."""
    if access.service_account:
        missing = [name for name in ("client_email", "private_key", "token_uri")
                   if not access.service_account.get(name)]
        if missing:
            raise SourceError(f"The service-account credentials are incomplete: {' and '.join(missing)} "
                              f"{'is' if len(missing) == 1 else 'are'} missing. Paste the whole JSON key into "
                              "[gcp_service_account] in .streamlit/secrets.toml.")
        try:
            credentials: Any = service_account.Credentials.from_service_account_info(
                dict(access.service_account), scopes=list(SCOPES))
        except (ValueError, KeyError) as exc:
            raise SourceError(f"The service-account credentials are incomplete ({exc}). Paste the whole JSON key "
                              "into [gcp_service_account] in .streamlit/secrets.toml.") from None
    elif access.api_key:
        credentials = google_api_key.Credentials(access.api_key)
    else:
        raise SourceError("No Google credentials are configured. Add a service account ([gcp_service_account] in "
                          ".streamlit/secrets.toml or GOOGLE_APPLICATION_CREDENTIALS) or, for a public sheet, "
                          "LEARNLOOP_API_KEY.")
    client = gspread.Client(auth=None, session=_BaseURLSession(credentials, access.base_url))  # type: ignore[arg-type]
    client.http_client.auth = credentials  # type: ignore[attr-defined]
    client.http_client.set_timeout(access.timeout)
    return client


def call(fn: Callable[[], T], *, access: Access, key: str, policy: RetryPolicy, writing: bool = False) -> T:
    """Run one API call with bounded retries; translate what fails into a :class:`SheetError`."""
    retrying = Retrying(
        stop=stop_after_delay(policy.max_seconds) | stop_after_attempt(policy.max_attempts),
        wait=wait_random_exponential(multiplier=policy.first_wait, max=policy.max_wait),
        retry=retry_if_exception(is_transient),
        reraise=False,
    )
    try:
        return retrying(fn)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        raise explain(last, access, key, writing, attempts=exc.last_attempt.attempt_number) from None
    except Exception as exc:  # every failure becomes a message a person can act on
        if isinstance(exc, SheetError):
            raise
        raise explain(exc, access, key, writing) from None


def _status(exc: BaseException | None) -> int | None:
    if isinstance(exc, gspread.exceptions.APIError):
        return exc.response.status_code
    return None


def is_transient(exc: BaseException) -> bool:
    status = _status(exc)
    if status is not None:
        return status in (408, 429) or status >= 500
    if isinstance(exc, gspread.exceptions.APIError):
        return True  # an error body that is not Google's JSON: a proxy or front end hiccup
    if isinstance(exc, google_auth_errors.TransportError | google_auth_errors.RefreshError):
        # Getting an access token failed: unreachable or 5xx is worth a retry, a refused key is not.
        return isinstance(exc, google_auth_errors.TransportError) or exc.retryable
    return isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout
                      | requests.exceptions.ChunkedEncodingError | requests.exceptions.JSONDecodeError)


def write_access_needed(api_key: bool) -> str:
    """What to do when rows are to be added with no service account: an API key (``api_key``) can only
    read a sheet, and with no credentials at all there is nothing to write with."""
    how = ("share the sheet with a service account as Editor, and give Learning Loop the account's JSON key "
           "(GOOGLE_APPLICATION_CREDENTIALS, or [gcp_service_account] in .streamlit/secrets.toml).")
    if api_key:
        return "An API key can only read: " + how
    return "Adding rows to a Google Sheet needs a service account: " + how


def explain(exc: BaseException | None, access: Access, key: str, writing: bool, attempts: int = 1) -> SheetError:
    status = _status(exc)
    who = access.client_email
    if writing and status in (401, 403) and access.api_key and not access.service_account:
        return SheetError(write_access_needed(True), status=status)
    role = "Editor" if writing else "Viewer (Editor to add rows)"
    if status == 403:
        if who:
            return SheetError(f"Learning Loop may not {'write to' if writing else 'read'} the sheet {key}. Share "
                              f"the sheet with {who} as {role}.", status=403)
        return SheetError(f"The sheet {key} is not public. Share it as 'Anyone with the link can view', or "
                          f"configure a service account.", status=403)
    if status == 404:
        return SheetError(f"There is no Google Sheet with the key {key}. Check the sheet URL or key in the "
                          f"settings.", status=404)
    if status in (401,):
        return SheetError("Google refused the credentials. Check the service-account key (it may have been "
                          "deleted or rotated).", status=401)
    if status == 400 and _is_office_file(exc):
        return SheetError(f"The link is to an Excel file stored in Drive, not a Google Sheet ({key}): Google Sheets "
                          "cannot read it. Open it and choose File → Save as Google Sheets, then use the new "
                          "link.", status=400)
    if status == 400:
        return SheetError(f"Google Sheets refused the request: {_api_message(exc)}", status=400)
    if status == 429:
        return SheetError(f"Google Sheets is rate-limiting requests (429) after {attempts} tries. "
                          "Learning Loop will try again on the next refresh.", status=429, transient=True)
    if status is not None:
        return SheetError(f"Google Sheets answered with an error ({status}) after {attempts} tries. "
                          "Learning Loop will try again on the next refresh.", status=status, transient=True)
    if isinstance(exc, google_auth_errors.RefreshError) and not exc.retryable:
        return SheetError("Google refused the service-account credentials. Check the service-account key (it may "
                          "have been deleted or rotated).", status=401)
    if isinstance(exc, google_auth_errors.TransportError | google_auth_errors.RefreshError):
        return SheetError(f"Cannot sign in to Google (its token service failed) after {attempts} tries. Learning "
                          "Loop will try again on the next refresh.", transient=True)
    if isinstance(exc, requests.exceptions.Timeout):
        return SheetError(f"Google Sheets did not answer in time after {attempts} tries. Learning Loop will try "
                          "again on the next refresh.", transient=True)
    if isinstance(exc, requests.exceptions.ConnectionError):
        return SheetError(f"Cannot reach Google Sheets ({type(exc).__name__}) after {attempts} tries. Check the "
                          "network; Learning Loop will try again on the next refresh.", transient=True)
    if isinstance(exc, gspread.exceptions.APIError):
        return SheetError(f"Google Sheets sent an answer Learning Loop could not read after {attempts} tries. "
                          "It will try again on the next refresh.", transient=True)
    return SheetError(f"Reading the Google Sheet failed: {type(exc).__name__}: {exc}")


def _is_office_file(exc: BaseException | None) -> bool:
    """Whether Google refused because the file is an Excel file in Drive rather than a Google Sheet
    (the editor opens it, the Sheets API does not)."""
    if not isinstance(exc, gspread.exceptions.APIError):
        return False
    return exc.error.get("status") == "FAILED_PRECONDITION" and "not supported for this document" in _api_message(exc)


def _api_message(exc: BaseException | None) -> str:
    if isinstance(exc, gspread.exceptions.APIError):
        return str(exc.error.get("message", exc))
    return str(exc)


@dataclass(frozen=True)
class SheetMeta:
    """What a refresh needs to know about a spreadsheet besides its values."""

    key: str
    title: str
    locale: str
    gids: dict[str, int]  # tab title -> sheetId

    @property
    def day_first(self) -> bool:
        return self.locale not in MONTH_FIRST_LOCALES

    def contract_tabs(self) -> dict[str, str]:
        """Canonical tab -> the tab title read for it (:func:`data_schemas.contract_titles`: the same
        rule as for files, so a sheet and its download read the same tab)."""
        return {tab: titles[0] for tab, titles in contract_titles(self.gids).items()}


@dataclass(frozen=True)
class SheetRead:
    meta: SheetMeta
    tabs: dict[str, RawTab]


def fetch_metadata(client: gspread.Client, key: str, *, access: Access, policy: RetryPolicy) -> SheetMeta:
    """Title, locale and tabs of a spreadsheet (one request)."""
    body = call(lambda: client.http_client.fetch_sheet_metadata(
        key, params={"fields": "properties(title,locale),sheets.properties(sheetId,title,index)"}),
        access=access, key=key, policy=policy)
    properties = body.get("properties", {})
    sheets = sorted((s["properties"] for s in body.get("sheets", [])), key=lambda p: p.get("index", 0))
    return SheetMeta(key=key, title=properties.get("title", key), locale=properties.get("locale", "en_US"),
                     gids={p["title"]: p["sheetId"] for p in sheets})


def quote_range(title: str) -> str:
    """A tab title as an A1 range: quoted, with single quotes doubled."""
    return "'" + title.replace("'", "''") + "'"


def _read_body(response: requests.Response) -> bytes:
    """The whole body in one read, with the errors requests raises when it reads a body itself."""
    try:
        return response.raw.read(decode_content=True)
    except urllib3.exceptions.ProtocolError as exc:
        raise requests.exceptions.ChunkedEncodingError(exc) from exc
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except urllib3.exceptions.ReadTimeoutError as exc:
        raise requests.exceptions.ConnectionError(exc) from exc
    except urllib3.exceptions.SSLError as exc:
        raise requests.exceptions.SSLError(exc) from exc


def _get_value_ranges(client: gspread.Client, url: str, params: Mapping[str, Any], count: int) -> list[RawTab]:
    """GET a ``values:batchGet`` as gspread's client does (an :class:`gspread.exceptions.APIError` for
    an error answer) and return the values of each of its ``count`` ranges, as raw tabs.

    A batchGet of a sheet at Google's limit is hundreds of MB of JSON. The body is read into one
    buffer (``response.json()`` would hold it twice: chunks, then joined), each range is parsed on its
    own (with orjson where installed: several times faster than the standard library) and kept by
    column at once (:class:`ColumnarTab`), so the Python objects of only one range exist at a time.
    """
    http = client.http_client
    response = http.session.request("get", url, params=params, timeout=http.timeout, stream=True)
    try:
        if not response.ok:
            raise gspread.exceptions.APIError(response)
        body = _read_body(response)
    finally:
        response.close()
    with collector.paused():
        spans = _range_spans(body, count) if orjson is not None else None
        if spans is not None:
            view = memoryview(body)
            tabs: list[RawTab] = []
            for start, end in spans:
                try:
                    value_range = orjson.loads(view[start:end])
                except orjson.JSONDecodeError:
                    break
                if not isinstance(value_range, dict):
                    break
                tabs.append(ColumnarTab.from_rows(value_range.get("values", []), compact=True))
                del value_range
            else:
                return tabs
            del tabs
        parsed = _loads(body, response)
        del body
        ranges = parsed.get("valueRanges", [])
        tabs = []
        for position, value_range in enumerate(ranges):
            tabs.append(ColumnarTab.from_rows(value_range.get("values", []), compact=True))
            ranges[position] = None  # its cells are kept by column now
        return tabs


def _loads(body: bytes, response: requests.Response) -> Any:
    """The body as JSON: what ``response.json()`` gives, and raises when it is not JSON."""
    if orjson is not None:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass  # not JSON orjson accepts: let requests decide, and raise its own error
    response._content = body  # what requests would have read: its decoder then says what is wrong
    return response.json()


_RANGE_KEY = b'"range"'
_JSON_SPACE = b" \t\r\n"


def _range_spans(body: bytes, count: int) -> list[tuple[int, int]] | None:
    """Where each of the ``count`` objects of ``valueRanges`` starts and ends in the body, or None.

    Each starts with its "range" key. Outside a string, ``{`` then ``"range"`` then ``:`` can only be
    such an object's first key (inside a string every quote is escaped, and values are arrays); each
    span is then checked by parsing it on its own. None (read the body whole) when anything differs.
    The search stops at the last object's start: its values need not be scanned (anything unexpected
    after it makes its span fail to parse on its own).
    """
    starts: list[int] = []
    at = body.find(_RANGE_KEY)
    while at != -1:
        before = at - 1
        while before >= 0 and body[before] in _JSON_SPACE:
            before -= 1
        after = at + len(_RANGE_KEY)
        while after < len(body) and body[after] in _JSON_SPACE:
            after += 1
        if before >= 0 and body[before] == ord("{") and after < len(body) and body[after] == ord(":"):
            starts.append(before)
            if len(starts) == count:
                break
        at = body.find(_RANGE_KEY, at + len(_RANGE_KEY))
    if len(starts) != count:
        return None
    spans = []
    for position, start in enumerate(starts):
        limit = starts[position + 1] if position + 1 < count else body.rfind(b"]")
        end = body.rfind(b"}", start, limit) + 1
        if end <= start:
            return None
        spans.append((start, end))
    return spans


def fetch_values(client: gspread.Client, meta: SheetMeta, *, access: Access,
                 policy: RetryPolicy) -> dict[str, RawTab]:
    """The values of every contract tab, in one ``values:batchGet`` request.

    Each tab comes as a :class:`ColumnarTab`: a sequence of rows like any raw tab, held by column.
    """
    titles = list(meta.contract_tabs().values())
    if not titles:
        return {}
    params = {**READ_PARAMS, "ranges": [quote_range(t) for t in titles]}
    tabs = call(lambda: _get_value_ranges(client, SPREADSHEET_VALUES_BATCH_URL % meta.key, params, len(titles)),
                access=access, key=meta.key, policy=policy)
    # Google drops trailing empty cells and rows; the validator pads rows as it builds its frame.
    return dict(zip(titles, tabs, strict=False))


@dataclass
class SheetReader:
    """Reads one or more spreadsheets; keeps their metadata for an hour (a minute while a contract tab
    is missing) so a refresh is one request."""

    access: Access
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    metadata_ttl: float = METADATA_TTL_SECONDS
    _client: gspread.Client | None = field(default=None, init=False, repr=False)
    _metadata: dict[str, tuple[float, SheetMeta]] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @property
    def client(self) -> gspread.Client:
        with self._lock:
            if self._client is None:
                self._client = connect(self.access)
            return self._client

    def metadata(self, key: str, *, fresh: bool = False) -> SheetMeta:
        with self._lock:
            cached = self._metadata.get(key)
        if cached and not fresh:
            ttl = min(self.metadata_ttl, MISSING_TAB_TTL_SECONDS) if missing_tabs_hint(cached[1]) else self.metadata_ttl
            if time.monotonic() - cached[0] < ttl:
                return cached[1]
        meta = fetch_metadata(self.client, key, access=self.access, policy=self.policy)
        with self._lock:
            self._metadata[key] = (time.monotonic(), meta)
        return meta

    def forget(self, key: str) -> None:
        with self._lock:
            self._metadata.pop(key, None)

    def read(self, key: str) -> SheetRead:
        """Metadata (cached) and the values of every contract tab.

        When the sheet changed shape since the metadata was cached (a tab renamed or deleted),
        the batch read fails with 400; the metadata is read again once and the read repeated.
        """
        meta = self.metadata(key)
        try:
            return SheetRead(meta, fetch_values(self.client, meta, access=self.access, policy=self.policy))
        except SheetError as exc:
            if exc.status != 400:
                raise
        meta = self.metadata(key, fresh=True)
        return SheetRead(meta, fetch_values(self.client, meta, access=self.access, policy=self.policy))


def missing_tabs_hint(meta: SheetMeta) -> list[str]:
    """Contract tabs the sheet does not have (for `init-sheet` and messages)."""
    return [tab for tab in TABS if tab not in meta.contract_tabs()]
