"""A signed-in person reads and changes their settings and revokes what they granted."""

from __future__ import annotations

from typing import Any

from .flow import Browser, World, consent_page, field, get_token, partner, start, token_call


def _alice_allows_tunes(world: World) -> tuple[dict[str, Any], str]:
    """Alice allows the music partner: the partner's token and the id of Alice's grant."""
    token = get_token(world, partner(world), "alice")
    context = world.services.tokens.resolve_bearer(token["access_token"])
    assert context is not None
    return token, context.grant_id


def _signed_in(world: World, handle: str) -> Browser:
    browser = Browser(world)
    assert browser.sign_in(handle).status_code == 303
    return browser


def test_without_a_session_the_people_api_answers_401_with_a_problem(world: World) -> None:
    browser = Browser(world)
    answer = browser.get("/v1/me/settings")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/problem+json")
    browser.http.cookies.set("consentgate_session", "forged.value")
    assert browser.get("/v1/me/grants").status_code == 401


def test_a_wrong_password_does_not_sign_in(world: World) -> None:
    browser = Browser(world)
    page = browser.get("/login")
    answer = browser.post(
        "/login",
        {
            "csrf_token": field(page.text, "csrf_token"),
            "next": "/",
            "handle": "alice",
            "password": "nope-nope",
        },
    )
    assert answer.status_code == 401
    assert "Wrong handle or password" in answer.text
    assert browser.get("/v1/me/settings").status_code == 401


def test_sign_in_goes_only_to_local_pages(world: World) -> None:
    answer = Browser(world).sign_in("bob", "//evil.example/steal")
    assert answer.status_code == 303
    assert answer.headers["location"] == "/"


def test_a_person_reads_and_changes_their_settings(world: World) -> None:
    browser = _signed_in(world, "bob")
    assert browser.get("/v1/me/settings").json() == {
        "share_with_partners": True,
        "categories": ["friends"],
        "via_others": [],
    }
    changed = browser.http.put(
        world.url("/v1/me/settings"), json={"via_others": ["messages"]}, timeout=10
    )
    assert changed.status_code == 200
    assert changed.json()["via_others"] == ["messages"]
    assert world.services.people.get_settings("p-bob").via_others == {"messages"}


def test_bad_settings_are_refused_and_change_nothing(world: World) -> None:
    browser = _signed_in(world, "carol")
    before = world.services.people.get_settings("p-carol")
    for body in ({"categories": ["diary"]}, {"share_with_partners": "maybe"}, {"bogus": True}):
        answer = browser.http.put(world.url("/v1/me/settings"), json=body, timeout=10)
        assert answer.status_code == 422, body
        assert answer.headers["content-type"].startswith("application/problem+json")
    not_json = browser.http.put(
        world.url("/v1/me/settings"),
        data="{",
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert not_json.status_code == 422
    assert world.services.people.get_settings("p-carol") == before


def test_a_person_revokes_a_grant_and_its_refresh_token_stops_working(world: World) -> None:
    token, grant_id = _alice_allows_tunes(world)
    browser = _signed_in(world, "alice")
    listed = browser.get("/v1/me/grants").json()["grants"]
    mine = next(g for g in listed if g["id"] == grant_id)
    assert mine["active"] is True
    assert {(s["category"], s["action"], s["purpose"]) for s in mine["scopes"]} == {
        ("messages", "read", "music.share"),
        ("messages", "write", "music.share"),
    }
    revoked = browser.post(f"/v1/me/grants/{grant_id}/revoke", {})
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    again = browser.post(f"/v1/me/grants/{grant_id}/revoke", {})
    assert again.status_code == 409
    refresh = token_call(
        world, "tunes", {"grant_type": "refresh_token", "refresh_token": token["refresh_token"]}
    )
    assert refresh.status_code == 400
    assert refresh.json()["error"] == "invalid_grant"


def test_a_person_cannot_revoke_someone_elses_grant(world: World) -> None:
    _token, grant_id = _alice_allows_tunes(world)
    browser = _signed_in(world, "bob")
    answer = browser.post(f"/v1/me/grants/{grant_id}/revoke", {})
    assert answer.status_code == 404
    assert world.services.grants.get_grant(grant_id).revoked_at is None
    assert browser.post("/v1/me/grants/" + "x" * 200 + "/revoke", {}).status_code == 404


def test_the_openapi_document_lists_the_people_and_oauth_endpoints_with_errors(
    world: World,
) -> None:
    doc = Browser(world).get("/openapi.json").json()
    assert "401" in doc["paths"]["/v1/me/settings"]["get"]["responses"]
    assert "422" in doc["paths"]["/v1/me/settings"]["put"]["responses"]
    assert "404" in doc["paths"]["/v1/me/grants/{grant_id}/revoke"]["post"]["responses"]
    assert "400" in doc["paths"]["/oauth/token"]["post"]["responses"]
    assert "/.well-known/oauth-authorization-server" in doc["paths"]


def test_signing_out_needs_the_csrf_token_and_ends_the_browser_session(world: World) -> None:
    browser = _signed_in(world, "bob")
    assert browser.post("/logout", {}).status_code == 403
    assert browser.get("/v1/me/settings").status_code == 200
    page = browser.get("/login")
    out = browser.post("/logout", {"csrf_token": field(page.text, "csrf_token")})
    assert out.status_code == 303
    assert browser.get("/v1/me/settings").status_code == 401


def test_the_consent_page_offers_sign_out_and_sign_out_everywhere(world: World) -> None:
    page = consent_page(Browser(world), start(world, partner(world)), "carol")
    assert page.status_code == 200
    assert 'action="/logout"' in page.text
    assert 'action="/logout/everywhere"' in page.text
