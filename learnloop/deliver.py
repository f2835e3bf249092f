"""Sending the digest: email over SMTP, a Slack incoming webhook, a Microsoft Teams Workflows webhook.

:func:`deliver` sends one :class:`~learnloop.digest.Digest` to every configured target and returns
what happened to each; :func:`deliver_per_person` sends each person their own items by email. Each
target is tried on its own: a failing one never stops the others. Transient failures (no answer, a
dropped connection, HTTP 429 or 5xx, an SMTP 4xx reply) are retried with exponential backoff and
jitter (tenacity), within the ``retry_seconds`` budget; anything else fails at once.

Exactly once a week: :class:`SentLog`, a small JSON file whose path is a setting, remembers each
target's digest per ISO week and audience (its content as a fingerprint of the items). The same
digest again that week is not sent; a changed one is sent as an update. A delivery is written down
only once it was accepted, so a failed target is tried again by the next run.

Secrets (the SMTP password, the webhook URLs, whose path is their token) never reach output, logs or
errors: a target is shown by its kind ("Slack webhook"), error details say what failed in our words
(HTTP status, SMTP reply code, the exception's type) and pass through :func:`redact`, and while
sending, the HTTP library's own debug log lines are redacted too. The SMTP password is sent only over
TLS (smtps://, or STARTTLS when the server offers it), or to a relay on this machine.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import email.policy
import hashlib
import json
import logging
import os
import smtplib
import ssl
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity.wait import wait_random_exponential

from learnloop import digest
from learnloop.digest import Digest
from learnloop.safe import printable
from learnloop.settings import DigestSettings, is_loopback
from learnloop.words import plural

if TYPE_CHECKING:
    from learnloop.filters import Filters

log = logging.getLogger(__name__)

Kind = Literal["email", "slack", "teams"]
Status = Literal["sent", "updated", "skipped", "failed"]
#: What each kind of target adds to the exit status when it fails (added to :data:`FAILED_EXIT`).
FAILED_BITS: dict[Kind, int] = {"email": 1, "slack": 2, "teams": 4}
FAILED_EXIT = 8
#: How many weeks of deliveries the sent-log keeps.
SENT_LOG_WEEKS = 26


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff and jitter for transient failures."""

    max_seconds: float = 60.0
    max_attempts: int = 5
    first_wait: float = 1.0
    max_wait: float = 20.0


@dataclass(frozen=True)
class Target:
    """Where a digest goes. ``address`` (an SMTP or webhook URL) is a secret: never shown."""

    kind: Kind
    #: How it is shown: "email to lead@example.com", "Slack webhook", "Teams webhook".
    name: str
    #: Who it is in the sent-log: the email addresses, or a hash of the webhook URL (never the URL).
    id: str
    address: str = field(repr=False)
    to: tuple[str, ...] = ()


@dataclass(frozen=True)
class Outcome:
    """What happened to one target: sent, sent as an update, skipped (already sent) or failed."""

    target: str
    kind: Kind
    status: Status
    detail: str = ""
    attempts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


class DeliveryFailed(Exception):
    """A target did not take the digest. ``detail`` is in our words and holds no secret."""

    def __init__(self, detail: str, *, transient: bool, retry_after: float | None = None) -> None:
        super().__init__(detail)
        self.detail, self.transient, self.retry_after = detail, transient, retry_after


class SentLogError(Exception):
    """The sent-log cannot be read or written: sending could repeat a digest, so nothing is sent."""


