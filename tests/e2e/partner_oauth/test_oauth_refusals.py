"""Every way a partner can get the flow wrong is refused, in the RFCs' error formats, and writes nothing."""

from __future__ import annotations

import json

import requests

from .flow import (
    CLIENTS,
    REDIRECT_URI,
    Browser,
    World,
    authorize,
    consent_page,
    field,
    form_action,
    introspect,
    partner,
    query,
    start,
    token_call,
)


def _grants(world: World, person_id: str = "p-alice") -> int:
    return len(world.services.grants.grants_of_person(person_id))


def test_a_code_used_twice_is_refused_and_revokes_the_tokens_it_gave(world: World) -> None:
    client = partner(world)
    auth, location = authorize(world, client)
    data = {
        "grant_type": "authorization_code",
        "code": query(location)["code"],
        "redirect_uri": REDIRECT_URI,
        "code_verifier": auth.verifier,
    }
    first = token_call(world, "tunes", data)
    assert first.status_code == 200, first.text
    second = token_call(world, "tunes", data)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert introspect(world, "tunes", first.json()["access_token"])["active"] is False


def test_a_wrong_redirect_uri_is_refused_without_redirecting(world: World) -> None:
    auth = start(world, partner(world))
    wrong = auth.url.replace("127.0.0.1%3A9%2Fcallback", "127.0.0.1%3A9%2Fcallback%2Fevil")
    assert wrong != auth.url
    answer = Browser(world).get(wrong)
    assert answer.status_code == 400
    assert "location" not in answer.headers
    assert answer.json()["error"] == "invalid_request"


