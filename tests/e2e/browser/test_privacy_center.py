"""A person's privacy center in a real browser: the partners they allowed, revoking one in two
clicks, the settings preview against what the engine then decides, and every page without
JavaScript (all but the in-browser verification works)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from .conftest import Demo, PartnerClient, assert_accessible, partner_token, screenshot, sign_in


def _grant_of(demo: Demo, partner: PartnerClient) -> str:
    context = demo.services.tokens.resolve_bearer(partner.token)
    assert context is not None
    assert context.grant_id is not None
    return context.grant_id


def _revoke_in_two_clicks(page: Page, grant_id: str) -> list[str]:
    """Press the grant's Revoke button, then the confirmation; return the URLs after each."""
    page.goto("/me")
    page.locator(f'form[action="/me/grants/{grant_id}/revoke"] button').click()
    page.wait_for_load_state()
    after_first = page.url
    page.get_by_role("button", name="Yes, revoke").click()
    page.wait_for_url(re.compile(r"/me\?revoked="))
    return [after_first, page.url]


def test_a_person_signs_in_and_sees_the_partners_they_allowed(
    demo: Demo, signed_in: Callable[..., Page]
) -> None:
    page = signed_in("alice")
    assert page.url == demo.url("/me")
    shown = page.locator("section.card h2").all_inner_texts()
    # The demo gave alice grants to the music streamer and the device maker.
    assert {"Tunes Music", "Handset Devices"} <= set(shown)
    handset = page.locator("section.card", has=page.get_by_role("heading", name="Handset Devices"))
    expect(handset.locator("ul.scopes")).to_contain_text("contacts")
    expect(handset.get_by_role("button", name="Revoke access for Handset Devices")).to_be_visible()


def test_revoking_takes_exactly_two_clicks_and_the_partners_next_call_gets_403(
    demo: Demo, signed_in: Callable[..., Page], screenshot_dir: Path
) -> None:
    page = signed_in("alice")
    partner = partner_token(demo, page)
    assert partner.get("/v1/friends", purpose="music.share").status_code == 200
    grant_id = _grant_of(demo, partner)
    page.goto("/me")
    page.locator(f'form[action="/me/grants/{grant_id}/revoke"] button').click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Revoke access for Tunes Music?")
    assert partner.get("/v1/friends", purpose="music.share").status_code == 200  # not yet
    assert_accessible(page)
    screenshot(page, screenshot_dir, "revoke-confirm")
    page.get_by_role("button", name="Yes, revoke").click()
    page.wait_for_url(re.compile(r"/me\?revoked="))
    expect(page.get_by_role("status")).to_contain_text("Tunes Music no longer has access")
    refused = partner.get("/v1/friends", purpose="music.share")
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert demo.services.grants.get_grant(grant_id).revoked_at is not None


def test_the_settings_preview_matches_what_the_engine_then_decides(
    demo: Demo, signed_in: Callable[..., Page], screenshot_dir: Path
) -> None:
    """Dave shares his friend list only; the preview of switching it off names the partner that
    loses it, nothing is saved until Save, and after Save the engine refuses that partner."""
    page = signed_in("dave")
    partner = partner_token(demo, page)
    assert partner.get("/v1/friends", purpose="music.share").status_code == 200
    before = demo.services.people.get_settings("p-dave")
    page.goto("/me/settings")
    page.get_by_label("My friend list").uncheck()
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("[aria-labelledby=preview-title] li").all_inner_texts()
    assert "Tunes Music will lose access to your friend list." in preview
    assert demo.services.people.get_settings("p-dave") == before  # a preview saves nothing
    assert partner.get("/v1/friends", purpose="music.share").status_code == 200
    assert_accessible(page)
    screenshot(page, screenshot_dir, "settings-preview")
    expect(page.get_by_label("My friend list")).not_to_be_checked()  # the form shows the preview
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved")
    refused = partner.get("/v1/friends", purpose="music.share")
    assert refused.status_code == 403, refused.text
    assert "settings.category_off" in refused.json()["reasons"]


def test_without_javascript_everything_works_except_verification(
    demo: Demo, new_context: Callable[..., BrowserContext]
) -> None:
    page = sign_in(new_context(javascript=False), "alice")
    expect(page.locator("section.card h2").first).to_be_visible()
    partner = partner_token(demo, page)  # the consent screen needs no script either
    answer = partner.get("/v1/friends", purpose="music.share")
    assert answer.status_code == 200
    index = answer.headers["log-index"]

    page.goto("/me/history")
    page.get_by_label("Partner").select_option("tunes")
    page.get_by_role("button", name="Show").click()
    assert "partner=tunes" in page.url
    row = page.locator(f'tr[data-log-index="{index}"]')
    expect(row).to_contain_text("Tunes Music")
    page.wait_for_timeout(500)  # what a script would have had to change the cell
    expect(row.locator("td.verify")).to_have_text(re.compile(r"^Not verified in this page\."))
    expect(row.locator("td.verify a")).to_have_attribute("href", "/me/verify")
    assert page.locator("td.verify[data-verified]").count() == 0

    page.goto("/me/settings")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#preview-title")).to_be_visible()

    urls = _revoke_in_two_clicks(page, _grant_of(demo, partner))
    assert urls[0].endswith("/revoke")
    assert partner.get("/v1/friends", purpose="music.share").status_code == 403
    page.goto("/me/deletions")
    expect(page.locator("main")).to_contain_text("Tunes Music")
    page.goto("/me/verify")
    expect(page.locator("main")).to_contain_text("consentgate log verify")
