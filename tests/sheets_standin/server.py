"""The HTTP server: routing, authentication, fault injection and bookkeeping.

One ``RLock`` guards all state. Every API operation runs entirely under it, so two appends can
never interleave (Google's appends are atomic too); sleeps for injected hangs happen outside it.
"""

from __future__ import annotations

import contextlib
import json
import re
import secrets
import socket
import string
import sys
import threading
import time
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import parse_qs, unquote, urlsplit

from .auth import GOOGLE_TOKEN_URI, Authority, OAuthError, Principal
from .cells import Cell, Scalar, from_python, python_value
from .fields import apply_mask, parse_mask
from .workbook import (
    JSON,
    ApiError,
    Role,
    Spreadsheet,
    Tab,
    invalid_argument,
    not_a_google_sheet,
    not_found,
    permission_denied,
)

Endpoint = Literal[
    "metadata",
    "values_get",
    "batch_get",
    "append",
    "update",
    "clear",
    "batch_update",
    "values_batch_update",
    "values_batch_clear",
    "token",
    "allowed_locations",
    "other",
]
ENDPOINTS: tuple[Endpoint, ...] = (
    "metadata", "values_get", "batch_get", "append", "update", "clear", "batch_update",
    "values_batch_update", "values_batch_clear", "token", "allowed_locations", "other",
)
"""Request kinds in :attr:`SheetsStandin.counts`. "allowed_locations" is google-auth's background
lookup after each token refresh (its timing varies; ignore it in exact assertions); "other" is
anything unrouted (answered with Google's HTML 404)."""
FaultKind = Literal["429", "500", "503", "403", "hang", "non_json"]
FAULT_KINDS: tuple[FaultKind, ...] = ("429", "500", "503", "403", "hang", "non_json")

_ID_ALPHABET = string.ascii_letters + string.digits + "-_"

# What Google's front end sends when its backend is unreachable: HTML, not JSON.
BAD_GATEWAY_HTML = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
    '  <meta name=viewport content="initial-scale=1, minimum-scale=1, width=device-width">\n'
    "  <title>Error 502 (Server Error)!!1</title>\n"
    "  <a href=//www.google.com/><span id=logo aria-label=Google></span></a>\n"
    "  <p><b>502.</b> <ins>That\u2019s an error.</ins>\n"
    "  <p>The server encountered a temporary error and could not complete your request."
    "<p>Please try again in 30 seconds.  <ins>That\u2019s all we know.</ins>\n"
)

NOT_FOUND_HTML = (
    "<!DOCTYPE html>\n<html lang=en>\n  <meta charset=utf-8>\n"
    "  <title>Error 404 (Not Found)!!1</title>\n"
    "  <p><b>404.</b> <ins>That\u2019s an error.</ins>\n"
    "  <p>The requested URL <code>{path}</code> was not found on this server.  "
    "<ins>That\u2019s all we know.</ins>\n"
)

UNAUTHENTICATED_MESSAGE = (
    "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. See "
    "https://developers.google.com/identity/sign-in/web/devconsole-project."
)


# ---------------------------------------------------------------------------- records ---


@dataclass
class RequestRecord:
    """One request as received (faulted ones included). ``status`` is None if it was dropped."""

    method: str
    path: str
    query: dict[str, list[str]]
    endpoint: Endpoint
    spreadsheet_id: str | None
    body: Any
    status: int | None = None
    at: float = field(default_factory=time.time)


@dataclass
class AppendRecord:
    """Every ``values.append`` (and, in :attr:`SheetsStandin.batch_updates`, every ``batchUpdate``)
    body received, and whether it landed in the sheet."""

    spreadsheet_id: str
    range: str
    query: dict[str, str]
    body: Any
    applied: bool = False
    status: int | None = None

    @property
    def values(self) -> list[list[Any]]:
        return list(self.body.get("values") or []) if isinstance(self.body, dict) else []


