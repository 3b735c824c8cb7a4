"""A partner cannot multiply its quota by the number of server processes: two processes on one
database allow, together, exactly the agreement's quota, and refuse the rest with 429."""

from __future__ import annotations

from pathlib import Path

from consentgate.domain import Quota

from .servers import add_person, make_world, read_profile, two_servers

LIMIT = 40


def test_two_processes_share_one_quota(database_url: str, tmp_path: Path) -> None:
    world = make_world(database_url, tmp_path, quota=Quota(LIMIT, 3600))
    _, token = add_person(world, 1)
    try:
        with two_servers(database_url, tmp_path) as (a, b):
            statuses = [
                read_profile(server.base, token).status_code
                for _ in range(LIMIT)
                for server in (a, b)
            ]
    finally:
        world.services.db.dispose()
    assert statuses.count(200) == LIMIT
    assert statuses.count(429) == LIMIT
