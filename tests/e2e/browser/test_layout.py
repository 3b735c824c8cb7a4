"""How the privacy center reads in a browser: the access history fits a desktop screen without
sideways scrolling, and dates are rewritten in the reader's locale (``local-time.js``). Saves the
pages the README's tour shows: ``tour-*.png`` in the screenshot folder."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from .conftest import Demo, partner_token, sign_in


@pytest.fixture(scope="module")
def alice(demo: Demo, browser: Browser) -> BrowserContext:
    """Alice's browser at 1280 px, after the music partner read her friend list, was refused her
    messages (not granted), and read her friend bob's friend list, alice included."""
    context = browser.new_context(
        base_url=demo.base, viewport={"width": 1280, "height": 900}, locale="en-GB"
    )
    context.set_default_timeout(10_000)
    partner = partner_token(demo, sign_in(context, "alice"))
    assert partner.get("/v1/friends", purpose="music.share").status_code == 200
    assert partner.get("/v1/messages", purpose="music.share").status_code == 403
    bobs = browser.new_context(base_url=demo.base)
    try:
        friend = partner_token(demo, sign_in(bobs, "bob"))
    finally:
        bobs.close()
    assert friend.get("/v1/friends", purpose="music.share").status_code == 200
    return context


def test_the_history_fits_1280_px_without_sideways_scrolling(
    alice: BrowserContext, screenshot_dir: Path
) -> None:
    page = alice.new_page()
    page.goto("/me/history")
    cell = page.locator("#history tbody tr").first.locator("td.verify")
    expect(cell).not_to_have_attribute("data-verified", "waiting", timeout=15_000)
    box = cell.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 1280, box
    # Inside the viewport is not enough: the table's scroll region clips what overflows it.
    scroll = page.locator("#history").locator("xpath=..")
    region = scroll.bounding_box()
    assert region is not None
    assert box["x"] + box["width"] <= region["x"] + region["width"] + 0.5, (box, region)
    assert scroll.evaluate("e => e.scrollWidth <= e.clientWidth"), "the table scrolls sideways"
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.screenshot(path=str(screenshot_dir / "tour-history.png"), full_page=True)
    for width in (390, 320):
        page.set_viewport_size({"width": width, "height": 900})
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), width
        box = cell.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= width, (width, box)
    page.set_viewport_size({"width": 390, "height": 900})
    page.screenshot(path=str(screenshot_dir / "tour-history-narrow.png"), full_page=True)
    for name, path in (("me", "/me"), ("settings", "/me/settings")):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.goto(path)
        page.screenshot(path=str(screenshot_dir / f"tour-{name}.png"), full_page=True)
    page.close()


def test_dates_show_in_the_readers_locale_with_the_exact_time_in_the_title(
    demo: Demo, browser: Browser, alice: BrowserContext
) -> None:
    context = browser.new_context(base_url=demo.base, locale="de-DE", timezone_id="Europe/Berlin")
    context.set_default_timeout(10_000)
    try:
        page = sign_in(context, "alice", "/me/history")
        exact = page.locator("#history tbody tr").first.locator('time[data-format="exact"]')
        expect(exact).to_have_attribute("data-localized", "yes")
        text = exact.inner_text()
        # German: "2. Dez. 2026, 16:05 MEZ" — day with a dot, German month, no "UTC".
        assert re.match(r"^\d{1,2}\. \w+\.? \d{4}", text), text
        assert "UTC" not in text
        relative = page.locator('#history tbody tr time[data-format="relative"]').first
        expect(relative).to_have_text(re.compile(r"^(jetzt|vor .+|in .+|gestern|heute)$"))
        assert re.search(r"\d{4}.*\d{2}:\d{2}:\d{2}", relative.get_attribute("title") or "")
    finally:
        context.close()
