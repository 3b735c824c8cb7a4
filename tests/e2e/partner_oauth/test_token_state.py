"""What the authorization server says about a token agrees with what the data API does with it.

Introspection (RFC 7662) answers ``active: false`` as soon as the data API would refuse the token
because the person revoked the grant, the agreement ended or the partner was suspended; a refresh
refused for its ``scope`` leaves the refresh token as it was.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from consentgate.domain import Action, Capability, Category, PartnerStatus

from .flow import CLIENTS, REDIRECT_URI, Browser, World, authorize, introspect, partner, token_call

FRIENDS = [
    {
        "type": "consentgate_access",
        "categories": ["friends"],
        "actions": ["read"],
        "purpose": "music.share",
    }
]


def _tokens(world: World, name: str, details: Any = FRIENDS) -> dict[str, Any]:
    client = partner(world, name)
    auth, location = authorize(world, client, "alice", details)
    issued: dict[str, Any] = client.fetch_token(
        world.url("/oauth/token"), authorization_response=location, code_verifier=auth.verifier
    )
    return issued


def _friends(world: World, access_token: str) -> requests.Response:
    return requests.get(
        world.url("/v1/friends"),
        params={"purpose": "music.share"},
        headers={"Authorization": f"Bearer {access_token}"},
        timeout=10,
    )


def _new_partner(world: World, name: str) -> str:
    """A partner of its own, so that ending or suspending it touches no other test."""
    services = world.services
    now = datetime.now(UTC)
    services.partners.register_partner(name, name.title(), "fitness app")
    agreement = services.partners.sign_agreement(
        name,
        (Capability(Category.FRIENDS, Action.READ, "music.share", frozenset({"id", "friend_id"})),),
        valid_from=now - timedelta(days=2),
        valid_until=now + timedelta(days=30),
    )
    CLIENTS[name] = (name, f"{name}-e2e", f"{name}-e2e-secret-0123456789")
    services.clients.register_known_client(
        name, f"{name}-e2e", CLIENTS[name][2], name, [REDIRECT_URI]
    )
    return agreement.id


def _refused_everywhere(world: World, name: str, issued: dict[str, Any], reason: str) -> None:
    """The data API refuses the token (logged, with ``reason``), introspection calls both tokens
    inactive, and the refresh token mints nothing."""
    refused = _friends(world, issued["access_token"])
    assert refused.status_code == 403
    assert reason in refused.json()["reasons"]
    assert introspect(world, name, issued["access_token"]) == {"active": False}
    assert introspect(world, name, issued["refresh_token"]) == {"active": False}
    refresh = token_call(
        world, name, {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    )
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "invalid_grant"


def test_a_grant_the_person_revoked_makes_its_tokens_inactive(world: World) -> None:
    issued = _tokens(world, "tunes")
    assert _friends(world, issued["access_token"]).status_code == 200
    assert introspect(world, "tunes", issued["refresh_token"])["active"] is True
    grant_id = introspect(world, "tunes", issued["access_token"])["grant_id"]
    browser = Browser(world)
    browser.sign_in("alice")
    assert browser.post(f"/v1/me/grants/{grant_id}/revoke", {}).status_code == 200
    _refused_everywhere(world, "tunes", issued, "grant.revoked")


def test_an_ended_agreement_makes_its_tokens_inactive(world: World) -> None:
    agreement_id = _new_partner(world, "runfast")
    issued = _tokens(world, "runfast")
    assert _friends(world, issued["access_token"]).status_code == 200
    world.services.partners.end_agreement(agreement_id)
    _refused_everywhere(world, "runfast", issued, "agreement.ended")


def test_a_suspended_partner_holds_only_inactive_tokens(world: World) -> None:
    _new_partner(world, "stepcount")
    issued = _tokens(world, "stepcount")
    assert introspect(world, "stepcount", issued["access_token"])["active"] is True
    world.services.partners.set_status("stepcount", PartnerStatus.SUSPENDED, "investigation")
    _refused_everywhere(world, "stepcount", issued, "partner.suspended")


def test_a_refresh_refused_for_its_scope_changes_nothing(world: World) -> None:
    issued = _tokens(world, "tunes")
    wrong = token_call(
        world,
        "tunes",
        {
            "grant_type": "refresh_token",
            "refresh_token": issued["refresh_token"],
            "scope": "friends.read messages.read",
        },
    )
    assert wrong.status_code == 400
    assert wrong.json()["error"] == "invalid_scope"
    assert introspect(world, "tunes", issued["access_token"])["active"] is True
    assert introspect(world, "tunes", issued["refresh_token"])["active"] is True
    # The client retries without the scope: a normal refresh, not reuse.
    again = token_call(
        world, "tunes", {"grant_type": "refresh_token", "refresh_token": issued["refresh_token"]}
    )
    assert again.status_code == 200, again.text
    renewed = again.json()
    assert renewed["refresh_token"] != issued["refresh_token"]
    assert introspect(world, "tunes", renewed["access_token"])["active"] is True
    assert _friends(world, renewed["access_token"]).status_code == 200
