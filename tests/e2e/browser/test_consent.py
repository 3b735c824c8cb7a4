"""A person signs in and answers a partner's request on the consent screen, in a real browser;
with JavaScript switched off too: the sign-in and consent pages must not need it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from authlib.integrations.requests_client import OAuth2Session
from playwright.sync_api import BrowserContext, Page
from tests.e2e.pages import Authorization, authorization_request, query

from .conftest import FRIENDS, Demo, assert_accessible, screenshot


def _consent_screen(demo: Demo, page: Page, client: OAuth2Session, handle: str) -> Authorization:
    """Open the partner's authorization URL, sign in when asked; return the request."""
    auth = authorization_request(demo, client, FRIENDS)
    page.goto(auth.url)
    assert "/login" in page.url
    page.fill("input[name=handle]", handle)
    page.fill("input[name=password]", {"alice": "alice-demo-pass", "bob": "bob-demo-pass"}[handle])
    page.click("button[type=submit]")
    page.wait_for_url("**/oauth/authorize?**")
    return auth


def test_a_person_signs_in_and_allows_without_javascript(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    page = new_context(javascript=False).new_page()
    client = demo.partner()
    auth = _consent_screen(demo, page, client, "alice")
    body = page.inner_text("body")
    assert "Tunes Music" in body
    assert "Share a song with a friend in a message" in body
    page.click("button[value=allow]")
    page.wait_for_url("**/demo/callback?**")
    assert query(page.url)["state"] == auth.state
    token = client.fetch_token(
        demo.url("/oauth/token"), authorization_response=page.url, code_verifier=auth.verifier
    )
    context = demo.services.tokens.resolve_bearer(token["access_token"])
    assert context is not None
    assert (context.person_id, context.partner_id) == ("p-alice", "tunes")


def test_deny_sends_the_person_back_with_access_denied_and_grants_nothing(
    demo: Demo, new_context: Callable[..., BrowserContext], screenshot_dir: Path
) -> None:
    page = new_context().new_page()
    grants_before = len(demo.services.grants.grants_of_person("p-bob"))
    auth = _consent_screen(demo, page, demo.partner(), "bob")
    assert_accessible(page)
    screenshot(page, screenshot_dir, "consent")
    page.click("button[value=deny]")
    page.wait_for_url("**/demo/callback?**")
    answer = query(page.url)
    assert (answer["error"], answer["state"]) == ("access_denied", auth.state)
    assert len(demo.services.grants.grants_of_person("p-bob")) == grants_before


def test_the_sign_in_page_is_accessible(
    new_context: Callable[..., BrowserContext], screenshot_dir: Path
) -> None:
    page = new_context().new_page()
    page.goto("/login?next=/me")
    assert_accessible(page)
    assert page.locator("input[name=password]").get_attribute("type") == "password"
    screenshot(page, screenshot_dir, "login")
