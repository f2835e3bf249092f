"""No secret reaches a screen, a report or a log, and no key material is committed.

With a service-account key configured (a real RSA key the Sheets stand-in trusts) and an API key set,
every page of the app's navigation is rendered - healthy, while Google fails, and with the sheet or
the key refused - and so are the Retro's Markdown and HTML reports. Everything rendered (every element's
protobuf, dataframe cells, chart JSON, query parameters) and everything logged (every logger at DEBUG,
and the process's stdout and stderr) is searched for the private key (and any 40-character stretch of
it), the ``private_key_id``, the access tokens Google issued to the ``client_email``, and the API key.

The second half fails when key material is tracked by git (or would be picked up by ``git add``):
a ``-----BEGIN ... PRIVATE KEY-----`` block with a real key body, or a ``secrets.toml`` file. The
stand-in generates its keys at run time, so none should ever be in the tree.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from learnloop import load, reports, settings, ui
from learnloop.filters import Filters
from tests import reliability
from tests.fixtures.small import raw_tabs
from tests.reliability.apptest import (
    PAGES,
    clear_caches,
    nodes,
    open_app,
    point_app_at,
    proto_dict,
    strings,
    tour,
    write_key_file,
)
from tests.sheets_standin import SheetsStandin
from tests.sheets_standin.auth import generate_key, service_account_info

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 40
BASE64_RUN = re.compile(rf"[A-Za-z0-9+/=]{{{CHUNK},}}")
JWT = re.compile(r"eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}")
# Built so that this file does not match its own pattern.
BEGIN_PRIVATE_KEY = re.compile("-" * 5 + r"BEGIN [A-Z0-9 ]*PRIVATE KEY" + "-" * 5)


@dataclass
class Secrets:
    """What must never be shown or logged."""

    private_key: str
    private_key_id: str
    api_key: str
    tokens: tuple[str, ...] = ()
    #: Sign-in's own secrets (``[auth]`` cookie and OIDC client secrets).
    others: tuple[str, ...] = ()

    @property
    def key_body(self) -> str:
        return "".join(line for line in self.private_key.splitlines() if line and not line.startswith("-----"))

    def windows(self) -> set[str]:
        body = self.key_body
        return {body[i:i + CHUNK] for i in range(len(body) - CHUNK + 1)}

    def found_in(self, text: str, where: str) -> list[str]:
        """Every secret, or 40-character stretch of the key, that ``text`` contains."""
        found = [f"{where}: {name}" for name, value in (("private_key_id", self.private_key_id),
                                                         ("API key", self.api_key)) if value in text]
        found += [f"{where}: an access token of the client_email" for token in self.tokens if token in text]
        found += [f"{where}: a sign-in secret" for secret in self.others if secret in text]
        if BEGIN_PRIVATE_KEY.search(text):
            found.append(f"{where}: a private key block")
        windows = self.windows()
        for run in BASE64_RUN.findall(text):  # the key as typed, or JSON-escaped, wrapped or not
            if any(run[i:i + CHUNK] in windows for i in range(len(run) - CHUNK + 1)):
                found.append(f"{where}: 40 characters of the private key")
                break
        if JWT.search(text):
            found.append(f"{where}: a signed JWT (a token signed with the key)")
        return found


def rendered(at: AppTest) -> str:
    """Everything a run put on screen: each element's protobuf (bytes and fields), dataframe cells,
    chart JSON and the query string."""
    parts = [json.dumps(dict(at.query_params.items()) if hasattr(at.query_params, "items") else {})]
    for node in nodes(at):
        proto = getattr(node, "proto", None)
        if proto is not None and hasattr(proto, "SerializeToString"):
            parts.append(proto.SerializeToString().decode("latin-1"))
        parts.extend(text for _, text in strings(proto_dict(node)))
        value = getattr(node, "value", None) if getattr(node, "type", None) in ("dataframe", "table") else None
        if value is not None:
            parts.append(value.to_csv())
    return "\n".join(parts)


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(record))
        except Exception as exc:  # a log call with bad arguments must not hide the others
            self.lines.append(f"unformattable record from {record.name}: {exc}")


@pytest.fixture
def every_log_line() -> Iterator[_Collect]:
    """Every logger at DEBUG into one handler (the root, and the bases that do not propagate)."""
    handler = _Collect()
    loggers = [logging.getLogger(), logging.getLogger("streamlit"), logging.getLogger("google")]
    levels = {name: logging.getLogger(name).level for name in list(logging.root.manager.loggerDict)}
    root_level = logging.getLogger().level
    for name in levels:
        logging.getLogger(name).setLevel(logging.DEBUG)
    logging.getLogger().setLevel(logging.DEBUG)
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
    logging.getLogger().setLevel(root_level)


@pytest.fixture
def sid(sheets_standin: SheetsStandin, standin_service_account: dict[str, str]) -> str:
    key = sheets_standin.add_spreadsheet(raw_tabs(), title="Secrets playbook")
    sheets_standin.share(key, standin_service_account["client_email"], "writer")
    return key


def issued_tokens(standin: SheetsStandin) -> tuple[str, ...]:
    with standin.authority._lock:
        return tuple(standin.authority._tokens)


# ------------------------------------------------------------------------- what is rendered ---

SCENARIOS = ["healthy", "google failing after a good read", "access revoked", "key deleted",
             "key pasted without its line breaks", "key cut short", "API key only (public sheet)",
             "sign-in configured, visitor signed out", "sign-in configured, team member signed in"]
COOKIE_SECRET = "cookie-" + "c0ffee" * 8
CLIENT_SECRET = "GOCSPX-" + "s3cr3t" * 5
AUTH = {"auth": {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": COOKIE_SECRET,
                 "client_id": "learnloop.apps.example", "client_secret": CLIENT_SECRET,
                 "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"},
        "learnloop": {"allowed_domains": ["example.com"]}}
USERS = {"sign-in configured, visitor signed out": {"is_logged_in": False},
         "sign-in configured, team member signed in": {"is_logged_in": True, "email": "ana@example.com"}}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_no_secret_is_rendered_or_logged(
    scenario: str, sheets_standin: SheetsStandin, standin_service_account: dict[str, str], sid: str,
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str], every_log_line: _Collect,
) -> None:
    account = dict(standin_service_account)
    api_key = sheets_standin.add_api_key()
    if scenario == "key pasted without its line breaks":
        account["private_key"] = account["private_key"].replace("\n", "")
    elif scenario == "key cut short":
        account["private_key"] = account["private_key"][:900]
    elif scenario == "access revoked":
        sheets_standin.unshare(sid, account["client_email"])
    elif scenario == "key deleted":
        sheets_standin.authority.unregister(account["client_email"])
    elif scenario == "API key only (public sheet)":
        sheets_standin.set_public(sid)
    key_file = None if scenario.startswith("API key only") else write_key_file(tmp_path, account)
    point_app_at(monkeypatch, sheets_standin, sid, key_file, api_key=api_key)
    secrets = Secrets(standin_service_account["private_key"], standin_service_account["private_key_id"], api_key,
                      others=(COOKIE_SECRET, CLIENT_SECRET))
    signed_out = scenario == "sign-in configured, visitor signed out"

    outputs: list[tuple[str, str]] = []
    healthy = scenario in ("healthy", "google failing after a good read", "API key only (public sheet)",
                           "key pasted without its line breaks",  # the PEM loads without them
                           "sign-in configured, team member signed in")
    try:
        views = [("the sign-in screen", open_app(secrets=AUTH, user=USERS[scenario]))] if signed_out else \
            tour(retro_slides=scenario == "healthy", secrets=AUTH if scenario in USERS else None,
                 user=USERS.get(scenario))
        for view, at in views:
            assert not at.exception, (view, [str(e.value) for e in at.exception])
            if signed_out:
                assert [b for b in at.button if b.key == "sign-in"], (view, "only the sign-in screen")
            if scenario == "google failing after a good read" and view == PAGES[0]:
                sheets_standin.inject("500", times=None)
                ui._load.clear()  # the refresh window passes; the last good workbook is kept
                at.run()
                assert [w for w in at.warning if "(500)" in str(w.value)], "the banner is shown"
            if not healthy and not signed_out:
                assert at.error, (view, "the page says what is wrong")
            outputs.append((view, rendered(at)))
        if scenario == "healthy":
            wb = load.from_settings(settings.from_environment())
            quarter = reports.last_complete_quarter(wb, Filters())
            outputs.append(("the Retro's Markdown write-up", reports.quarter_writeup_markdown(wb, Filters(), quarter)))
            outputs.append(("the Retro's HTML report", reports.quarter_report_html(wb, Filters(), quarter)))
    finally:
        clear_caches()
    secrets.tokens = issued_tokens(sheets_standin)
    if key_file is not None and healthy:
        assert secrets.tokens, "the app signed in with the service account"
    out, err = capfd.readouterr()
    outputs += [("stdout", out), ("stderr", err), ("logs", "\n".join(every_log_line.lines))]

    leaks = [leak for where, text in outputs for leak in secrets.found_in(text, where)]
    reliability.add(secrets_checked=len(outputs), secrets_leaked=len(leaks))
    assert not leaks, leaks
    assert len(outputs) >= (1 if signed_out else len(PAGES)) + 3


def test_the_check_finds_each_secret() -> None:
    """A check of the check: each secret, a 40-character stretch of the key inside other text, and the
    key JSON-escaped are all found; the key's public half and other base64 are not."""
    key = generate_key()
    secrets = Secrets(key.private_key_pem, key.key_id, "AIza" + "k" * 35, ("ya29.standin-abc",))
    body = secrets.key_body
    assert secrets.found_in(f"id {key.key_id}", "t") and secrets.found_in("x AIza" + "k" * 35, "t")
    assert secrets.found_in("Bearer ya29.standin-abc", "t")
    assert secrets.found_in("error: " + body[700:740] + " more", "t")
    assert secrets.found_in(json.dumps({"private_key": key.private_key_pem}), "t")
    assert not secrets.found_in(key.public_key_pem.replace("-----", ""), "t")
    assert not secrets.found_in("A" * 200 + " learnloop@demo-project.iam.gserviceaccount.com", "t")


