"""How the privacy center's tests act: a person's browser (cookies kept, redirects not followed,
forms read from the real HTML) and a demo partner app holding an OAuth token."""

from __future__ import annotations

from typing import Any

import requests
from tests.e2e import pages
from tests.e2e.pages import World, field, form_action, query

from consentgate.ledger.entries import Entry, decode_entry

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


class Browser(pages.Browser):
    """A person's browser, signing in with the demo people's passwords."""

    passwords = PASSWORDS
    timeout = 20

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
    client = pages.partner_client(
        f"{name}-demo", f"{name}-demo-secret-not-for-production", REDIRECT_URI
    )
    auth = pages.authorization_request(world, client, MUSIC)
    browser = signed_in(world, handle)
    page = browser.get(auth.url)
    assert page.status_code == 200, page.text
    answer = browser.post(
        form_action(page.text),
        {
            "csrf_token": field(page.text, "csrf_token"),
            "receipt_digest": field(page.text, "receipt_digest"),
            "decision": "allow",
        },
    )
    assert answer.status_code == 302, answer.text
    location = answer.headers["location"]
    assert "code" in query(location)
    token: dict[str, Any] = client.fetch_token(
        world.url("/oauth/token"), authorization_response=location, code_verifier=auth.verifier
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
