"""Exposure, activity, the log, the audit trail and API tokens, as staff see them."""

from __future__ import annotations

import html
import re

import requests

from consentgate.domain import Action, Category, GrantScope
from consentgate.testing import issue_token

from .conftest import Console, OpenStaff


def _text(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:table|dl|div|pre)>', page, re.S)
    assert found, element_id
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))))


def test_exposure_goes_from_the_count_down_to_the_people_a_page_at_a_time(
    console: Console, staff: OpenStaff
) -> None:
    audra = staff("audra")
    table = audra.get("/console/exposure")
    assert table.status_code == 200
    total = console.running.decisions.exposure_count("tunes", "friends")
    assert total > 0
    people = audra.get("/console/exposure/tunes/friends")
    assert people.status_code == 200
    expected = console.running.decisions.exposure_of_partner("tunes", "friends", limit=100)
    listed = re.findall(r'<th scope="row"><small class="code">([^<]+)</small>', people.text)
    assert listed == list(expected.person_ids)
    assert f"{total:,} people." in people.text
    assert audra.get("/console/exposure/tunes/friends?page=0").status_code == 422
    assert audra.get("/console/exposure/tunes/secrets").status_code == 400
    assert audra.get("/console/exposure/nobody/friends").status_code == 404


def test_activity_counts_allowed_and_denied_accesses_per_partner_and_category(
    console: Console, staff: OpenStaff
) -> None:
    scopes = frozenset({GrantScope(Category.FRIENDS, Action.READ, "music.share")})
    token = issue_token(console.services, "p-alice", "tunes", scopes, label="activity-test")
    headers = {"Authorization": f"Bearer {token}"}
    for purpose in ("music.share", "music.share", "ads.targeting"):
        requests.get(
            console.url("/v1/friends"), params={"purpose": purpose}, headers=headers, timeout=10
        )
    page = staff("audra").get("/console/activity?partner=tunes&days=7")
    assert page.status_code == 200
    row = re.search(
        r"<tr>\s*<th scope=\"row\"><a [^>]*>Tunes[^<]*</a></th>\s*<td>friends</td>(.*?)</tr>",
        page.text,
        re.S,
    )
    assert row, page.text
    numbers = re.findall(r'<td class="num">([\d,]+)</td>', row.group(1))
    assert numbers == ["2", "1"]
    today = console.clock().date().isoformat()
    assert f"{today}: 2 allowed, 1 denied</title>" in page.text  # the bar of the day
    per_day = _text(page.text, "per-day")  # and the table of numbers, readable without script
    assert f"{today} 2 1" in per_day
    assert staff("audra").get("/console/activity?days=5").status_code == 400


def test_an_admin_verifies_the_log_in_the_background_and_everyone_sees_the_result(
    console: Console, staff: OpenStaff
) -> None:
    adam = staff("adam")
    assert adam.form("/console/log", "/console/log/verify").status_code == 303
    console.running.log_checks.wait(timeout=60)
    page = staff("audra").get("/console/log")
    facts = _text(page.text, "log-facts")
    assert "passed" in facts
    assert "started by staff:adam" in facts
    assert f"{console.running.log.store.committed_size():,}" in facts
    line = console.services.staff.audit_trail(1)[0]
    assert (line.actor, line.target, line.outcome) == ("staff:adam", "/console/log/verify", "done")


def test_a_staff_member_makes_a_token_sees_it_once_and_revokes_it(
    console: Console, staff: OpenStaff
) -> None:
    audra = staff("audra")
    page = audra.get("/console/tokens")
    made = audra.post(
        "/console/tokens",
        {"csrf_token": re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1),  # type: ignore[union-attr]
         "name": "nightly", "role": "auditor", "days": "7"},
    )  # fmt: skip
    assert made.status_code == 201
    secret = _text(made.text, "new-token").strip()
    assert secret.startswith("cgs_")
    assert console.admin("GET", "/admin/partners", secret).status_code == 200
    assert secret not in audra.get("/console/tokens").text
    token_id = console.services.staff.tokens_of(console.services.staff.by_handle("audra"))[-1].id
    assert audra.form("/console/tokens", f"/console/tokens/{token_id}/revoke").status_code == 303
    assert console.admin("GET", "/admin/partners", secret).status_code == 401


def test_an_auditor_asking_for_an_admin_token_gets_none(console: Console, staff: OpenStaff) -> None:
    audra = staff("audra")
    before = len(console.services.staff.tokens_of(console.services.staff.by_handle("audra")))
    page = audra.get("/console/tokens")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = audra.post(
        "/console/tokens", {"csrf_token": csrf, "name": "up", "role": "admin", "days": "7"}
    )
    assert answer.status_code == 403
    assert answer.headers["content-type"] == "application/problem+json"
    after = console.services.staff.tokens_of(console.services.staff.by_handle("audra"))
    assert len(after) == before


def test_the_audit_trail_page_lists_refused_writes(console: Console, staff: OpenStaff) -> None:
    audra = staff("audra")
    audra.form("/console/partners/tunes", "/console/partners/tunes/suspend", reason="probing")
    page = staff("adam").get("/console/audit")
    assert "POST /console/partners/tunes/suspend" in _text(page.text, "audit")
    assert "staff:audra" in page.text