# ------------------------------------------------------------------------------ what is committed ---


def key_material(text: str) -> list[str]:
    """Private key blocks with a real body (a base64 run of 60 or more characters before the END line),
    as typed or JSON/TOML-escaped; placeholders such as ``...`` are not key material."""
    found = []
    for match in BEGIN_PRIVATE_KEY.finditer(text):
        block = text[match.end():match.end() + 8000]
        end = block.find("-----END")
        block = block[:end if end >= 0 else len(block)].replace("\\n", "\n")
        if re.search(r"[A-Za-z0-9+/=]{60,}", block):
            found.append(match.group(0))
    return found


def files_git_would_commit() -> list[str]:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = []
    for args in (["ls-files", "-z"], ["ls-files", "-z", "--others", "--exclude-standard"]):
        result = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=True)
        listed += [path for path in result.stdout.decode("utf-8", "replace").split("\0") if path]
    return sorted(set(listed))


def test_no_key_material_is_tracked_by_git() -> None:
    paths = files_git_would_commit()
    assert "README.md" in paths
    offending = []
    for path in paths:
        file = ROOT / path
        if Path(path).name in ("secrets.toml", "credentials.json") or Path(path).name.startswith("service-account"):
            offending.append(f"{path}: a secrets file")
        if not file.is_file() or file.stat().st_size > 5_000_000:
            continue
        offending += [f"{path}: {block}" for block in key_material(file.read_bytes().decode("utf-8", "replace"))]
    reliability.add(secrets_checked=len(paths), secrets_leaked=len(offending))
    assert not offending, offending


def test_secrets_toml_is_ignored_by_git() -> None:
    files_git_would_commit()
    result = subprocess.run(["git", "-C", str(ROOT), "check-ignore", "-q", ".streamlit/secrets.toml"])
    assert result.returncode == 0, ".streamlit/secrets.toml must be in .gitignore"


def test_the_committed_key_check_finds_real_keys_and_passes_placeholders() -> None:
    key = generate_key()
    info = service_account_info("a@b.iam.gserviceaccount.com", key, "https://oauth2.googleapis.com/token")
    toml = 'private_key = "' + key.private_key_pem.replace("\n", "\\n") + '"'
    for text in (key.private_key_pem, json.dumps(info), toml, key.private_key_pem.replace("\n", "\r\n")):
        assert key_material(text), text[:80]
    placeholder = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    assert BEGIN_PRIVATE_KEY.search(placeholder) and not key_material(placeholder)
    assert not key_material(Path(__file__).read_text(encoding="utf-8"))
