"""Serve a workbook from the stand-in, to run the dashboard against "Google" locally.

    python -m tests.sheets_standin --workbook demo --port 8765
    python -m tests.sheets_standin --workbook path/to/team.xlsx --service-account-out sa.json

It writes a service account's key that may edit the sheet (as Editor), so the app can add rows as
it would to a real Google Sheet, and prints the settings to run the app with. An API key
(``LEARNLOOP_API_KEY=any``) reads too, but, as with Google, cannot write.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .client import make_service_account
from .server import SheetsStandin

Tabs = dict[str, list[list[object]]]
#: Where the service account's key is written unless --service-account-out says otherwise (git ignores it).
DEFAULT_SERVICE_ACCOUNT = Path("tests/artifacts/standin-service-account.json")


def load_demo() -> Tabs:
    try:
        from learnloop.sources.demo import demo_tabs
    except ImportError as err:
        raise SystemExit(
            f"--workbook demo needs learnloop.sources.demo.demo_tabs(), which is not importable yet ({err}).\n"
            "Pass --workbook PATH.xlsx instead, or try again once the demo source exists."
        ) from None
    return demo_tabs()


def load_xlsx(path: Path) -> Tabs:
    """Every sheet of an .xlsx as rows of cached values (formulas as Excel last computed them)."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    tabs: Tabs = {}
    for sheet in book.worksheets:
        rows: list[list[object]] = []
        for row in sheet.iter_rows():
            values: list[object] = []
            for cell in row:
                value = getattr(cell, "value", None)
                # Excel has no date type: a date-formatted serial at midnight is a date to a person.
                if isinstance(value, dt.datetime) and value.time() == dt.time(0) and "h" not in str(
                    getattr(cell, "number_format", "")
                ).lower():
                    value = value.date()
                if isinstance(value, dt.time):
                    value = value.isoformat()
                values.append(value)
            rows.append(values)
        tabs[sheet.title] = rows
    book.close()
    return tabs


def load_workbook(spec: str) -> tuple[Tabs, str]:
    """The hook for workbook sources: "demo", or a path to an .xlsx file. Returns (tabs, title)."""
    if spec == "demo":
        return load_demo(), "Learning Loop (demo)"
    path = Path(spec)
    if path.suffix.lower() in (".xlsx", ".xlsm") and path.is_file():
        return load_xlsx(path), path.stem
    raise SystemExit(f"--workbook must be 'demo' or an existing .xlsx file, not {spec!r}")


def stable_id(spec: str) -> str:
    """The same workbook gets the same spreadsheet id on every run, so LEARNLOOP_SHEET can stay put."""
    digest = hashlib.sha256(spec.encode()).hexdigest()
    return ("1standin" + digest)[:44]


def reuse_service_account(standin: SheetsStandin, path: Path) -> dict[str, str] | None:
    """Trust the key in an existing file again, so a file written by an earlier run keeps working."""
    try:
        account = json.loads(path.read_text())
        key = serialization.load_pem_private_key(account["private_key"].encode(), password=None)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    standin.register_service_account(account["client_email"], account["private_key_id"], public_pem)
    account["token_uri"] = standin.token_url
    return account


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.sheets_standin", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workbook", default="demo", help="'demo' or a path to an .xlsx file")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--locale", default="en_US")
    parser.add_argument("--spreadsheet-id", help="default: derived from --workbook, stable across runs")
    parser.add_argument("--service-account-out", type=Path, default=DEFAULT_SERVICE_ACCOUNT,
                        help="where to write a service account's JSON key that may edit the sheet "
                             f"(default: {DEFAULT_SERVICE_ACCOUNT})")
    parser.add_argument("--client-email", default="learnloop@demo-project.iam.gserviceaccount.com")
    args = parser.parse_args(argv)

    tabs, title = load_workbook(args.workbook)
    standin = SheetsStandin(host=args.host, port=args.port, accept_any_api_key=True)
    standin.start()
    sid = standin.add_spreadsheet(tabs, title=title, locale=args.locale,
                                  spreadsheet_id=args.spreadsheet_id or stable_id(args.workbook), public=True)
    account = reuse_service_account(standin, args.service_account_out) or make_service_account(
        standin, args.client_email
    )
    standin.share(sid, account["client_email"], "writer")
    args.service_account_out.parent.mkdir(parents=True, exist_ok=True)
    args.service_account_out.write_text(json.dumps(account, indent=2) + "\n")
    print(f"Sheets stand-in serving {title!r} ({len(tabs)} tabs) at {standin.base_url}")
    print(f"Set these for the dashboard: the sheet, and a service account that may edit it ({account['client_email']}):")
    print(f"  LEARNLOOP_SHEETS_API_URL={standin.base_url}")
    print(f"  LEARNLOOP_SHEET={sid}")
    print(f"  GOOGLE_APPLICATION_CREDENTIALS={args.service_account_out}")
    print("To read only, as with a public sheet: LEARNLOOP_API_KEY=any instead of GOOGLE_APPLICATION_CREDENTIALS "
          "(an API key can only read).")
    print("Ctrl-C to stop.", flush=True)
    # `kill` (SIGTERM) should stop the server as cleanly as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        standin.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
