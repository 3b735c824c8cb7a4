"""The console's pages as a staff member's browser sees them: the numbers are the engine's, and
every value from partners or people is escaped."""

from __future__ import annotations

import html
import re

import markupsafe

from consentgate.domain import Action, Category, GrantScope
from consentgate.testing import issue_token

from .conftest import Console, OpenStaff, Staff


def _cells(page: str, partner_id: str) -> list[str]:
    """The cells of the partners table's row for ``partner_id``, as text."""
    row = re.search(
        rf'<tr>\s*<th scope="row"[^>]*><a href="/console/partners/{partner_id}">.*?</tr>',
        page,
        re.S,
    )
    assert row, partner_id
    return [
        html.unescape(re.sub(r"<[^>]+>", "", c)).strip()
        for c in re.findall(r"<td[^>]*>(.*?)</td>", row.group(0), re.S)
    ]


def test_the_partners_list_shows_what_the_engine_says_each_partner_can_reach(
    console: Console, staff: OpenStaff
) -> None:
    page = staff("audra").get("/console/partners")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    decisions = console.running.decisions
    for partner_id in ("tunes", "handset", "findit"):
        cells = _cells(page.text, partner_id)
        grantees, reachable = decisions.reach_of_partner(partner_id)
        assert cells[2] == f"{grantees:,}"
        assert cells[3:8] == [
            f"{reachable[c]:,}" for c in ("profile", "contacts", "friends", "messages", "calendar")
        ]
    assert _cells(page.text, "findit")[0] == "suspended"


def test_a_signed_out_visitor_is_sent_to_the_console_s_sign_in(
    console: Console, staff: OpenStaff
) -> None:
    page = Staff(console).get("/console/partners?sort=overdue")
    assert page.status_code == 303
    assert page.headers["location"] == "/console/login?next=%2Fconsole%2Fpartners%3Fsort%3Doverdue"


def test_a_partner_page_diffs_two_agreement_versions(console: Console, staff: OpenStaff) -> None:
    versions = console.services.partners.agreements_of("tunes")
    assert len(versions) >= 2
    page = staff("audra").get(f"/console/partners/tunes?from=1&to={versions[-1].version}")
    assert page.status_code == 200
    assert f"From v1 to v{versions[-1].version}" in page.text


def test_an_unknown_partner_is_404_and_a_bad_version_is_a_problem(
    console: Console, staff: OpenStaff
) -> None:
    audra = staff("audra")
    assert audra.get("/console/partners/nobody-here").status_code == 404
    bad = audra.get("/console/partners/tunes?from=x&to=2")
    assert bad.status_code == 400
    assert bad.headers["content-type"] == "application/problem+json"
    missing = audra.get("/console/partners/tunes?from=1&to=999")
    assert missing.status_code == 404


HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_every_value_from_partners_and_people_is_escaped(
    console: Console, staff: OpenStaff
) -> None:
    console.services.partners.register_partner("hostile", HOSTILE, HOSTILE)
    console.services.people.register_person("mallory", HOSTILE, person_id="p-mallory-x")
    console.services.people.set_settings(
        "p-mallory-x", share_with_partners=True, categories=frozenset(Category)
    )
    scopes = frozenset({GrantScope(Category.FRIENDS, Action.READ, "music.share")})
    issue_token(console.services, "p-mallory-x", "tunes", scopes, label="escape-test")
    audra = staff("audra")
    pages = [
        audra.get("/console/partners"),
        audra.get("/console/partners/hostile"),
        audra.get("/console/activity"),
        audra.get("/console/exposure/tunes/friends"),
    ]
    for page in pages:
        assert page.status_code == 200
        assert HOSTILE not in page.text
        assert "<script>alert" not in page.text
    escaped = str(markupsafe.escape(HOSTILE))
    assert escaped in pages[0].text  # the partner's name
    assert escaped in pages[1].text  # its name and kind
    assert escaped in pages[3].text  # the person's display name
