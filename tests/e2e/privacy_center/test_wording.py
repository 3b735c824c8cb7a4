"""What the privacy center's words say: the sign-in page's reason, button labels that read right
for any partner name, records through a friend's grant told apart from the person's own, and
access counts per permission rather than per partner."""

from __future__ import annotations

import re
from urllib.parse import quote

from consentgate.ledger.entries import AccessDecision

from .center import Browser, World, call, entry, newest_grant, partner_token, signed_in

CONSENT = "Sign in to see what a partner asks for"
CENTER = "Sign in to see who can use your data"


def _card(page: str, grant_id: str) -> str:
    """The partners page's card of one grant (from its heading to its Revoke form)."""
    found = re.search(
        rf'<section class="card"(?:(?!</section>).)*action="/me/grants/{grant_id}/revoke"'
        r"(?:(?!</section>).)*</section>",
        page,
        re.S,
    )
    assert found, f"no card for grant {grant_id}"
    return found.group(0)


def test_the_sign_in_page_says_why_for_the_privacy_center_and_for_a_partner(
    world: World,
) -> None:
    browser = Browser(world)
    for url in ("/login", "/login?next=%2Fme", "/login?next=%2Fme%2Fhistory"):
        page = browser.get(url).text
        assert CENTER in page, url
        assert CONSENT not in page, url
    consent = "/oauth/authorize?client_id=tunes-demo&response_type=code"
    page = browser.get("/login?next=" + quote(consent, safe="")).text
    assert CONSENT in page
    assert CENTER not in page


def test_the_revoke_button_names_the_partner_in_words_that_fit_any_name(world: World) -> None:
    partner_token(world)
    browser = signed_in(world, "alice")
    page = browser.get("/me").text
    assert ">Revoke access for Tunes Music</button>" in page
    assert "&#39;s access" not in page
    assert "'s access" not in page
    grant_id = newest_grant(world, "p-alice", "tunes")
    csrf = browser.csrf()
    confirm = browser.post(f"/me/grants/{grant_id}/revoke", {"csrf_token": csrf})
    assert confirm.status_code == 303
    question = browser.get(confirm.headers["location"]).text
    assert "<h1>Revoke access for Tunes Music?</h1>" in question


def test_a_new_permission_counts_only_the_accesses_made_under_it(world: World) -> None:
    """Accesses under a revoked grant are not shown as the new grant's."""
    old = partner_token(world, "alice")
    for _ in range(2):
        assert call(world, old, "/v1/messages").status_code == 200
    old_grant = newest_grant(world, "p-alice", "tunes")
    world.services.grants.revoke_grant(old_grant, by_person="p-alice")
    new = partner_token(world, "alice")
    new_grant = newest_grant(world, "p-alice", "tunes")
    assert new_grant != old_grant
    browser = signed_in(world, "alice")
    card = _card(browser.get("/me").text, new_grant)
    assert "<dd>None yet</dd>" in card
    assert "<dd>0 by Tunes Music since you gave this permission</dd>" in card
    assert call(world, new, "/v1/messages").status_code == 200
    card = _card(browser.get("/me").text, new_grant)
    assert "<dd>1 by Tunes Music since you gave this permission</dd>" in card
    assert 'data-format="relative"' in card.split("Last access since you gave this permission")[1]


def test_records_through_a_friends_grant_say_they_are_the_friends_data(world: World) -> None:
    bobs = partner_token(world, "bob")
    answer = call(world, bobs, "/v1/friends")
    assert answer.status_code == 200, answer.text
    index = int(answer.headers["log-index"])
    page = signed_in(world, "alice").get("/me/history?partner=tunes&category=friends").text
    row = re.search(rf'<tr data-log-index="{index}".*?</tr>', page, re.S)
    assert row, "bob's friend-list read is in alice's history"
    assert 'data-role="included"' in row.group(0)
    logged = entry(world, index)
    assert isinstance(logged, AccessDecision)
    records = logged.records_returned
    noun = "record" if records == 1 else "records"
    assert f"{records} {noun} from your friend's data; you were included" in row.group(0)
    own = partner_token(world, "alice")
    mine = call(world, own, "/v1/messages")
    assert mine.status_code == 200
    page = signed_in(world, "alice").get("/me/history?partner=tunes&category=messages").text
    row = re.search(rf'<tr data-log-index="{mine.headers["log-index"]}".*?</tr>', page, re.S)
    assert row
    assert re.search(r"\d+ records? of your data", row.group(0))
