"""Revoking in two clicks, and the refusals that keep one person out of another's grants."""

from __future__ import annotations

import re

from .center import World, call, field, newest_grant, partner_token, signed_in


def test_alice_revokes_tunes_in_two_posts_and_its_next_call_is_refused(world: World) -> None:
    token = partner_token(world)
    assert call(world, token, "/v1/messages").status_code == 200
    grant_id = newest_grant(world, "p-alice", "tunes")
    browser = signed_in(world, "alice")
    partners = browser.get("/me").text
    action = f"/me/grants/{grant_id}/revoke"
    assert f'action="{action}"' in partners
    first = browser.post(action, {"csrf_token": field(partners, "csrf_token")})
    assert first.status_code == 303
    assert first.headers["location"] == action
    confirm = browser.get(action)
    assert confirm.status_code == 200
    assert "Yes, revoke" in confirm.text
    assert call(world, token, "/v1/messages").status_code == 200  # nothing changed yet
    second = browser.post(
        action, {"csrf_token": field(confirm.text, "csrf_token"), "confirm": "yes"}
    )
    assert second.status_code == 303
    assert second.headers["location"] == f"/me?revoked={grant_id}"
    refused = call(world, token, "/v1/messages")
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    done = browser.get(second.headers["location"]).text
    assert "Done: Tunes Music no longer has access" in done
    assert "You revoked it." in done
    assert world.services.grants.get_grant(grant_id).revoked_at is not None
    deletions = browser.get("/me/deletions").text
    owed = re.findall(r'<tr>\s*<th scope="row">Tunes Music</th>(.*?)</tr>', deletions, re.S)
    assert len(owed) >= 2, "one deletion per category the grant could read"
    assert any("Your messages" in row and "Waiting" in row for row in owed)


def test_another_persons_grant_answers_404_and_stays_as_it_was(world: World) -> None:
    carols = newest_grant(world, "p-carol", "handset")
    browser = signed_in(world, "alice")
    csrf = browser.csrf()
    unknown = browser.get("/me/grants/grant-does-not-exist/revoke")
    theirs = browser.get(f"/me/grants/{carols}/revoke")
    assert unknown.status_code == theirs.status_code == 404
    assert "Handset" not in theirs.text
    assert carols not in theirs.text
    # The page for another person's grant is the page for no grant at all.
    assert re.sub(r"grant-does-not-exist", "", unknown.text) == theirs.text.replace(carols, "")
    for data in ({"csrf_token": csrf}, {"csrf_token": csrf, "confirm": "yes"}):
        answer = browser.post(f"/me/grants/{carols}/revoke", data)
        assert answer.status_code == 404
        assert "Handset" not in answer.text
    assert world.services.grants.get_grant(carols).revoked_at is None


def test_a_revoke_without_its_csrf_token_is_refused_and_changes_nothing(world: World) -> None:
    partner_token(world)
    grant_id = newest_grant(world, "p-alice", "tunes")
    browser = signed_in(world, "alice")
    action = f"/me/grants/{grant_id}/revoke"
    for data in ({"confirm": "yes"}, {"confirm": "yes", "csrf_token": "not-the-token"}):
        answer = browser.post(action, data)
        assert answer.status_code == 403
        assert answer.headers["content-type"].startswith("application/problem+json")
    assert world.services.grants.get_grant(grant_id).revoked_at is None
    # Another person's valid session token does not count either.
    bobs_token = signed_in(world, "bob").csrf()
    assert browser.post(action, {"confirm": "yes", "csrf_token": bobs_token}).status_code == 403
    assert world.services.grants.get_grant(grant_id).revoked_at is None


def test_a_settings_change_without_its_csrf_token_is_refused_and_changes_nothing(
    world: World,
) -> None:
    browser = signed_in(world, "alice")
    before = world.services.people.get_settings("p-alice")
    answer = browser.post("/me/settings", [("action", "save"), ("own", "profile")])
    assert answer.status_code == 403
    assert world.services.people.get_settings("p-alice") == before
