"""A faithful local stand-in for the Google Sheets API v4 and Google's OAuth token endpoint.

Answers in the shapes of the real recorded responses in
``/work/shared/google-sheets-api-recordings/`` (checked by ``tests/test_standin_shapes.py``) and
is driven by the real gspread client in ``tests/test_standin_gspread.py``.

Typical use::

    with SheetsStandin() as standin:
        sid = standin.add_spreadsheet({"Sources": [["Title", "Added"], ["Blog", date(2026, 1, 15)]]})
        account = make_service_account(standin)
        standin.share(sid, account["client_email"], "writer")
        gc = gspread_client(standin, account)
        gc.open_by_key(sid).sheet1.get_all_values()
"""

from .auth import OAuthError, Principal
from .cells import Cell, Formula, Scalar, parse_user_entered, to_serial
from .client import (
    GOOGLE_HOSTS,
    RedirectAdapter,
    StandinAuthorizedSession,
    gspread_api_key_client,
    gspread_client,
    make_service_account,
    redirect_session,
    service_account_credentials,
)
from .server import ENDPOINTS, FAULT_KINDS, AppendRecord, Fault, FaultKind, RequestRecord, SheetsStandin
from .workbook import ApiError, Spreadsheet, Tab

__all__ = [
    "ENDPOINTS",
    "FAULT_KINDS",
    "GOOGLE_HOSTS",
    "ApiError",
    "AppendRecord",
    "Cell",
    "Fault",
    "FaultKind",
    "Formula",
    "OAuthError",
    "Principal",
    "RedirectAdapter",
    "RequestRecord",
    "Scalar",
    "SheetsStandin",
    "Spreadsheet",
    "StandinAuthorizedSession",
    "Tab",
    "gspread_api_key_client",
    "gspread_client",
    "make_service_account",
    "parse_user_entered",
    "redirect_session",
    "service_account_credentials",
    "to_serial",
]