def targets(config: DigestSettings) -> list[Target]:
    """The configured targets: email (an SMTP URL and recipients), Slack, Teams."""
    found = []
    if config.smtp_url and config.mail_to:
        found.append(Target("email", f"email to {', '.join(config.mail_to)}", "email:" + ",".join(
            sorted(address.casefold() for address in config.mail_to)), config.smtp_url, config.mail_to))
    if config.slack_webhook_url:
        found.append(Target("slack", "Slack webhook", "slack:" + _hash(config.slack_webhook_url),
                            config.slack_webhook_url))
    if config.teams_webhook_url:
        found.append(Target("teams", "Teams webhook", "teams:" + _hash(config.teams_webhook_url),
                            config.teams_webhook_url))
    return found


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def redact(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret (longest first) replaced by ``[redacted]``."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "[redacted]")
    return text


def exit_status(outcomes: Sequence[Outcome]) -> int:
    """0 when no target failed, else :data:`FAILED_EXIT` plus a bit per kind that failed (email 1,
    Slack 2, Teams 4): 9 email, 10 Slack, 12 Teams, 11 email and Slack…"""
    bits = {FAILED_BITS[outcome.kind] for outcome in outcomes if outcome.status == "failed"}
    return FAILED_EXIT + sum(bits) if bits else 0


# --------------------------------------------------------------------------------------
# The sent-log
# --------------------------------------------------------------------------------------


class SentLog:
    """What was sent to which target, per ISO week and audience: a small JSON file.

    An entry: ``target`` (a target's id), ``audience`` (whose digest: filters, or a person),
    ``week``, ``fingerprint`` (the digest's content), ``keys`` (its items' identities), ``as_of``
    and ``sent_at``. Written atomically (a temporary file renamed over it), under a lock where the
    system has one, so two runs at once cannot both send.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).expanduser()

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            entries = data["sent"]
            if not isinstance(entries, list):
                raise TypeError("'sent' is not a list")
            return [entry for entry in entries if isinstance(entry, dict)]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SentLogError(f"The digest's sent-log {self.path} cannot be read ({type(exc).__name__}): nothing "
                               "is sent, so no one gets a digest twice. Fix the file, or delete it to start "
                               "afresh.") from None

    def find(self, target: str, audience: str, week: str) -> dict[str, Any] | None:
        """The latest delivery to ``target`` for ``audience`` in ``week``, if any."""
        found = [e for e in self.entries() if (e.get("target"), e.get("audience"), e.get("week")) ==
                 (target, audience, week)]
        return found[-1] if found else None

    def last_digest(self, audience: str, before_week: str) -> dt.date | None:
        """The day the last digest for ``audience`` (or one of its per-person digests) was as of, in a
        week before ``before_week``: wins are counted from it (a digest sent earlier this week does not
        move it, so a rerun that week is the same digest)."""
        days = [str(e.get("as_of")) for e in self.entries()
                if str(e.get("audience", "")).split(";person=")[0] == audience and str(e.get("week", "")) < before_week]
        try:
            return max(dt.date.fromisoformat(day) for day in days) if days else None
        except ValueError:
            return None

    def record(self, entry: dict[str, Any]) -> None:
        with self._locked():
            entries = [*self.entries(), entry]
            oldest = (dt.date.today() - dt.timedelta(weeks=SENT_LOG_WEEKS)).isoformat()
            entries = [e for e in entries if str(e.get("sent_at", "")) >= oldest]
            self._write({"version": 1, "sent": entries})

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle = open(self.path.with_name(self.path.name + ".lock"), "a")  # noqa: SIM115 - held for the block
        except OSError as exc:
            raise SentLogError(f"The digest's sent-log {self.path} cannot be written ({type(exc).__name__}).") from None
        with handle:
            try:
                import fcntl
            except ImportError:  # no advisory locks on this system: the atomic rename still keeps the file whole
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write(self, data: dict[str, Any]) -> None:
        try:
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=self.path.name, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, ensure_ascii=False)
            os.replace(temporary, self.path)
        except OSError as exc:
            raise SentLogError(f"The digest's sent-log {self.path} cannot be written ({type(exc).__name__}).") from None


def audience(f: Filters, person: str | None = None) -> str:
    """Whose digest it is, for the sent-log: the filters (and the person of a per-person digest)."""
    def part(name: str, values: Sequence[str]) -> str:
        return f"{name}=" + ",".join(sorted(" ".join(v.split()).casefold() for v in values))

    scope = ";".join(part(name, values) for name, values in (("teams", f.teams), ("people", f.people),
                                                             ("themes", f.themes)) if values) or "all"
    return scope + (f";person={' '.join(person.split()).casefold()}" if person else "")


# --------------------------------------------------------------------------------------
# Delivering
# --------------------------------------------------------------------------------------


def deliver(d: Digest, config: DigestSettings, sent_log: SentLog, audience_key: str, *,
            retry: RetryPolicy | None = None, ssl_context: ssl.SSLContext | None = None,
            send_to: Sequence[Target] | None = None) -> list[Outcome]:
    """Send ``d`` to every target of ``config`` (or ``send_to``) that has not had it this week; each
    target on its own, its outcome written to ``sent_log`` once it took the digest."""
    retry = retry or RetryPolicy(max_seconds=config.retry_seconds)
    outcomes = []
    with _redacted_logs(config.secrets):
        for target in send_to if send_to is not None else targets(config):
            outcomes.append(_deliver_one(d, target, config, sent_log, audience_key, retry, ssl_context))
    return outcomes


def _deliver_one(d: Digest, target: Target, config: DigestSettings, sent_log: SentLog, audience_key: str,
                 retry: RetryPolicy, ssl_context: ssl.SSLContext | None) -> Outcome:
    previous = sent_log.find(target.id, audience_key, d.week)
    if previous is not None and previous.get("fingerprint") == d.fingerprint:
        return Outcome(target.name, target.kind, "skipped", f"already sent for {d.week}")
    this = dataclasses.replace(d, update=previous is not None)
    attempts = 0

    def attempt() -> None:
        nonlocal attempts
        attempts += 1
        _send(this, target, config, ssl_context)

    try:
        _retrying(retry)(attempt)
    except DeliveryFailed as exc:
        tries = f" after {attempts} tries" if attempts > 1 else ""
        detail = redact(printable(exc.detail, keep_lines=False), config.secrets) + tries
        log.warning("digest to %s failed: %s", target.name, detail)
        return Outcome(target.name, target.kind, "failed", detail, attempts)
    sent_log.record({"target": target.id, "audience": audience_key, "week": d.week, "fingerprint": d.fingerprint,
                     "keys": sorted(item.key for item in d.items), "as_of": d.as_of.isoformat(),
                     "sent_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "update": this.update})
    status: Status = "updated" if this.update else "sent"
    detail = ""
    if previous is not None:
        before, now = set(previous.get("keys") or ()), {item.key for item in d.items}
        detail = f"since this week's first: {len(now - before)} new, {len(before - now)} no longer in it"
    log.info("digest to %s: %s (%s)", target.name, status, plural(attempts, "attempt"))
    return Outcome(target.name, target.kind, status, detail, attempts)


def deliver_per_person(d: Digest, config: DigestSettings, sent_log: SentLog, audience_key: Callable[[str], str], *,
                       always: bool = False, retry: RetryPolicy | None = None,
                       ssl_context: ssl.SSLContext | None = None) -> tuple[list[Outcome], list[str]]:
    """Email each person named by ``d``'s items only their own items, at their address in
    ``[learnloop.people]``. Returns the outcomes and the people with no address (not sent)."""
    outcomes, unknown = [], []
    if not config.smtp_url:
        return [], []
    for person in d.people:
        address = config.address_of(person)
        if not address:
            unknown.append(person)
            continue
        own = digest.for_person(d, person)
        if own.is_empty and not always:
            continue
        target = Target("email", f"email to {address}", f"email:{address.casefold()}", config.smtp_url, (address,))
        outcomes += deliver(own, config, sent_log, audience_key(person), retry=retry, ssl_context=ssl_context,
                            send_to=[target])
    return outcomes, unknown


def _retrying(policy: RetryPolicy) -> Retrying:
    backoff = wait_random_exponential(multiplier=policy.first_wait, max=policy.max_wait)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        asked = getattr(exc, "retry_after", None) or 0.0
        left = max(0.0, policy.max_seconds - state.seconds_since_start)  # never wait past the budget
        return min(max(backoff(state), asked), policy.max_wait, left)

    return Retrying(stop=stop_after_attempt(policy.max_attempts) | stop_after_delay(policy.max_seconds), wait=wait,
                    retry=retry_if_exception(lambda exc: isinstance(exc, DeliveryFailed) and exc.transient),
                    reraise=True)


def _send(d: Digest, target: Target, config: DigestSettings, ssl_context: ssl.SSLContext | None) -> None:
    if target.kind == "email":
        message = email_message(d, sender=sender(config), to=target.to, target_id=target.id)
        send_email(message, target.address, user=config.smtp_user, password=config.smtp_password,
                   timeout=config.timeout, ssl_context=ssl_context)
    elif target.kind == "slack":
        post_json(target.address, digest.slack_payload(d), timeout=config.timeout)
    else:
        post_json(target.address, digest.teams_payload(d), timeout=config.timeout)


# --------------------------------------------------------------------------------------
# Email
# --------------------------------------------------------------------------------------


def sender(config: DigestSettings) -> str:
    """The From address: ``from``, else the SMTP user when it is an address, else learnloop@ the SMTP host."""
    if config.mail_from:
        return config.mail_from
    parts = urlsplit(config.smtp_url or "")
    user = unquote(parts.username or "") or config.smtp_user or ""
    return user if "@" in user else f"Learning Loop <learnloop@{parts.hostname or 'localhost'}>"


def email_message(d: Digest, *, sender: str, to: Sequence[str], target_id: str = "") -> EmailMessage:
    """One multipart/alternative message: the plain-text digest and the HTML one. Its Message-ID is
    the same for the same week, content and recipients, so a mail system that sees a retried message
    twice can tell."""
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = printable(d.subject, keep_lines=False)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = formatdate(localtime=True)
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "learnloop.invalid"
    message["Message-ID"] = f"<digest.{d.week}.{d.fingerprint[:16]}.{_hash(target_id)[:8]}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a digest
    message.set_content(digest.render_text(d))
    message.add_alternative(digest.render_html(d), subtype="html")
    return message


def send_email(message: EmailMessage, smtp_url: str, *, user: str | None = None, password: str | None = None,
               timeout: float = 20.0, ssl_context: ssl.SSLContext | None = None) -> None:
    """Send ``message`` through the server of ``smtp_url``: ``smtps://`` is TLS from the start (port
    465 by default); ``smtp://`` (port 587 by default) upgrades with STARTTLS whenever the server
    offers it. Credentials come from the URL (``smtp://user:password@host``), else ``user`` and
    ``password``; a password is never sent unencrypted, except to this machine."""
    parts = urlsplit(smtp_url)
    implicit_tls = parts.scheme.lower() == "smtps"
    host = parts.hostname or "localhost"
    try:
        port = parts.port or (465 if implicit_tls else 587)
    except ValueError:
        raise DeliveryFailed("the SMTP URL's port is not a number", transient=False) from None
    user = unquote(parts.username) if parts.username else user
    password = unquote(parts.password) if parts.password is not None else password
    context = ssl_context or ssl.create_default_context()
    try:
        client = (smtplib.SMTP_SSL(host, port, timeout=timeout, context=context) if implicit_tls
                  else smtplib.SMTP(host, port, timeout=timeout))
        with client:
            client.ehlo()
            encrypted = implicit_tls
            if not implicit_tls and client.has_extn("starttls"):
                client.starttls(context=context)
                client.ehlo()
                encrypted = True
            if user:
                if not encrypted and not is_loopback(host):
                    raise DeliveryFailed(f"{host} offers no STARTTLS, and the SMTP password is never sent "
                                         "unencrypted: use an smtps:// URL or a server that offers STARTTLS",
                                         transient=False)
                client.login(user, password or "")
            refused = client.send_message(message)
    except DeliveryFailed:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise DeliveryFailed(f"the SMTP server refused the login (SMTP {exc.smtp_code})", transient=False) from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(f"the SMTP server refused every recipient: {', '.join(exc.recipients)}",
                             transient=False) from None
    except smtplib.SMTPResponseException as exc:
        said = exc.smtp_error.decode("utf-8", "replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        raise DeliveryFailed(f"the SMTP server answered {exc.smtp_code}: {said[:160]}",
                             transient=400 <= exc.smtp_code < 500) from None
    except ssl.SSLError as exc:
        raise DeliveryFailed(f"TLS with the SMTP server failed ({exc.reason or type(exc).__name__})",
                             transient=False) from None
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryFailed(f"could not talk to the SMTP server at {host}:{port} ({type(exc).__name__})",
                             transient=True) from None
    if refused:
        raise DeliveryFailed(f"sent, but the SMTP server refused {', '.join(refused)}", transient=False)


# --------------------------------------------------------------------------------------
# Webhooks
# --------------------------------------------------------------------------------------


def post_json(url: str, payload: dict[str, Any], *, timeout: float = 20.0) -> None:
    """POST ``payload`` as JSON to a webhook; any 2xx is success (Slack answers 200 "ok", a Teams
    Workflows webhook 202). 408, 425, 429 and 5xx are transient (``Retry-After`` is honoured);
    other answers are not. Redirects are not followed: a webhook never moves."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        answer = requests.post(url, data=body, headers={"Content-Type": "application/json; charset=utf-8"},
                               timeout=(min(5.0, timeout), timeout), allow_redirects=False)
    except requests.Timeout:
        raise DeliveryFailed(f"no answer within {timeout:g} s", transient=True) from None
    except requests.ConnectionError:
        raise DeliveryFailed("could not connect", transient=True) from None
    except requests.RequestException as exc:
        raise DeliveryFailed(f"the request failed ({type(exc).__name__})", transient=False) from None
    if 200 <= answer.status_code < 300:
        return
    said = printable(answer.text[:200], keep_lines=False).strip()
    transient = answer.status_code in (408, 425, 429) or answer.status_code >= 500
    raise DeliveryFailed(f"HTTP {answer.status_code}" + (f": {said}" if said else ""), transient=transient,
                         retry_after=_seconds(answer.headers.get("Retry-After")))


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


