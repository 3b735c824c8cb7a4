"""Every page of the privacy center passes axe-core (no serious or critical violation), in light
and dark mode, and is saved as screenshots at 1280 and 390 px wide."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from .conftest import Demo, assert_accessible, partner_token, screenshot, sign_in

PAGES = {
    "partners": "/me",
    "history": "/me/history",
    "settings": "/me/settings",
    "deletions": "/me/deletions",
    "verify": "/me/verify",
    "report": "/me/report",
}
Scheme = Literal["light", "dark"]


@pytest.fixture(scope="module")
def something_to_show(demo: Demo, browser: Browser) -> None:
    """Give alice's pages content: an allowed and a refused access, and an ended grant with its
    deletion to confirm."""
    context = browser.new_context(base_url=demo.base)
    partner = partner_token(demo, sign_in(context, "alice"))
    context.close()
    assert partner.get("/v1/friends", purpose="music.share").status_code == 200
    assert partner.get("/v1/messages", purpose="music.share").status_code == 403  # not granted
    token = demo.services.tokens.resolve_bearer(partner.token)
    assert token is not None
    assert token.grant_id is not None
    demo.services.grants.revoke_grant(token.grant_id, by_person="p-alice")


@pytest.fixture(scope="module", params=["light", "dark"])
def alice(
    request: pytest.FixtureRequest, demo: Demo, browser: Browser, something_to_show: None
) -> Iterator[BrowserContext]:
    """Alice's browser, signed in once per colour scheme (prefers-color-scheme)."""
    scheme: Scheme = request.param
    context = browser.new_context(
        base_url=demo.base, viewport={"width": 1280, "height": 900}, color_scheme=scheme
    )
    context.set_default_timeout(10_000)
    sign_in(context, "alice").close()
    yield context
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_every_page_of_the_privacy_center_is_accessible(
    alice: BrowserContext, name: str, screenshot_dir: Path
) -> None:
    page = alice.new_page()
    page.goto(PAGES[name])
    expect(page.locator("main h1")).to_be_visible()
    if name == "history":  # check the page as the person reads it: after verification ran
        expect(page.locator("#verify-summary")).not_to_be_empty()
        expect(page.locator("td.verify[data-verified=waiting]")).to_have_count(0, timeout=15_000)
    assert_accessible(page)
    scheme = page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    screenshot(page, screenshot_dir, f"{name}-{'dark' if scheme else 'light'}")
    page.close()
