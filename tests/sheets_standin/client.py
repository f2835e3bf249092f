"""Pointing real Google clients (google-auth, gspread) at the stand-in.

gspread hard-codes ``https://sheets.googleapis.com`` and google-auth may call other Google hosts
in the background (the "allowed locations" lookup after a token refresh). Mounting a transport
adapter for those hosts sends all of it to the stand-in, so nothing leaves the machine and the
client code under test stays unmodified.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

import gspread
import requests
from google.auth.api_key import Credentials as ApiKeyCredentials
from google.auth.credentials import Credentials
from google.auth.transport.requests import AuthorizedSession, Request
from google.oauth2.service_account import Credentials as ServiceAccountCredentials
from requests.adapters import HTTPAdapter

from .auth import generate_key, service_account_info
from .server import SheetsStandin

GOOGLE_HOSTS = ("sheets.googleapis.com", "oauth2.googleapis.com", "iamcredentials.googleapis.com")


class RedirectAdapter(HTTPAdapter):
    """Sends requests for Google's hosts to ``target`` (scheme, host and port), path unchanged."""

    # requests pickles and deep-copies adapters through __attrs__ (google-auth deep-copies the
    # auth transport for its background thread); without this the target would be lost.
    __attrs__: ClassVar[list[str]] = [*HTTPAdapter.__attrs__, "target"]

    def __init__(self, target: str, **kwargs: Any) -> None:
        self.target = target.rstrip("/")
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        parts = urlsplit(request.url or "")
        request.url = self.target + parts.path + (f"?{parts.query}" if parts.query else "")
        return super().send(request, *args, **kwargs)


def redirect_session(session: requests.Session, base_url: str, hosts: Iterable[str] = GOOGLE_HOSTS) -> requests.Session:
    """Mount the redirect on ``session`` for every Google host; returns the same session."""
    adapter = RedirectAdapter(base_url)
    for host in hosts:
        session.mount(f"https://{host}/", adapter)
    return session


class StandinAuthorizedSession(AuthorizedSession):
    """google-auth's AuthorizedSession, with its API calls *and* its token refreshes redirected."""

    def __init__(self, credentials: Credentials, base_url: str, **kwargs: Any) -> None:
        auth_transport = redirect_session(requests.Session(), base_url)
        super().__init__(credentials, auth_request=Request(auth_transport), **kwargs)
        redirect_session(self, base_url)


def make_service_account(
    standin: SheetsStandin, client_email: str = "learnloop@demo-project.iam.gserviceaccount.com"
) -> dict[str, str]:
    """A fresh service-account JSON dict whose key the stand-in trusts.

    ``token_uri`` points at the stand-in, so google-auth (or any client honouring the file)
    exchanges its signed JWT there. Share spreadsheets with ``client_email`` to grant access.
    """
    key = generate_key()
    standin.register_service_account(client_email, key.key_id, key.public_key_pem)
    return service_account_info(client_email, key, standin.token_url)


def service_account_credentials(
    info: Mapping[str, str], scopes: Iterable[str] = gspread.auth.DEFAULT_SCOPES
) -> ServiceAccountCredentials:
    return ServiceAccountCredentials.from_service_account_info(dict(info), scopes=list(scopes))


def gspread_client(
    standin: SheetsStandin, info: Mapping[str, str], scopes: Iterable[str] = gspread.auth.DEFAULT_SCOPES
) -> gspread.Client:
    """A real gspread client, authenticated with a real JWT exchange against the stand-in."""
    credentials = service_account_credentials(info, scopes)
    return gspread.Client(auth=credentials, session=StandinAuthorizedSession(credentials, standin.base_url))


def gspread_api_key_client(standin: SheetsStandin, api_key: str) -> gspread.Client:
    """gspread's ``api_key()`` client (reads public spreadsheets), redirected to the stand-in."""
    credentials = ApiKeyCredentials(api_key)
    return gspread.Client(auth=credentials, session=StandinAuthorizedSession(credentials, standin.base_url))