# --------------------------------------------------------------------------------------
# Logs
# --------------------------------------------------------------------------------------

#: Loggers whose debug lines can carry a URL (urllib3 logs every request's path, which for a webhook
#: is its token).
_HTTP_LOGGERS = ("urllib3", "urllib3.connectionpool", "urllib3.connection", "urllib3.util.retry",
                 "urllib3.poolmanager", "requests")


class _Redacting(logging.Filter):
    def __init__(self, secrets: Sequence[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message, self.secrets)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


@contextlib.contextmanager
def _redacted_logs(secrets: Sequence[str]) -> Iterator[None]:
    """While sending, every line the HTTP library (and this package) logs has the secrets redacted."""
    if not secrets:
        yield
        return
    redacting = _Redacting(secrets)
    loggers = [logging.getLogger(name) for name in _HTTP_LOGGERS]
    for logger in loggers:
        logger.addFilter(redacting)
    try:
        yield
    finally:
        for logger in loggers:
            logger.removeFilter(redacting)


__all__ = [
    "FAILED_BITS", "FAILED_EXIT", "DeliveryFailed", "Outcome", "RetryPolicy", "SentLog", "SentLogError", "Target",
    "audience", "deliver", "deliver_per_person", "email_message", "exit_status", "post_json", "redact", "send_email",
    "sender", "targets",
]