def test_a_redirect_uri_differing_at_the_token_endpoint_is_refused(world: World) -> None:
    client = partner(world)
    auth, location = authorize(world, client)
    answer = token_call(
        world,
        "tunes",
        {
            "grant_type": "authorization_code",
            "code": query(location)["code"],
            "redirect_uri": REDIRECT_URI + "/other",
            "code_verifier": auth.verifier,
        },
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_a_missing_pkce_verifier_is_refused(world: World) -> None:
    _auth, location = authorize(world, partner(world))
    answer = token_call(
        world,
        "tunes",
        {
            "grant_type": "authorization_code",
            "code": query(location)["code"],
            "redirect_uri": REDIRECT_URI,
        },
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_request"
    assert "code_verifier" in answer.json()["error_description"]


def test_plain_pkce_and_a_missing_challenge_are_refused_before_sign_in(world: World) -> None:
    client = partner(world)
    auth = start(world, client)
    plain = auth.url.replace("code_challenge_method=S256", "code_challenge_method=plain")
    answer = Browser(world).get(plain)
    assert answer.status_code == 302
    assert query(answer.headers["location"])["error"] == "invalid_request"
    assert "S256" in query(answer.headers["location"])["error_description"]
    bare = partner(world)
    bare.code_challenge_method = None
    url, _state = bare.create_authorization_url(
        world.url("/oauth/authorize"), authorization_details=json.dumps([])
    )
    missing = Browser(world).get(url)
    assert query(missing.headers["location"])["error"] == "invalid_request"


def test_a_request_wider_than_the_agreement_fails_before_the_consent_screen(world: World) -> None:
    before = _grants(world)
    wider = [
        {
            "type": "consentgate_access",
            "categories": ["messages", "contacts"],
            "actions": ["read"],
            "purpose": "music.share",
        }
    ]
    browser = Browser(world)
    browser.sign_in("alice")
    answer = browser.get(start(world, partner(world), wider).url)
    assert answer.status_code == 302
    error = query(answer.headers["location"])
    assert error["error"] == "invalid_authorization_details"
    assert "contacts.read:music.share" in error["error_description"]
    assert _grants(world) == before


def test_malformed_authorization_details_are_refused(world: World) -> None:
    client = partner(world)
    browser = Browser(world)
    browser.sign_in("alice")
    for details in (
        [{"type": "other"}],
        [
            {
                "type": "consentgate_access",
                "categories": ["messages"],
                "actions": ["read"],
                "purpose": "music.share",
                "locations": ["https://x.example"],
            }
        ],
        [
            {
                "type": "consentgate_access",
                "categories": ["diary"],
                "actions": ["read"],
                "purpose": "music.share",
            }
        ],
        {"not": "a list"},
    ):
        answer = browser.get(start(world, client, details).url)
        assert answer.status_code == 302, details
        assert query(answer.headers["location"])["error"] == "invalid_authorization_details"


def test_the_consent_post_without_its_csrf_token_is_refused_and_writes_nothing(
    world: World,
) -> None:
    before = _grants(world)
    browser = Browser(world)
    page = consent_page(browser, start(world, partner(world)))
    digest = field(page.text, "receipt_digest")
    for token in (None, "forged"):
        data = {"receipt_digest": digest, "decision": "allow"}
        if token:
            data["csrf_token"] = token
        answer = browser.post(form_action(page.text), data)
        assert answer.status_code == 403
        assert answer.json()["type"].endswith("csrf")
    assert _grants(world) == before


def test_an_allow_for_a_statement_not_shown_is_shown_again(world: World) -> None:
    before = _grants(world)
    browser = Browser(world)
    page = consent_page(browser, start(world, partner(world)))
    answer = browser.post(
        form_action(page.text),
        {
            "csrf_token": field(page.text, "csrf_token"),
            "receipt_digest": "0" * 64,
            "decision": "allow",
        },
    )
    assert answer.status_code == 409
    assert "Please read it again" in answer.text
    assert _grants(world) == before


def test_client_authentication_failures_answer_invalid_client(world: World) -> None:
    _, client_id, _secret = CLIENTS["tunes"]
    answer = requests.post(
        world.url("/oauth/token"),
        data={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=(client_id, "wrong-secret"),
        timeout=10,
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "invalid_client"
    unsupported = token_call(world, "tunes", {"grant_type": "password", "username": "a"})
    assert unsupported.json()["error"] == "unsupported_grant_type"
    unknown = requests.get(
        world.url("/oauth/authorize"),
        params={"response_type": "code", "client_id": "nobody", "redirect_uri": REDIRECT_URI},
        allow_redirects=False,
        timeout=10,
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_client"


def test_a_code_from_one_partner_is_useless_to_another(world: World) -> None:
    auth, location = authorize(world, partner(world))
    answer = token_call(
        world,
        "handset",
        {
            "grant_type": "authorization_code",
            "code": query(location)["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": auth.verifier,
        },
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_grant"


def test_oversized_and_repeated_parameters_are_refused(world: World) -> None:
    big = token_call(world, "tunes", {"grant_type": "refresh_token", "refresh_token": "x" * 20_000})
    assert big.status_code == 413
    auth = start(world, partner(world))
    twice = Browser(world).get(auth.url + "&client_id=tunes-e2e")
    assert twice.status_code == 400
    assert twice.json()["error"] == "invalid_request"


def _ask_for_friends(world: World, partner_id: str, purpose: str) -> dict[str, str]:
    """Alice, signed in, is sent by ``partner_id`` to ask for her friends' list; the refusal is
    redirected back to the partner, and its query (``error``, ``error_description``) returned."""
    friends = [
        {
            "type": "consentgate_access",
            "categories": ["friends"],
            "actions": ["read"],
            "purpose": purpose,
        }
    ]
    browser = Browser(world)
    browser.sign_in("alice")
    answer = browser.get(start(world, partner(world, partner_id), friends).url)
    assert answer.status_code == 302
    return query(answer.headers["location"])


def test_a_partner_whose_agreement_ended_cannot_even_ask(world: World) -> None:
    error = _ask_for_friends(world, "findit", "search.social")
    assert error["error"] == "invalid_authorization_details"
    # Named as the data API and ``explain`` name the same state: ended early, not "never signed".
    assert error["error_description"].endswith("(agreement.ended)")
    explained = world.running.decisions.explain(
        "findit", "p-alice", "friends", "read", "search.social"
    )
    assert explained.rules[1].code == "agreement.ended"


def test_a_suspended_partner_cannot_ask(world: World) -> None:
    error = _ask_for_friends(world, "reelview", "music.share")
    assert error["error"] == "unauthorized_client"
    assert error["error_description"].endswith("(partner.suspended)")
