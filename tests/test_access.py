"""Who may see the dashboard: the rule, the gate in the app, and sign-in end to end in a browser."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from learnloop import access, settings
from tests.browser import free_port, streamlit_server

APP = str(Path(__file__).resolve().parent.parent / "app.py")
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "s" * 32, "client_id": "learnloop",
        "client_secret": "not-a-secret", "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration"}


def config(**learnloop: object) -> settings.Settings:
    return settings.resolve({"auth": AUTH, "learnloop": learnloop}, {})


def test_without_auth_the_app_is_open_and_says_so():
    decision = access.decide(settings.resolve({}, {}), signed_in=False, email=None)
    assert decision.allowed and "anyone" in decision.reason


def test_with_auth_a_visitor_who_is_not_signed_in_is_refused():
    assert not access.decide(config(), signed_in=False, email=None).allowed


def test_the_allowlist_matches_emails_and_domains_ignoring_case():
    rules = config(allowed_emails=["Lead@Partner.org"], allowed_domains=["@example.com"])
    assert access.decide(rules, signed_in=True, email="lead@partner.org").allowed
    assert access.decide(rules, signed_in=True, email="Ana@EXAMPLE.com").allowed
    refused = access.decide(rules, signed_in=True, email="ana@example.com.evil.io")
    assert not refused.allowed and "ana@example.com.evil.io" in refused.reason


def test_with_auth_and_no_allowlist_any_signed_in_account_may_see():
    assert access.decide(config(), signed_in=True, email="someone@anywhere.net").allowed


def run_gated(user: dict[str, object], page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["learnloop"] = {"allowed_domains": ["example.com"]}
    at.user = user
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def shown_text(at: AppTest) -> str:
    parts = [str(e.value) for kind in ("title", "markdown", "error", "info", "metric", "caption") for e in at.get(kind)]
    return " ".join(parts)


def test_signed_out_visitor_sees_only_sign_in():
    at = run_gated({"is_logged_in": False})
    assert not at.exception
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.get("plotly_chart") and not at.dataframe and not at.metric
    assert "Sign in" in shown_text(at)


def test_signed_in_visitor_outside_the_allowlist_is_refused_by_name_and_sees_no_data():
    at = run_gated({"is_logged_in": True, "email": "mallory@elsewhere.io"})
    assert not at.exception
    assert "mallory@elsewhere.io" in at.error[0].value
    assert not at.get("plotly_chart") and not at.dataframe and not at.metric


@pytest.mark.parametrize("page", ["pages/impact.py", "pages/data_health.py", "pages/retro.py"])
def test_no_page_shows_data_to_a_refused_visitor(page):
    """Even a page run without the frame stops at the gate inside the loader."""
    at = AppTest.from_file(str(Path(APP).parent / page), default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["learnloop"] = {"allowed_domains": ["example.com"]}
    at.user = {"is_logged_in": True, "email": "mallory@elsewhere.io"}
    at.run()
    assert not at.exception
    assert not at.get("plotly_chart") and not at.dataframe


def test_allowed_visitor_sees_the_dashboard_and_settings_say_sign_in_is_required():
    at = run_gated({"is_logged_in": True, "email": "ana@example.com"})
    assert not at.exception and at.get("plotly_chart")
    settings_page = run_gated({"is_logged_in": True, "email": "ana@example.com"}, "pages/settings.py")
    assert "Sign-in is required" in settings_page.success[0].value


def test_settings_page_says_the_app_is_open_without_auth(monkeypatch):
    monkeypatch.delenv("LEARNLOOP_SOURCE", raising=False)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    at.switch_page("pages/settings.py").run()
    assert not at.exception
    assert "anyone who can open this app" in at.warning[0].value


# --- End to end: a real OIDC provider on loopback, a real browser, Streamlit's own sign-in ---------


@pytest.fixture(scope="module")
def oidc_provider():
    from oidc_provider_mock import User, run_server_in_thread

    users = [User(sub="ana", claims={"email": "ana@example.com", "email_verified": True}),
             User(sub="mallory", claims={"email": "mallory@elsewhere.io", "email_verified": True})]
    with run_server_in_thread(port=free_port(), user_claims=users) as server:
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture(scope="module")
def gated_app(oidc_provider, tmp_path_factory):
    port = free_port()
    secrets_file = tmp_path_factory.mktemp("auth") / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        f'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_hex(32)}"\n'
        'client_id = "learnloop"\n'
        'client_secret = "learnloop-test"\n'
        f'server_metadata_url = "{oidc_provider}/.well-known/openid-configuration"\n'
        "[learnloop]\n"
        'allowed_domains = ["example.com"]\n', encoding="utf-8")
    with streamlit_server({"LEARNLOOP_SOURCE": "demo"}, port=port,
                          args=["--secrets.files", str(secrets_file)]) as url:
        yield url




def sign_in(browser, url: str, subject: str):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(url)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/authorize.*"), timeout=30_000)
    page.fill("input[name=sub]", subject)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(rf"^{re.escape(url)}/?(\?.*)?$"), timeout=30_000)
    return context, page


@pytest.mark.browser
def test_signed_out_visitor_sees_nothing_but_sign_in(gated_app, browser):
    page = browser.new_page()
    page.goto(gated_app)
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
    assert page.locator(".main-svg").count() == 0
    assert page.locator("[data-testid='stSidebarNav']").count() == 0
    page.close()


@pytest.mark.browser
def test_an_allowed_account_signs_in_and_sees_the_dashboard(gated_app, browser):
    context, page = sign_in(browser, gated_app, "ana")
    page.wait_for_selector(".main-svg", timeout=60_000)
    assert page.get_by_text("Overview", exact=False).first.is_visible()
    context.close()


@pytest.mark.browser
def test_another_account_signs_in_and_is_refused(gated_app, browser):
    context, page = sign_in(browser, gated_app, "mallory")
    page.get_by_text("mallory@elsewhere.io is not allowed").wait_for(timeout=60_000)
    assert page.locator(".main-svg").count() == 0
    context.close()
