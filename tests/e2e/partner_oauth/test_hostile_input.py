"""Hostile input at the sign-in and authorization endpoints answers 400 or 403, never 500, and
keeps the connection open: a crafted request must not be a way to crash a handler or drop a
client's keep-alive connection."""

from __future__ import annotations

import http.client
import json
from urllib.parse import quote, urlencode, urlsplit

import pytest

from .flow import CLIENTS, MUSIC, REDIRECT_URI, Browser, World, consent_page, field, partner, start


def _same_connection(world: World, first: str) -> tuple[int, bytes, int]:
    """GET ``first`` and then ``/healthz`` on one keep-alive connection; both statuses and body."""
    parts = urlsplit(world.base)
    conn = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)
    try:
        conn.request("GET", first)
        answer = conn.getresponse()
        body = answer.read()
        assert answer.getheader("connection", "").lower() != "close"
        conn.request("GET", "/healthz")
        second = conn.getresponse()
        second.read()
        return answer.status, body, second.status
    finally:
        conn.close()


def _authorize_query(**params: str) -> str:
    base = {
        "response_type": "code",
        "client_id": CLIENTS["tunes"][1],
        "redirect_uri": REDIRECT_URI,
        "code_challenge": "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        "code_challenge_method": "S256",
        "authorization_details": json.dumps(MUSIC),
    }
    base.update(params)
    return "/oauth/authorize?" + urlencode(base)


@pytest.mark.parametrize(
    "target",
    [
        "/oauth/authorize?response_type=x%22",
        "/oauth/authorize?response_type=x%5C",
        "/oauth/authorize?response_type=%C3%A9",
        _authorize_query(redirect_uri='http://127.0.0.1:9/cb"'),
        _authorize_query(redirect_uri="http://127.0.0.1:9/cb\\"),
        _authorize_query(redirect_uri="http://127.0.0.1:9/cb\x00"),
        _authorize_query(redirect_uri="http://127.0.0.1:9/caf\u00e9"),
        _authorize_query(response_type='code"'),
        _authorize_query(authorization_details="[" * 1200 + "]" * 1200),
        _authorize_query(authorization_details='[{"type":' + "[" * 1200 + "]" * 1200 + "}]"),
    ],
    ids=[
        "response-type-quote",
        "response-type-backslash",
        "response-type-non-ascii",
        "redirect-uri-quote",
        "redirect-uri-backslash",
        "redirect-uri-nul",
        "redirect-uri-non-ascii",
        "known-client-response-type-quote",
        "details-nested-1200",
        "details-member-nested-1200",
    ],
)
def test_a_crafted_authorization_request_is_an_oauth_error_and_keeps_the_connection(
    world: World, target: str
) -> None:
    status, body, after = _same_connection(world, target)
    assert status in {400, 302}, body[:300]
    if status == 400:
        assert json.loads(body)["error"] in {"invalid_request", "unsupported_response_type"}
    assert after == 200


def test_deep_details_from_a_known_client_redirect_with_an_oauth_error(world: World) -> None:
    browser = Browser(world)
    browser.sign_in("alice")
    deep = "[" * 1200 + "]" * 1200
    answer = browser.get(_authorize_query(authorization_details=deep))
    assert answer.status_code == 302
    assert "error=invalid_authorization_details" in answer.headers["location"]


@pytest.mark.parametrize("token", ["\u00e9t\u00e9", "\u2603" * 43, "caf\u00e9-token"])
def test_a_non_ascii_csrf_token_is_refused_not_a_crash(world: World, token: str) -> None:
    browser = Browser(world)
    page = browser.get("/login")
    signed_out = browser.post(
        "/login", {"csrf_token": token, "handle": "carol", "password": "carol-test-pass"}
    )
    assert signed_out.status_code == 403
    assert field(page.text, "csrf_token") != token
    browser.sign_in("bob")
    assert browser.post("/logout", {"csrf_token": token}).status_code == 403
    assert browser.get("/v1/me/settings").status_code == 200
    auth = start(world, partner(world))
    consent = consent_page(browser, auth, "bob")
    refused = browser.post(
        "/oauth/authorize?" + urlsplit(auth.url).query,
        {"csrf_token": token, "decision": "allow", "receipt_digest": "x"},
    )
    assert refused.status_code == 403
    assert consent.status_code == 200


def test_a_non_ascii_receipt_digest_shows_the_statement_again(world: World) -> None:
    browser = Browser(world)
    auth = start(world, partner(world))
    page = consent_page(browser, auth, "alice")
    answer = browser.post(
        "/oauth/authorize?" + urlsplit(auth.url).query,
        {
            "csrf_token": field(page.text, "csrf_token"),
            "decision": "allow",
            "receipt_digest": "\u00e9" * 64,
        },
    )
    assert answer.status_code == 409
    assert "changed since the page was shown" in answer.text


def test_a_login_page_next_with_odd_characters_is_served(world: World) -> None:
    status, _, after = _same_connection(world, "/login?next=" + quote('/\u00e9"\\', safe=""))
    assert status == 200
    assert after == 200
