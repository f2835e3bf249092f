"""Who may see the dashboard: signed-in people on the allowlist, when sign-in is configured.

Streamlit's own sign-in (``st.login`` with ``[auth]`` in secrets) says who someone is; this
module decides whether that person may see the team's data. It is pure, so the rule is tested
without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass

from learnloop.settings import Settings


@dataclass(frozen=True)
class Decision:
    allowed: bool
    #: What to tell the visitor (never the data, never the allowlist itself).
    reason: str


def decide(config: Settings, *, signed_in: bool, email: str | None) -> Decision:
    """May this visitor see the data?

    Without ``[auth]`` everyone may (the app runs open, for local use). With it, a visitor must
    be signed in, and when an allowlist is set (``allowed_emails`` or ``allowed_domains``), their
    email must be on it or end in one of the domains. Emails compare without regard to case.
    """
    if not config.auth:
        return Decision(True, "Sign-in is not configured: anyone who can open this app sees its data.")
    if not signed_in:
        return Decision(False, "Sign in to see your team's learning dashboard.")
    address = (email or "").strip().lower()
    if not config.allowed_emails and not config.allowed_domains:
        return Decision(True, "Any signed-in account may see this dashboard.")
    domain = address.rpartition("@")[2]
    if address and (address in config.allowed_emails or domain in config.allowed_domains):
        return Decision(True, f"{address} is on this dashboard's allowlist.")
    shown = address or "This account"
    return Decision(False, f"{shown} is not allowed to see this dashboard. Sign in with your work account, "
                           "or ask the team lead to add you to the allowlist.")
