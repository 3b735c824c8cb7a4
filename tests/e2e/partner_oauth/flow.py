"""How the tests act: a partner with Authlib's OAuth 2.0 client, a person with a browser-like
``requests`` session that reads and posts the real HTML forms."""

from __future__ import annotations

from typing import Any

import requests
from authlib.integrations.requests_client import OAuth2Session
from tests.e2e import pages
from tests.e2e.pages import Authorization, World, field, form_action, query

#: Registered for every test client. Never contacted: the tests read the redirect's Location.
REDIRECT_URI = "http://127.0.0.1:9/callback"
#: partner -> (partner id, client id, secret)
CLIENTS = {
    "tunes": ("tunes", "tunes-e2e", "tunes-e2e-secret-0123456789"),
    "handset": ("handset", "handset-e2e", "handset-e2e-secret-0123456789"),
    "findit": ("findit", "findit-e2e", "findit-e2e-secret-0123456789"),
    "reelview": ("reelview", "reelview-e2e", "reelview-e2e-secret-0123456789"),
}
PASSWORDS = {"alice": "alice-test-pass", "bob": "bob-test-pass", "carol": "carol-test-pass"}
#: What the music partner asks for: read and send messages, to share a song.
MUSIC = [
    {
        "type": "consentgate_access",
        "categories": ["messages"],
        "actions": ["read", "write"],
        "purpose": "music.share",
    }
]


def partner(world: World, name: str = "tunes") -> OAuth2Session:
    """The partner's OAuth client: confidential, PKCE S256, HTTP Basic client authentication."""
    _, client_id, secret = CLIENTS[name]
    return pages.partner_client(client_id, secret, REDIRECT_URI)


class Browser(pages.Browser):
    """A person's browser, signing in with the test people's passwords and going home after."""

    passwords = PASSWORDS
    default_next = "/"


def start(
    world: World, client: OAuth2Session, details: Any = MUSIC, **params: str
) -> Authorization:
    """The authorization request URL the partner sends the person to (RFC 6749 §4.1.1)."""
    return pages.authorization_request(world, client, details, **params)


def consent_page(browser: Browser, auth: Authorization, handle: str = "alice") -> requests.Response:
    """Open the authorization URL, sign in when asked, and land on the consent screen."""
    first = browser.get(auth.url)
    if first.status_code == 303 and first.headers["location"].startswith("/login"):
        signed_in = browser.sign_in(handle, query(first.headers["location"])["next"])
        assert signed_in.status_code == 303, signed_in.text
        return browser.get(signed_in.headers["location"])
    return first


def decide(browser: Browser, page: requests.Response, decision: str = "allow") -> requests.Response:
    """Press Allow or Deny on the consent screen."""
    assert page.status_code == 200, page.text
    return browser.post(
        form_action(page.text),
        {
            "csrf_token": field(page.text, "csrf_token"),
            "receipt_digest": field(page.text, "receipt_digest"),
            "decision": decision,
        },
    )


def authorize(
    world: World, client: OAuth2Session, handle: str = "alice", details: Any = MUSIC
) -> tuple[Authorization, str]:
    """The whole front channel: the person signs in and allows; returns the redirect Location."""
    auth = start(world, client, details)
    browser = Browser(world)
    answer = decide(browser, consent_page(browser, auth, handle))
    assert answer.status_code == 302, answer.text
    return auth, answer.headers["location"]


def code_exchange(
    auth: Authorization, location: str, *, redirect_uri: str = REDIRECT_URI, pkce: bool = True
) -> dict[str, str]:
    """The token request that redeems the code in ``location`` (RFC 6749 §4.1.3), with the PKCE
    verifier (RFC 7636 §4.5) unless ``pkce`` is false."""
    data = {
        "grant_type": "authorization_code",
        "code": query(location)["code"],
        "redirect_uri": redirect_uri,
    }
    if pkce:
        data["code_verifier"] = auth.verifier
    return data


def get_token(world: World, client: OAuth2Session, handle: str = "alice") -> dict[str, Any]:
    auth, location = authorize(world, client, handle)
    token: dict[str, Any] = client.fetch_token(
        world.url("/oauth/token"), authorization_response=location, code_verifier=auth.verifier
    )
    return token


def introspect(world: World, name: str, token: str) -> dict[str, Any]:
    _, client_id, secret = CLIENTS[name]
    response = requests.post(
        world.url("/oauth/introspect"), data={"token": token}, auth=(client_id, secret), timeout=10
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def token_call(world: World, name: str, data: dict[str, str]) -> requests.Response:
    """A raw token-endpoint request with the client's HTTP Basic credentials."""
    _, client_id, secret = CLIENTS[name]
    return requests.post(world.url("/oauth/token"), data=data, auth=(client_id, secret), timeout=10)
