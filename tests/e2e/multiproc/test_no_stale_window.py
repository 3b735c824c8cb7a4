"""No stale window between server processes: a revocation committed through one process is seen
by the very next request to any other process.

Two real ``consentgate serve`` processes on one database (SQLite and PostgreSQL). A thousand
times: a person revokes through process A (their grant, or their sharing switch), then the
partner reads through process B, each request on a fresh connection. Not one read may be
allowed, and each refusal names the revocation.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from consentgate.web.session import COOKIE_NAME, SESSION_SECONDS, SessionCookies, new_session

from .servers import Server, World, add_person, make_world, read_profile, two_servers

ROUNDS = 1000


@pytest.fixture
def people(database_url: str, tmp_path: Path) -> tuple[World, list[tuple[str, str, str]]]:
    """The world, and ROUNDS people: (person id, partner's token, the person's session cookie)."""
    world = make_world(database_url, tmp_path)
    cookies = SessionCookies.from_settings(world.settings)
    out = []
    for number in range(ROUNDS):
        person_id, token = add_person(world, number)
        session = new_session(datetime.now(UTC), person_id)
        world.services.sessions.start(
            session.sid, "person", person_id, timedelta(seconds=SESSION_SECONDS)
        )
        out.append((person_id, token, cookies.dump(session)))
    return world, out


@pytest.fixture
def servers(
    people: tuple[World, list[tuple[str, str, str]]], database_url: str, tmp_path: Path
) -> Iterator[tuple[Server, Server]]:
    with two_servers(database_url, tmp_path) as pair:
        yield pair
    people[0].services.db.dispose()


def _revoke(base: str, world: World, person_id: str, cookie: str, by_grant: bool) -> None:
    with httpx.Client(timeout=30, cookies={COOKIE_NAME: cookie}) as client:
        if by_grant:
            [grant] = world.services.grants.grants_of_person(person_id)
            done = client.post(f"{base}/v1/me/grants/{grant.id}/revoke")
        else:
            done = client.put(f"{base}/v1/me/settings", json={"share_with_partners": False})
    assert done.status_code == 200, done.text


def test_a_revocation_through_one_process_is_refused_by_the_next_request_to_another(
    people: tuple[World, list[tuple[str, str, str]]], servers: tuple[Server, Server]
) -> None:
    world, everyone = people
    a, b = servers
    # Each person's partner can read, through either process, before the revocation.
    assert read_profile(b.base, everyone[0][1]).status_code == 200
    allowed_after_revocation = []
    refusals: dict[str, int] = {}
    for number, (person_id, token, cookie) in enumerate(everyone):
        _revoke(a.base, world, person_id, cookie, by_grant=number % 2 == 0)
        answer = read_profile(b.base, token)
        if answer.status_code == 200:
            allowed_after_revocation.append(number)
            continue
        assert answer.status_code == 403, answer.text
        reasons = answer.json()["reasons"]
        key = "grant.revoked" if "grant.revoked" in reasons else " ".join(reasons)
        refusals[key] = refusals.get(key, 0) + 1
    assert allowed_after_revocation == []
    assert refusals == {"grant.revoked": ROUNDS // 2, "settings.sharing_off": ROUNDS // 2}
