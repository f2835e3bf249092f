"""Settings: every secrets layout and environment variable, and secrets that never leak."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from learnloop import load
from learnloop.errors import SourceError
from learnloop.settings import DEFAULT_REFRESH_SECONDS, Settings, resolve
from learnloop.sources import sheets
from tests.sheets_standin import SheetsStandin

ROOT = Path(__file__).resolve().parent.parent
KEY = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-abcd"
URL = f"https://docs.google.com/spreadsheets/d/{KEY}/edit#gid=0"
OTHER = "1ZyXwVuTsRqPoNmLkJiHgFeDcBa9876543210-_zyxw"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nTOP-SECRET-KEY-MATERIAL\n-----END PRIVATE KEY-----\n"
ACCOUNT = {
    "type": "service_account",
    "project_id": "team-learning",
    "private_key_id": "abc123",
    "private_key": PRIVATE_KEY,
    "client_email": "learnloop@team-learning.iam.gserviceaccount.com",
    "client_id": "1234567890",
    "token_uri": "https://oauth2.googleapis.com/token",
}
API_KEY = "AIzaSy-super-secret-api-key-0000000000"


def test_nothing_configured_is_the_demo() -> None:
    config = resolve({}, {})
    assert config == Settings()
    assert config.is_demo and config.sources == ("demo",)
    assert config.service_account is None and config.api_key is None
    assert config.refresh_seconds == DEFAULT_REFRESH_SECONDS
    assert load.reader_for(config) is None, "the demo makes no Google request"


def test_the_learnloop_table() -> None:
    config = resolve({"learnloop": {"sheet": URL, "refresh_seconds": 120, "fiscal_year_start_month": 4,
                                    "day_first": True, "http_timeout": 7, "retry_seconds": 9}}, {})
    assert config.source == URL and config.sources == (URL,) and not config.is_demo
    assert (config.refresh_seconds, config.fiscal_year_start_month, config.day_first) == (120, 4, True)
    assert config.options.fiscal_year_start_month == 4 and config.options.day_first
    assert (config.http_timeout, config.retry_seconds) == (7.0, 9.0)


def test_several_sheets() -> None:
    config = resolve({"learnloop": {"sheets": [URL, OTHER]}}, {})
    assert config.sources == (URL, OTHER)
    assert not config.is_demo


def test_a_file_source(tmp_path: Path) -> None:
    config = resolve({"learnloop": {"source": str(tmp_path)}}, {})
    assert config.sources == (str(tmp_path),)
    assert load.reader_for(config) is None


def test_gcp_service_account_table() -> None:
    config = resolve({"learnloop": {"sheet": KEY}, "gcp_service_account": ACCOUNT}, {})
    assert config.service_account == ACCOUNT
    reader = load.reader_for(config)
    assert reader is not None and reader.access.client_email == ACCOUNT["client_email"]
    assert reader.access.base_url is None, "the real Google API unless told otherwise"


def test_the_st_gsheets_connection_layout() -> None:
    gsheets = {"spreadsheet": URL, "worksheet": "0", **ACCOUNT}
    config = resolve({"connections": {"gsheets": gsheets}}, {})
    assert config.source == URL
    assert config.service_account == ACCOUNT, "only the key's own fields, not the connection's settings"


def test_the_st_gsheets_connection_layout_for_a_public_sheet() -> None:
    config = resolve({"connections": {"gsheets": {"spreadsheet": URL}}}, {})
    assert config.source == URL and config.service_account is None


@pytest.mark.parametrize(("flag", "expected"), [("1", True), ("true", True), ("Yes", True), ("on", True),
                                                ("0", False), ("false", False), ("", False)])
def test_day_first_flags(flag: str, expected: bool) -> None:
    assert resolve({}, {"LEARNLOOP_DAY_FIRST": flag}).day_first is expected


def test_environment_variables_override_the_secrets() -> None:
    secrets = {"learnloop": {"sheet": URL, "sheets": [URL, OTHER], "refresh_seconds": 120,
                             "fiscal_year_start_month": 4, "http_timeout": 30}}
    config = resolve(secrets, {
        "LEARNLOOP_SHEET": OTHER,
        "LEARNLOOP_REFRESH_SECONDS": "60",
        "LEARNLOOP_FISCAL_YEAR_START_MONTH": "7",
        "LEARNLOOP_API_KEY": API_KEY,
        "LEARNLOOP_SHEETS_API_URL": "http://127.0.0.1:9",
        "LEARNLOOP_HTTP_TIMEOUT": "2.5",
        "LEARNLOOP_RETRY_SECONDS": "4",
    })
    assert config.sources == (OTHER,), "an explicit sheet in the environment replaces the configured list"
    assert (config.refresh_seconds, config.fiscal_year_start_month) == (60, 7)
    assert config.api_key == API_KEY
    assert config.sheets_api_url == "http://127.0.0.1:9"
    assert (config.http_timeout, config.retry_seconds) == (2.5, 4.0)
    reader = load.reader_for(config)
    assert reader is not None
    assert reader.access == sheets.Access(api_key=API_KEY, base_url="http://127.0.0.1:9", timeout=(2.5, 2.5))
    assert reader.policy.max_seconds == 4.0


def test_learnloop_source_in_the_environment(tmp_path: Path) -> None:
    config = resolve({"learnloop": {"sheets": [URL, OTHER]}}, {"LEARNLOOP_SOURCE": str(tmp_path)})
    assert config.sources == (str(tmp_path),)


def test_a_refresh_shorter_than_ten_seconds_is_raised_to_ten() -> None:
    assert resolve({}, {"LEARNLOOP_REFRESH_SECONDS": "1"}).refresh_seconds == 10


def test_a_fiscal_year_month_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match="1 to 12"):
        resolve({"learnloop": {"fiscal_year_start_month": 13}}, {})


def test_google_application_credentials_reads_the_key_file(tmp_path: Path) -> None:
    key_file = tmp_path / "key.json"
    key_file.write_text(json.dumps(ACCOUNT), encoding="utf-8")
    config = resolve({}, {"LEARNLOOP_SHEET": URL, "GOOGLE_APPLICATION_CREDENTIALS": str(key_file)})
    assert config.service_account == ACCOUNT
    reader = load.reader_for(config)
    assert reader is not None and reader.access.service_account == ACCOUNT


@pytest.mark.parametrize("problem", ["missing", "not json"])
def test_google_application_credentials_with_a_bad_path_is_a_clear_error(problem: str, tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "key.json"
    if problem == "not json":
        path = tmp_path / "key.json"
        path.write_text("this is not JSON", encoding="utf-8")
    with pytest.raises(SourceError) as caught:
        resolve({}, {"GOOGLE_APPLICATION_CREDENTIALS": str(path)})
    assert str(path) in str(caught.value) and "service-account JSON key" in str(caught.value)


def test_a_local_api_url_without_credentials_reads_with_a_placeholder_key(sheets_standin: SheetsStandin) -> None:
    sheets_standin.accept_any_api_key = True
    sid = sheets_standin.add_spreadsheet({"themes": [["theme_id", "quarter", "title"], ["T-1", "2026-Q1", "x"]]},
                                         title="Open sheet", public=True)
    config = resolve({}, {"LEARNLOOP_SHEET": sid, "LEARNLOOP_SHEETS_API_URL": sheets_standin.base_url})
    wb = load.from_settings(config)
    assert wb.source == "Open sheet" and list(wb.themes["theme_id"]) == ["T-1"]


@pytest.mark.parametrize("secrets", [
    {"gcp_service_account": ACCOUNT, "learnloop": {"sheet": URL, "api_key": API_KEY}},
    {"connections": {"gsheets": {"spreadsheet": URL, **ACCOUNT}}},
])
def test_secrets_never_appear_in_the_repr(secrets: dict[str, Any]) -> None:
    config = resolve(secrets, {})
    assert config.service_account
    shown = repr(config) + str(config)
    for secret in ("TOP-SECRET-KEY-MATERIAL", "PRIVATE KEY", API_KEY, ACCOUNT["private_key_id"]):
        assert secret not in shown
    reader = load.reader_for(config)
    assert reader is not None and "TOP-SECRET" not in repr(reader)


def test_the_api_key_never_appears_in_the_repr() -> None:
    config = resolve({}, {"LEARNLOOP_SHEET": URL, "LEARNLOOP_API_KEY": API_KEY})
    assert config.api_key == API_KEY and API_KEY not in repr(config)


def test_the_secrets_example_parses_and_resolves() -> None:
    secrets = tomllib.loads((ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8"))
    config = resolve(secrets, {})
    assert config.source == secrets["learnloop"]["sheet"]
    assert config.refresh_seconds == secrets["learnloop"]["refresh_seconds"]
    assert config.service_account is not None
    assert config.service_account["client_email"].endswith(".iam.gserviceaccount.com")
    assert config.service_account["private_key"] not in repr(config)
    # Every commented-out alternative in the example resolves too, uncommented one at a time.
    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    block = text[text.index("st-gsheets-connection"):text.index("# Sign-in")]
    gsheets = "\n".join(line[2:] for line in block.splitlines()
                        if line.startswith("# ") and ("=" in line or line == "# [connections.gsheets]"))
    layout = tomllib.loads(gsheets)
    moved = resolve(layout, {})
    assert moved.source == layout["connections"]["gsheets"]["spreadsheet"]
    assert moved.service_account is not None and "spreadsheet" not in moved.service_account


def test_the_secrets_example_sign_in_block_turns_sign_in_on() -> None:
    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    block = text[text.index("# Sign-in"):]
    auth = "\n".join(line[2:] for line in block.splitlines()
                     if line.startswith("# ") and ("=" in line or line.startswith("# [")))
    config = resolve(tomllib.loads(auth.replace("allowed_", "[learnloop]\nallowed_", 1)), {})
    assert config.auth and config.allowed_domains == ("example.com",)


# ---- the weekly digest ------------------------------------------------------------------------

SLACK = "https://hooks.slack.com/services/T000/B000/XXXXsecretXXXX"
TEAMS = "https://prod-01.westus.logic.azure.com/workflows/abc/triggers/manual/paths/invoke?api-version=1&sig=SIGsecret"


def test_the_digest_table_and_the_people() -> None:
    config = resolve({"learnloop": {
        "digest": {"smtp_url": "smtps://mailer:pw-secret@smtp.example.com", "to": ["lead@example.com", "x@example.com"],
                   "from": "Learning Loop <ll@example.com>", "slack_webhook_url": SLACK, "teams_webhook_url": TEAMS,
                   "app_url": "https://learning.example.com/", "sent_log": "/var/lib/learnloop/sent.json",
                   "retry_seconds": 30},
        "people": {"Maya Chen": "maya@example.com", "Jonas  Weber": "jonas@example.com"},
    }}, {})
    digest = config.digest
    assert digest.configured
    assert digest.mail_to == ("lead@example.com", "x@example.com") and digest.mail_from == "Learning Loop <ll@example.com>"
    assert digest.app_url == "https://learning.example.com" and digest.sent_log == "/var/lib/learnloop/sent.json"
    assert digest.retry_seconds == 30.0
    assert digest.address_of("maya chen") == "maya@example.com" and digest.address_of("Jonas Weber") == "jonas@example.com"
    assert digest.address_of("Nobody") is None
    shown = repr(config) + str(digest)
    for secret in ("pw-secret", "XXXXsecretXXXX", "SIGsecret", "maya@example.com"):
        assert secret not in shown
    assert {"pw-secret", SLACK, TEAMS} <= set(digest.secrets)


def test_the_digest_environment_overrides() -> None:
    config = resolve({"learnloop": {"digest": {"to": "a@example.com", "slack_webhook_url": SLACK}}}, {
        "LEARNLOOP_SMTP_URL": "smtp://relay.internal:25", "LEARNLOOP_DIGEST_TO": "b@example.com; c@example.com",
        "LEARNLOOP_DIGEST_FROM": "ll@example.com", "LEARNLOOP_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/hook",
        "LEARNLOOP_TEAMS_WEBHOOK_URL": TEAMS, "LEARNLOOP_DIGEST_SENT_LOG": "/tmp/sent.json",
        "XDG_STATE_HOME": "/state"})
    digest = config.digest
    assert digest.smtp_url == "smtp://relay.internal:25" and digest.mail_to == ("b@example.com", "c@example.com")
    assert digest.mail_from == "ll@example.com" and digest.slack_webhook_url == "http://127.0.0.1:9/hook"
    assert digest.teams_webhook_url == TEAMS and digest.sent_log == "/tmp/sent.json"
    assert resolve({}, {"XDG_STATE_HOME": "/state"}).digest.sent_log == "/state/learnloop/digest-sent.json"
    assert not resolve({}, {}).digest.configured


@pytest.mark.parametrize(("variable", "value"), [
    ("LEARNLOOP_SMTP_URL", "https://user:pw-secret@mail.example.com"),
    ("LEARNLOOP_SLACK_WEBHOOK_URL", "http://hooks.example.com/T/B/pw-secret"),
    ("LEARNLOOP_TEAMS_WEBHOOK_URL", "ftp://example.com/pw-secret"),
    ("LEARNLOOP_APP_URL", "javascript:alert('pw-secret')"),
])
def test_a_digest_setting_that_cannot_work_is_refused_by_name_not_value(variable: str, value: str) -> None:
    config = resolve({"learnloop": {"source": "demo"}}, {variable: value})
    problem = config.digest.problem
    assert problem and "pw-secret" not in problem and variable in problem
    assert not config.digest.configured and config.source == "demo", "the rest of the settings still work"


def test_the_command_line_reads_the_secrets_files_and_the_environment_wins(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from learnloop.settings import from_secrets_files

    for name in ("LEARNLOOP_SLACK_WEBHOOK_URL", "LEARNLOOP_DIGEST_TO", "LEARNLOOP_SHEET", "LEARNLOOP_SOURCE"):
        monkeypatch.delenv(name, raising=False)
    home, project = tmp_path / "home", tmp_path / "project"
    (home / ".streamlit").mkdir(parents=True)
    (project / ".streamlit").mkdir(parents=True)
    (home / ".streamlit" / "secrets.toml").write_text(
        f'[learnloop.digest]\nslack_webhook_url = "{SLACK}"\nto = ["home@example.com"]\n', encoding="utf-8")
    (project / ".streamlit" / "secrets.toml").write_text(
        '[learnloop]\nsource = "demo"\n[learnloop.digest]\nto = ["project@example.com"]\n', encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(project)
    config = from_secrets_files()
    assert config.digest.slack_webhook_url == SLACK, "the user's file"
    assert config.digest.mail_to == ("project@example.com",), "the project's file wins"
    monkeypatch.setenv("LEARNLOOP_DIGEST_TO", "env@example.com")
    assert from_secrets_files().digest.mail_to == ("env@example.com",)
    assert from_secrets_files(tmp_path / "missing.toml").digest.slack_webhook_url is None
    (tmp_path / "bad.toml").write_text('[learnloop.digest]\nsmtp_password = "unterminated\n', encoding="utf-8")
    with pytest.raises(SourceError, match=r"bad\.toml cannot be read as TOML") as caught:
        from_secrets_files(tmp_path / "bad.toml")
    assert "unterminated" not in str(caught.value)


def test_the_secrets_example_digest_block_resolves_and_the_readme_names_every_variable() -> None:
    text = (ROOT / ".streamlit" / "secrets.toml.example").read_text(encoding="utf-8")
    block = text[text.index("# The weekly digest"):]
    digest = tomllib.loads("\n".join(line[2:] for line in block.splitlines()
                                     if line.startswith("# ") and ("=" in line or line.startswith("# ["))))
    config = resolve(digest, {}).digest
    assert config.configured and config.address_of("Maya Chen") == "maya@example.com"
    source = (ROOT / "learnloop" / "settings.py").read_text(encoding="utf-8")
    variables = set(re.findall(r'"(LEARNLOOP_(?:SMTP|DIGEST|SLACK|TEAMS|APP)_[A-Z_]*)"', source))
    assert len(variables) >= 8
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert not [name for name in variables if f"`{name}`" not in readme]
