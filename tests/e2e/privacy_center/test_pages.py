"""The privacy center's pages, read by the demo person alice in a browser without JavaScript."""

from __future__ import annotations

import re

from consentgate.ledger.entries import AccessDecision

from .center import Browser, World, call, entry, partner_token, signed_in

PAGES = ("/me", "/me/history", "/me/settings", "/me/deletions", "/me/verify")


def test_signed_out_visitors_are_sent_to_sign_in_and_back(world: World) -> None:
    browser = Browser(world)
    for path in (*PAGES, "/me/history?category=messages", "/me/history.csv"):
        answer = browser.get(path)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=%2Fme")
    landed = browser.sign_in("alice", "/me/history?category=messages")
    assert landed.headers["location"] == "/me/history?category=messages"


def test_signing_in_without_a_destination_lands_on_the_privacy_center(world: World) -> None:
    answer = Browser(world).sign_in("alice")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/me"


def test_every_page_renders_for_alice_under_the_strict_policy(world: World) -> None:
    browser = signed_in(world, "alice")
    for path in PAGES:
        page = browser.get(path)
        assert page.status_code == 200, (path, page.text[:500])
        assert page.headers["cache-control"] == "no-store"
        assert "default-src 'self'" in page.headers["content-security-policy"]
        text = page.text
        assert '<html lang="en">' in text
        assert 'href="#main"' in text
        assert 'id="main"' in text
        assert "<style" not in text, path
        assert "style=" not in text, path
        assert "<script>" not in text, path
        assert len(re.findall(r"<h1[ >]", text)) == 1, path


def test_alice_sees_the_partners_she_allowed_with_what_each_may_do(world: World) -> None:
    page = signed_in(world, "alice").get("/me").text
    assert "Tunes Music" in page
    assert "Read your messages" in page
    assert "to share a song with a friend in a message" in page
    assert "Version " in page
    assert "of its agreement" in page
    assert "What you agreed to (your consent receipt)" in page
    assert "Revoke access for Tunes Music" in page


def test_an_access_a_moment_ago_shows_in_the_history_with_its_log_entry(world: World) -> None:
    token = partner_token(world)
    answer = call(world, token, "/v1/messages")
    assert answer.status_code == 200, answer.text
    index = int(answer.headers["log-index"])
    page = signed_in(world, "alice").get("/me/history").text
    row = re.search(rf'<tr data-log-index="{index}"[^>]*>', page)
    assert row, page[:2000]
    tag = row.group(0)
    for attribute in (
        'data-type="access"',
        'data-partner="tunes"',
        'data-category="messages"',
        'data-action="read"',
        'data-purpose="music.share"',
        'data-decision="allow"',
    ):
        assert attribute in tag
    logged = entry(world, index)
    assert isinstance(logged, AccessDecision)
    assert f'data-time="{logged.time}"' in tag
    assert f'data-person-ref="{logged.person_ref}"' in page
    assert '<table id="history"' in page
    timeline = re.search(r'<table class="timeline[^"]*">(.*?)</table>', page, re.S)
    assert timeline, "a timeline per partner and category tops the page"
    assert '<th scope="row">Tunes Music</th>' in timeline.group(1)
    assert '<svg class="bars"' in timeline.group(1)
    assert '<script type="module" src="/static/verify.js"></script>' in page
    assert '<p id="verify-summary"' in page
    assert 'class="verify">Not verified in this page' in page


def test_signing_out_everywhere_closes_the_privacy_center_in_every_browser(world: World) -> None:
    here, there = signed_in(world, "dave"), signed_in(world, "dave")
    assert there.get("/me").status_code == 200
    ended = here.post("/logout/everywhere", {"csrf_token": here.csrf()})
    assert ended.status_code == 303
    for browser in (here, there):
        answer = browser.get("/me/history")
        assert answer.status_code == 303
        assert answer.headers["location"].startswith("/login?next=")