@dataclass
class Fault:
    """An injected failure; see :meth:`SheetsStandin.inject`. ``hits`` counts uses so far."""

    kind: FaultKind
    remaining: int | None
    methods: Literal["read", "write"] | None
    endpoints: frozenset[str] | None
    apply: bool
    hang_seconds: float
    after_hang: Literal["drop", "answer"]
    hits: int = 0

    def matches(self, route: _Route) -> bool:
        if self.endpoints is not None:
            if route.endpoint not in self.endpoints:
                return False
        elif route.endpoint in ("token", "allowed_locations", "other"):
            return False  # auth and unrouted traffic are only faulted when asked for by name
        if self.methods == "read":
            return not route.is_write
        if self.methods == "write":
            return route.is_write
        return True


@dataclass(frozen=True)
class _Route:
    endpoint: Endpoint
    spreadsheet_id: str | None = None
    range: str | None = None
    is_write: bool = False


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/json; charset=UTF-8"

    @classmethod
    def json(cls, status: int, payload: Any, *, pretty: bool = True) -> _Reply:
        """JSON as Google sends it: indented unless the request asked for ``prettyPrint=false``
        (a system parameter of every Google API)."""
        if not pretty:
            return cls(status, json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
        return cls(status, json.dumps(payload, ensure_ascii=False, indent=2).encode("utf-8"))


def _pretty(query: dict[str, list[str]]) -> bool:
    """Google indents its JSON replies unless ``prettyPrint`` (or ``$prettyPrint``) is false."""
    values = query.get("prettyPrint") or query.get("$prettyPrint") or ["true"]
    return values[-1].strip().lower() not in ("false", "0")


# ------------------------------------------------------------------------------ routing ---

_SPREADSHEET_PATH = re.compile(r"^/v4/spreadsheets/([^/:]+)(.*)$")
_RAB_PATH = re.compile(r"^/v1/projects/[^/]+/serviceAccounts/[^/]+/allowedLocations$")


def _route(method: str, raw_path: str) -> _Route:
    if raw_path == "/token":
        return _Route("token", is_write=False) if method == "POST" else _Route("other")
    if method == "GET" and _RAB_PATH.match(raw_path):
        return _Route("allowed_locations")
    m = _SPREADSHEET_PATH.match(raw_path)
    if not m:
        return _Route("other")
    sid, rest = unquote(m.group(1)), m.group(2)
    simple: dict[tuple[str, str], Endpoint] = {
        ("GET", ""): "metadata",
        ("POST", ":batchUpdate"): "batch_update",
        ("GET", "/values:batchGet"): "batch_get",
        ("POST", "/values:batchUpdate"): "values_batch_update",
        ("POST", "/values:batchClear"): "values_batch_clear",
    }
    if (method, rest) in simple:
        endpoint = simple[(method, rest)]
        return _Route(endpoint, sid, is_write=method != "GET")
    if rest.startswith("/values/") and len(rest) > len("/values/"):
        raw_range = rest[len("/values/") :]
        # The verb is the last ":word" of the still-encoded path; ":" inside A1:B2 is usually encoded.
        for verb, endpoint in ((":append", "append"), (":clear", "clear")):
            if raw_range.endswith(verb) and method == "POST":
                return _Route(endpoint, sid, unquote(raw_range[: -len(verb)]), is_write=True)  # type: ignore[arg-type]
        if method == "GET":
            return _Route("values_get", sid, unquote(raw_range))
        if method == "PUT":
            return _Route("update", sid, unquote(raw_range), is_write=True)
    return _Route("other", sid)


# ------------------------------------------------------------------------------- server ---


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    standin: SheetsStandin

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that time out and hang up are part of the tests, not errors worth a traceback.
        if isinstance(sys.exc_info()[1], OSError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Google's front end
    server: _Server
    timeout = 30  # idle keep-alive connections are closed after this
    # Headers and body leave in one segment: written separately, they meet the client's delayed
    # ACK and every keep-alive request stalls ~40 ms.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def setup(self) -> None:
        super().setup()
        self.server.standin._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.standin._track(self.connection, add=False)

    def _dispatch(self) -> None:
        self.server.standin._handle(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the request log lives in SheetsStandin.requests


class SheetsStandin:
    """A local Google Sheets API v4 (and OAuth token endpoint) for tests.

    >>> with SheetsStandin() as standin:
    ...     sid = standin.add_spreadsheet({"Sheet1": [["name"], ["Ada"]]})
    ...     standin.base_url  # doctest: +SKIP
    'http://127.0.0.1:54321'

    ``require_auth=False`` lets any request in as an owner, for tests that only care about data.
    """

    def __init__(
        self, *, host: str = "127.0.0.1", port: int = 0, require_auth: bool = True,
        accept_any_api_key: bool = False, hang_seconds: float = 2.0,
    ) -> None:
        self.host = host
        self.port = port
        self.require_auth = require_auth
        self.accept_any_api_key = accept_any_api_key
        self.api_keys: set[str] = set()
        self.default_hang_seconds = hang_seconds
        self.authority = Authority()
        self.requests: list[RequestRecord] = []
        self.appends: list[AppendRecord] = []
        self.batch_updates: list[AppendRecord] = []
        self.internal_errors: list[str] = []
        self._lock = threading.RLock()
        self._spreadsheets: dict[str, Spreadsheet] = {}
        self._faults: list[Fault] = []
        self._counts: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()

    # ------------------------------------------------------------------------ lifecycle ---

    def start(self) -> Self:
        if self._server is not None:
            return self
        self._stopping.clear()
        server = _Server((self.host, self.port), _Handler)
        server.standin = self
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=f"sheets-standin:{self.port}", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()  # wakes up handlers sleeping in an injected hang
        server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the stand-in is not running; call start() first")
        return f"http://{self.host}:{self.port}"

    @property
    def token_url(self) -> str:
        return self.base_url + "/token"

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # --------------------------------------------------------------------------- data ---

    def add_spreadsheet(
        self,
        tabs: Mapping[str, Sequence[Sequence[object]]],
        title: str = "Learning Loop",
        locale: str = "en_US",
        spreadsheet_id: str | None = None,
        *,
        time_zone: str = "Etc/GMT",
        public: bool = False,
        grid: Mapping[str, tuple[int, int]] | None = None,
        user_entered: bool = False,
        share_with: Mapping[str, Role] | None = None,
        excel_file: bool = False,
    ) -> str:
        """Create a spreadsheet; returns its id.

        ``tabs`` maps tab titles to rows of Python values (str, int, float, bool, date, datetime,
        None, or :class:`~tests.sheets_standin.cells.Formula`). Strings are stored as typed, like
        RAW input; ``user_entered=True`` parses them as if typed into Sheets ("42" -> 42).
        Each tab's grid is at least 1000 x 26 unless ``grid`` gives (rows, columns) for it.
        ``excel_file=True`` makes it an Excel file uploaded to Drive: its id is a Drive file id (33
        characters, not a spreadsheet's 44) and the API refuses every call on it as Google does.
        """
        length = 32 if excel_file else 43
        sid = spreadsheet_id or "1" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(length))
        sheet = Spreadsheet(sid, title, locale=locale, time_zone=time_zone, public=public, excel_file=excel_file)
        for tab_title, rows in (tabs or {"Sheet1": []}).items():
            sheet.add_tab(tab_title, rows, grid=(grid or {}).get(tab_title), user_entered=user_entered)
        sheet.acl.update(share_with or {})
        with self._lock:
            if sid in self._spreadsheets:
                raise ValueError(f"spreadsheet {sid} already exists")
            self._spreadsheets[sid] = sheet
        return sid

    def remove_spreadsheet(self, spreadsheet_id: str) -> None:
        with self._lock:
            self._spreadsheets.pop(spreadsheet_id, None)

    def share(self, spreadsheet_id: str, client_email: str, role: Role = "reader") -> None:
        with self._lock:
            self._sheet(spreadsheet_id).acl[client_email] = role

    def unshare(self, spreadsheet_id: str, client_email: str) -> None:
        with self._lock:
            self._sheet(spreadsheet_id).acl.pop(client_email, None)

    def set_public(self, spreadsheet_id: str, public: bool = True) -> None:
        """"Anyone with the link can view": readable with an API key or any account."""
        with self._lock:
            self._sheet(spreadsheet_id).public = public

    def add_api_key(self, key: str | None = None) -> str:
        key = key or "AIza" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(35))
        with self._lock:
            self.api_keys.add(key)
        return key

    def register_service_account(self, client_email: str, key_id: str, public_key_pem: str) -> None:
        self.authority.register(client_email, key_id, public_key_pem)

    def rename_tab(self, spreadsheet_id: str, old: str, new: str) -> None:
        with self._lock:
            sheet = self._sheet(spreadsheet_id)
            if sheet.find_tab(new) is not None:
                raise ValueError(f"tab {new!r} already exists")
            self._tab(spreadsheet_id, old).title = new

    def delete_tab(self, spreadsheet_id: str, title: str) -> None:
        with self._lock:
            sheet = self._sheet(spreadsheet_id)
            sheet.tabs.remove(self._tab(spreadsheet_id, title))

    def add_tab(self, spreadsheet_id: str, title: str, rows: Sequence[Sequence[object]] = (),
                *, grid: tuple[int, int] | None = None) -> int:
        """Add a tab (as another user would); returns its sheetId."""
        with self._lock:
            return self._sheet(spreadsheet_id).add_tab(title, rows, grid=grid).sheet_id

    def set_cell(self, spreadsheet_id: str, tab: str, row: int, col: int, value: Scalar) -> None:
        """Overwrite one cell; ``row`` and ``col`` are 0-based like the ``tabs`` lists (row 0 = header)."""
        with self._lock:
            sheet = self._sheet(spreadsheet_id)
            target = self._tab(spreadsheet_id, tab)
            target.row_count = max(target.row_count, row + 1)
            target.column_count = max(target.column_count, col + 1)
            target.put(row, col, from_python(value, locale=sheet.locale))
            target.truncate()

    def values(self, spreadsheet_id: str, tab: str) -> list[list[Scalar]]:
        """The tab's stored values as Python objects (blank = None), trailing blanks trimmed."""
        with self._lock:
            target = self._tab(spreadsheet_id, tab)
            return [[python_value(cell) for cell in line] for line in target.rows]

    def cells(self, spreadsheet_id: str, tab: str) -> list[list[Cell | None]]:
        """The tab's stored cells (value, formula, number format), for assertions on how a value was stored."""
        with self._lock:
            return [list(line) for line in self._tab(spreadsheet_id, tab).rows]

    def tab_titles(self, spreadsheet_id: str) -> list[str]:
        with self._lock:
            return [t.title for t in self._sheet(spreadsheet_id).tabs]

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        """The live model object, for assertions the helpers above do not cover. Hold no references
        across requests without ``standin.lock``."""
        return self._sheet(spreadsheet_id)

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def _sheet(self, spreadsheet_id: str) -> Spreadsheet:
        try:
            return self._spreadsheets[spreadsheet_id]
        except KeyError:
            raise KeyError(f"no spreadsheet {spreadsheet_id!r} in the stand-in") from None

    def _tab(self, spreadsheet_id: str, title: str) -> Tab:
        tab = self._sheet(spreadsheet_id).find_tab(title)
        if tab is None:
            raise KeyError(f"no tab {title!r} in spreadsheet {spreadsheet_id!r}")
        return tab

    # -------------------------------------------------------------------------- faults ---

    def inject(
        self,
        kind: FaultKind,
        times: int | None = 1,
        methods: Literal["read", "write"] | None = None,
        *,
        endpoints: str | Sequence[str] | None = None,
        apply: bool = False,
        hang_seconds: float | None = None,
        after_hang: Literal["drop", "answer"] = "drop",
    ) -> Fault:
        """Make the next ``times`` matching requests fail (``times=None``: until :meth:`clear_faults`).

        * ``kind``: "429" RESOURCE_EXHAUSTED, "500" INTERNAL, "503" UNAVAILABLE, "403"
          PERMISSION_DENIED (Google's JSON bodies); "non_json" a 502 HTML page as Google's front
          end sends; "hang" sleeps ``hang_seconds`` (default: the stand-in's ``hang_seconds``) and
          then drops the connection, or answers normally with ``after_hang="answer"``.
        * ``methods``: only reads (GET) or only writes; ``endpoints``: only these endpoint names
          (see :data:`ENDPOINTS`; the token endpoint is faulted only when named here).
        * ``apply=True``: the request is carried out first and *then* the failure is sent, so
          the client cannot tell that its write landed - the case exactly-once writes must survive.
          Without it a plain "hang" + "answer" still applies the write, late, after the client
          has given up.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; expected one of {FAULT_KINDS}")
        names = frozenset([endpoints] if isinstance(endpoints, str) else endpoints) if endpoints else None
        if names is not None and not names <= set(ENDPOINTS):
            raise ValueError(f"unknown endpoints {sorted(names - set(ENDPOINTS))}")
        fault = Fault(kind, times, methods, names, apply,
                      self.default_hang_seconds if hang_seconds is None else hang_seconds, after_hang)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, route: _Route) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(route):
                    fault.hits += 1
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    # ---------------------------------------------------------------------- bookkeeping ---

    @property
    def counts(self) -> dict[str, int]:
        """Requests received per endpoint since the last :meth:`reset_counts` (faulted ones too)."""
        with self._lock:
            return dict(self._counts)

    def reset_counts(self) -> None:
        with self._lock:
            self._counts = dict.fromkeys(ENDPOINTS, 0)
            self.requests.clear()
            self.appends.clear()
            self.batch_updates.clear()

    # ------------------------------------------------------------------------ handling ---

    def _handle(self, h: _Handler) -> None:
        split = urlsplit(h.path)
        query = parse_qs(split.query, keep_blank_values=True)
        raw_body = _read_body(h)
        route = _route(h.command, split.path)
        body = _decode_body(raw_body, h.headers.get("Content-Type", ""))
        record = RequestRecord(h.command, unquote(split.path), query, route.endpoint, route.spreadsheet_id, body)
        append: AppendRecord | None = None
        with self._lock:
            self._counts[route.endpoint] += 1
            self.requests.append(record)
            if route.endpoint in ("append", "batch_update"):
                append = AppendRecord(route.spreadsheet_id or "", route.range or "",
                                      {k: v[-1] for k, v in query.items()}, body)
                (self.appends if route.endpoint == "append" else self.batch_updates).append(append)

        fault = self._take_fault(route)
        if fault is not None and not fault.apply:
            if fault.kind != "hang":
                self._send(h, record, _fault_reply(fault, route))
                if append is not None:
                    append.status = record.status
                return
            self._stopping.wait(fault.hang_seconds)
            if fault.after_hang == "drop" or self._stopping.is_set():
                h.close_connection = True
                return

        reply = self._respond(h, route, query, raw_body, body)
        if append is not None:
            append.applied = reply.status == 200
            append.status = reply.status
        if fault is not None and fault.apply:
            if fault.kind == "hang":
                self._stopping.wait(fault.hang_seconds)
                if fault.after_hang == "drop" or self._stopping.is_set():
                    h.close_connection = True
                    if append is not None:
                        append.status = None  # applied, but no answer ever left
                    return
            else:
                reply = _fault_reply(fault, route)
                if append is not None:
                    append.status = reply.status
        self._send(h, record, reply)

    def _send(self, h: _Handler, record: RequestRecord, reply: _Reply) -> None:
        record.status = reply.status
        try:
            h.send_response(reply.status)
            h.send_header("Content-Type", reply.content_type)
            h.send_header("Content-Length", str(len(reply.body)))
            h.end_headers()
            h.wfile.write(reply.body)
            h.wfile.flush()
        except OSError:
            h.close_connection = True  # the client gave up (e.g. its timeout fired during a hang)

    def _respond(self, h: _Handler, route: _Route, query: dict[str, list[str]], raw_body: bytes, body: Any) -> _Reply:
        try:
            if route.endpoint == "token":
                return self._token(body)
            if route.endpoint == "allowed_locations":
                # google-auth's regional-access-boundary lookup: answering 404 fast makes it back
                # off quietly instead of retrying, and adds no x-allowed-locations header.
                return _Reply.json(404, not_found().body())
            if route.endpoint == "other":
                return _Reply(404, NOT_FOUND_HTML.format(path=h.path).encode(), "text/html; charset=UTF-8")
            params = {k: v[-1] for k, v in query.items()}
            principal = self._authenticate(h, params)
            if raw_body and body is None:
                raise invalid_argument("Invalid JSON payload received. Unexpected token.")
            with self._lock:
                sheet = self._spreadsheets.get(route.spreadsheet_id or "")
                if sheet is None:
                    raise not_found()
                self._authorize(principal, sheet, route.is_write)
                if sheet.excel_file:
                    raise not_a_google_sheet()
                result = self._operate(sheet, route, query, params, body or {})
            if "fields" in params:
                try:
                    result = apply_mask(result, parse_mask(params["fields"]))
                except ValueError:
                    raise invalid_argument("Request contains an invalid argument.") from None
            return _Reply.json(200, result, pretty=_pretty(query))
        except ApiError as err:
            return _Reply.json(err.code, err.body(), pretty=_pretty(query))
        except OAuthError as err:
            return _Reply.json(err.status, err.body())
        except Exception:  # a stand-in bug must surface as a 500 *and* be visible to the test
            trace = traceback.format_exc()
            with self._lock:
                self.internal_errors.append(trace)
            return _Reply.json(500, ApiError(500, "Internal error encountered.", "INTERNAL").body())

    def _operate(self, sheet: Spreadsheet, route: _Route, query: dict[str, list[str]],
                 params: dict[str, str], body: Any) -> JSON:
        render = (
            params.get("valueRenderOption", "FORMATTED_VALUE"),
            params.get("dateTimeRenderOption", "SERIAL_NUMBER"),
            params.get("majorDimension", "ROWS"),
        )
        match route.endpoint:
            case "metadata":
                return sheet.metadata()
            case "values_get":
                return sheet.read(route.range or "", *render)
            case "batch_get":
                response: JSON = {"spreadsheetId": sheet.spreadsheet_id}
                ranges = query.get("ranges", [])
                if ranges:
                    response["valueRanges"] = [sheet.read(r, *render) for r in ranges]
                return response
            case "append":
                return sheet.append(route.range or "", _as_object(body), params)
            case "update":
                return sheet.update(route.range or "", _as_object(body), params)
            case "clear":
                return sheet.clear(route.range or "")
            case "batch_update":
                return sheet.batch_update(_as_object(body))
            case "values_batch_update":
                return sheet.batch_update_values(_as_object(body))
            case "values_batch_clear":
                cleared = [sheet.clear(str(r))["clearedRange"] for r in _as_object(body).get("ranges") or []]
                return {"spreadsheetId": sheet.spreadsheet_id, "clearedRanges": cleared}
        raise AssertionError(f"unrouted endpoint {route.endpoint}")

    def _token(self, form: Any) -> _Reply:
        fields = form if isinstance(form, dict) else {}
        audiences = {self.token_url, GOOGLE_TOKEN_URI, "https://accounts.google.com/o/oauth2/token"}
        flat = {k: (v[-1] if isinstance(v, list) else str(v)) for k, v in fields.items()}
        return _Reply.json(200, self.authority.exchange(flat, audiences))

    def _authenticate(self, h: _Handler, params: Mapping[str, str]) -> Principal:
        header = h.headers.get("Authorization")
        api_key = params.get("key") or h.headers.get("x-goog-api-key")
        if header:
            scheme, _, token = header.partition(" ")
            principal = self.authority.principal_for_bearer(token.strip()) if scheme.lower() == "bearer" else None
            if principal is None:
                raise ApiError(401, UNAUTHENTICATED_MESSAGE, "UNAUTHENTICATED")
            return principal
        if api_key:
            with self._lock:
                valid = self.accept_any_api_key or api_key in self.api_keys
            if not valid:
                raise ApiError(400, "API key not valid. Please pass a valid API key.", "INVALID_ARGUMENT", [
                    {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                     "domain": "googleapis.com", "metadata": {"service": "sheets.googleapis.com"}},
                ])
            return Principal(None, can_read=True, can_write=False, via_api_key=True)
        if not self.require_auth:
            return _OPEN_DOOR
        # What Google answers a request with no credentials at all (not 401).
        raise permission_denied("The request is missing a valid API key.")

    @staticmethod
    def _authorize(principal: Principal, sheet: Spreadsheet, is_write: bool) -> None:
        if principal is _OPEN_DOOR:
            return
        if principal.via_api_key:
            if is_write:
                raise ApiError(
                    401,
                    "API keys are not supported by this API. Expected OAuth2 access token or other "
                    "authentication credentials that assert a principal. See "
                    "https://cloud.google.com/docs/authentication",
                    "UNAUTHENTICATED",
                )
            if not sheet.public:
                raise permission_denied()
            return
        if not principal.can_read or (is_write and not principal.can_write):
            raise permission_denied("Request had insufficient authentication scopes.")
        role = sheet.acl.get(principal.email or "")
        if role is None and sheet.public and not is_write:
            return
        if role is None or (is_write and role == "reader"):
            raise permission_denied()


_OPEN_DOOR = Principal("anyone@standin.invalid", can_read=True, can_write=True)


def _fault_reply(fault: Fault, route: _Route) -> _Reply:
    if fault.kind == "non_json":
        return _Reply(502, BAD_GATEWAY_HTML.encode("utf-8"), "text/html; charset=UTF-8")
    if fault.kind == "429":
        kind = "Write" if route.is_write else "Read"
        return _Reply.json(429, ApiError(
            429,
            f"Quota exceeded for quota metric '{kind} requests' and limit '{kind} requests per minute per user' "
            "of service 'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
            "RESOURCE_EXHAUSTED",
            [
                {
                    "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                    "reason": "RATE_LIMIT_EXCEEDED",
                    "domain": "googleapis.com",
                    "metadata": {
                        "service": "sheets.googleapis.com",
                        "quota_metric": f"sheets.googleapis.com/{kind.lower()}_requests",
                        "quota_limit": f"{kind}RequestsPerMinutePerUser",
                        "quota_limit_value": "60",
                        "consumer": "projects/000000000000",
                        "quota_location": "global",
                    },
                },
            ],
        ).body())
    if fault.kind == "500":
        return _Reply.json(500, ApiError(500, "Internal error encountered.", "INTERNAL").body())
    if fault.kind == "503":
        return _Reply.json(503, ApiError(503, "The service is currently unavailable.", "UNAVAILABLE").body())
    if fault.kind == "403":
        return _Reply.json(403, permission_denied().body())
    raise AssertionError(f"no reply for fault kind {fault.kind}")


def _read_body(h: _Handler) -> bytes:
    if h.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(h.rfile.readline().strip() or b"0", 16)
            if size == 0:
                h.rfile.readline()
                break
            chunks.append(h.rfile.read(size))
            h.rfile.readline()
        return b"".join(chunks)
    length = int(h.headers.get("Content-Length") or 0)
    return h.rfile.read(length) if length else b""


def _decode_body(raw: bytes, content_type: str) -> Any:
    """JSON for the API, form fields for the token endpoint; None if absent or unparseable."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if "application/x-www-form-urlencoded" in content_type:
        return parse_qs(text, keep_blank_values=True)
    try:
        return json.loads(text)
    except ValueError:
        return None


def _as_object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid_argument("Invalid JSON payload received. Expected an object.")
    return body
