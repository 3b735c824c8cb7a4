"""How the privacy center's tests act: a person's browser (cookies kept, redirects not followed,
forms read from the real HTML) and a demo partner app holding an OAuth token."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from fastapi import FastAPI

from consentgate.ledger.entries import Entry, decode_entry
from consentgate.services.wiring import Running, Services
from consentgate.web.state import state_of

PASSWORDS = {
    "alice": "alice-demo-pass",
    "bob": "bob-demo-pass",
    "carol": "carol-demo-pass",
    "dave": "dave-demo-pass",
}
#: The demo clients' redirect URI; never contacted, the tests read the redirect's Location.
REDIRECT_URI = "http://127.0.0.1:8000/demo/callback"
MUSIC = [
    {
        "type": "consentgate_access",
        "categories": ["messages", "friends"],
        "actions": ["read"],
        "purpose": "music.share",
    }
]


@dataclass
class World:
    base: str
    services: Services
    app: FastAPI

    @property
    def running(self) -> Running:
        return state_of(self.app).lifecycle.running

    def url(self, path: str) -> str:
        return self.base + path


def field(page: str, name: str) -> str:
    """The value of the first hidden input ``name`` in an HTML page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


class Browser:
    """A person's browser: keeps cookies, never follows redirects on its own."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.http = requests.Session()

    def get(self, url: str) -> requests.Response:
        return self.http.get(urljoin(self.world.base, url), allow_redirects=False, timeout=20)

    def post(self, url: str, data: dict[str, str] | list[tuple[str, str]]) -> requests.Response:
        return self.http.post(
            urljoin(self.world.base, url), data=data, allow_redirects=False, timeout=20
        )

    def sign_in(self, handle: str, next_url: str | None = None) -> requests.Response:
        login = "/login" + ("?next=" + quote(next_url, safe="") if next_url else "")
        page = self.get(login)
        assert page.status_code == 200
        return self.post(
            "/login",
            {
                "csrf_token": field(page.text, "csrf_token"),
                "next": field(page.text, "next"),
                "handle": handle,
                "password": PASSWORDS[handle],
            },
        )

    def csrf(self, path: str = "/me") -> str:
        """The session's CSRF token, as a page's form carries it."""
        page = self.get(path)
        assert page.status_code == 200, page.text
        return field(page.text, "csrf_token")


def signed_in(world: World, handle: str) -> Browser:
    browser = Browser(world)
    assert browser.sign_in(handle).status_code == 303
    return browser


def partner_token(world: World, handle: str = "alice", name: str = "tunes") -> dict[str, Any]:
    """The demo partner app's token after ``handle`` allows it on the consent screen."""
    client = OAuth2Session(
        f"{name}-demo",
        f"{name}-demo-secret-not-for-production",
        redirect_uri=REDIRECT_URI,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(
        world.url("/oauth/authorize"),
        code_verifier=verifier,
        authorization_details=json.dumps(MUSIC),
    )
    browser = signed_in(world, handle)
    page = browser.get(url)
    assert page.status_code == 200, page.text
    action = re.search(r'<form method="post" action="([^"]*)"', page.text)
    assert action
    answer = browser.post(
        html.unescape(action.group(1)),
        {
            "csrf_token": field(page.text, "csrf_token"),
            "receipt_digest": field(page.text, "receipt_digest"),
            "decision": "allow",
        },
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert "code" in parse_qs(urlsplit(location).query)
    token: dict[str, Any] = client.fetch_token(
        world.url("/oauth/token"), authorization_response=location, code_verifier=verifier
    )
    return token


def entry(world: World, index: int) -> Entry:
    """The log entry at ``index``, decoded from the bytes the log holds."""
    [(_, data)] = world.running.log.store.entries(index, index + 1)
    return decode_entry(data)


def newest_grant(world: World, person_id: str, partner_id: str) -> str:
    """The id of the newest grant ``person_id`` gave ``partner_id``."""
    grants = [
        g for g in world.services.grants.grants_of_person(person_id) if g.partner_id == partner_id
    ]
    return max(grants, key=lambda g: g.issued_at).id


def call(
    world: World, token: dict[str, Any], path: str, purpose: str = "music.share"
) -> requests.Response:
    """The partner's data API call with its bearer token."""
    return requests.get(
        world.url(path),
        params={"purpose": purpose},
        headers={"Authorization": f"Bearer {token['access_token']}"},
        timeout=20,
    )
