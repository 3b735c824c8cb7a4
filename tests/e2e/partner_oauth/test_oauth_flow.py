"""A partner walks the whole OAuth 2.0 flow against the real server, with Authlib's client."""

from __future__ import annotations

import html

import pytest
import requests
from authlib.integrations.base_client import OAuthError

from consentgate.domain.details import DETAILS_TYPE
from consentgate.services.grants import receipt_hash
from consentgate.store import grants as grant_rows

from .flow import (
    MUSIC,
    REDIRECT_URI,
    Browser,
    World,
    authorize,
    consent_page,
    decide,
    get_token,
    introspect,
    partner,
    query,
    start,
    token_call,
)


def test_discovery_names_the_endpoints_pkce_s256_and_the_details_type(world: World) -> None:
    meta = requests.get(world.url("/.well-known/oauth-authorization-server"), timeout=10).json()
    assert meta["issuer"] == world.base
    assert meta["authorization_endpoint"] == world.url("/oauth/authorize")
    assert meta["token_endpoint"] == world.url("/oauth/token")
    assert meta["introspection_endpoint"] == world.url("/oauth/introspect")
    assert meta["revocation_endpoint"] == world.url("/oauth/revoke")
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["authorization_details_types_supported"] == [DETAILS_TYPE]
    assert set(meta["grant_types_supported"]) == {"authorization_code", "refresh_token"}


def test_a_person_signs_in_allows_and_the_partner_gets_a_short_lived_token(world: World) -> None:
    client = partner(world)
    auth = start(world, client)
    browser = Browser(world)
    page = consent_page(browser, auth)
    assert "Tunes Music" in page.text
    assert "Share a song with a friend in a message" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    answer = decide(browser, page)
    assert answer.status_code == 302
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI)
    assert query(location)["state"] == auth.state

    token = client.fetch_token(
        world.url("/oauth/token"), authorization_response=location, code_verifier=auth.verifier
    )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 600
    assert token["refresh_token"]
    assert {(d["categories"][0], d["actions"][0]) for d in token["authorization_details"]} == {
        ("messages", "read"),
        ("messages", "write"),
    }
    context = world.services.tokens.resolve_bearer(token["access_token"])
    assert context is not None
    assert (context.person_id, context.partner_id, context.client_id) == (
        "p-alice",
        "tunes",
        "tunes-e2e",
    )
    grant = world.services.grants.get_grant(context.grant_id)
    assert {str(s) for s in grant.scopes} == {
        "messages.read:music.share",
        "messages.write:music.share",
    }
    # The receipt is the statement the person was shown, word for word.
    with world.services.db.read() as conn:
        receipt = grant_rows.receipt_text(conn, grant.id)
    assert receipt is not None
    assert grant.receipt_hash == receipt_hash(receipt)
    for line in receipt.splitlines():
        assert f"<p>{html.escape(line)}</p>" in page.text
    assert "Tunes Music (tunes) asks" in receipt
    info = introspect(world, "tunes", token["access_token"])
    assert info["active"] is True
    assert info["sub"] == "p-alice"
    assert info["client_id"] == "tunes-e2e"


def test_refresh_rotates_and_reusing_an_old_refresh_token_revokes_the_family(world: World) -> None:
    client = partner(world)
    first = get_token(world, client)
    second = client.refresh_token(world.url("/oauth/token"), refresh_token=first["refresh_token"])
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] != first["refresh_token"]
    assert introspect(world, "tunes", second["access_token"])["active"] is True

    replay = token_call(
        world, "tunes", {"grant_type": "refresh_token", "refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # Two parties held that refresh token: everything descended from it is revoked.
    assert introspect(world, "tunes", second["access_token"])["active"] is False
    assert world.services.tokens.resolve_bearer(second["access_token"]) is None
    after = token_call(
        world, "tunes", {"grant_type": "refresh_token", "refresh_token": second["refresh_token"]}
    )
    assert after.json()["error"] == "invalid_grant"


def test_revocation_ends_the_access_and_refresh_tokens(world: World) -> None:
    client = partner(world)
    token = get_token(world, client)
    answer = client.revoke_token(world.url("/oauth/revoke"), token=token["access_token"])
    assert answer.status_code == 200
    assert introspect(world, "tunes", token["access_token"])["active"] is False
    assert introspect(world, "tunes", token["refresh_token"])["active"] is False
    assert world.services.tokens.resolve_bearer(token["access_token"]) is None


def test_another_partner_cannot_introspect_or_revoke_a_token(world: World) -> None:
    token = get_token(world, partner(world))
    assert introspect(world, "handset", token["access_token"]) == {"active": False}
    revoke = partner(world, "handset").revoke_token(
        world.url("/oauth/revoke"), token=token["access_token"]
    )
    assert revoke.status_code == 400
    assert introspect(world, "tunes", token["access_token"])["active"] is True


def test_a_denied_consent_returns_access_denied_and_records_no_grant(world: World) -> None:
    before = len(world.services.grants.grants_of_person("p-bob"))
    auth = start(world, partner(world))
    browser = Browser(world)
    answer = decide(browser, consent_page(browser, auth, "bob"), "deny")
    assert answer.status_code == 302
    assert query(answer.headers["location"])["error"] == "access_denied"
    assert len(world.services.grants.grants_of_person("p-bob")) == before


def test_the_screen_shows_what_the_settings_of_a_person_with_sharing_off_would_block(
    world: World,
) -> None:
    auth = start(world, partner(world))
    page = consent_page(Browser(world), auth, "carol")
    assert page.status_code == 200
    assert "sharing with partners is off" in page.text
    assert "Your current settings would block: messages" in page.text


def test_a_plain_scope_is_accepted_only_with_a_purpose(world: World) -> None:
    client = partner(world)
    browser = Browser(world)
    browser.sign_in("alice")
    without = browser.get(start(world, client, None, scope="friends.read").url)
    assert without.status_code == 302
    assert query(without.headers["location"])["error"] == "invalid_authorization_details"
    page = browser.get(start(world, client, None, scope="friends.read", purpose="music.share").url)
    assert page.status_code == 200
    assert "read your friends, for: Share a song with a friend in a message" in page.text


def test_the_token_scope_names_the_granted_category_actions(world: World) -> None:
    client = partner(world)
    auth, location = authorize(world, client, details=MUSIC)
    token = client.fetch_token(
        world.url("/oauth/token"), authorization_response=location, code_verifier=auth.verifier
    )
    assert token["scope"] == "messages.read messages.write"


def test_the_authlib_client_sees_a_wrong_pkce_verifier_as_invalid_grant(world: World) -> None:
    client = partner(world)
    _auth, location = authorize(world, client)
    with pytest.raises(OAuthError) as raised:
        client.fetch_token(
            world.url("/oauth/token"), authorization_response=location, code_verifier="x" * 43
        )
    assert raised.value.error == "invalid_grant"
