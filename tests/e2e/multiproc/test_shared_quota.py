"""A partner cannot multiply its quota by the number of server processes: two processes on one
database allow, together, exactly the agreement's quota, and refuse the rest with 429."""

from __future__ import annotations

from pathlib import Path

from consentgate.domain import Quota

from .servers import Server, add_person, make_world, read_profile

LIMIT = 40


def test_two_processes_share_one_quota(database_url: str, tmp_path: Path) -> None:
    world = make_world(database_url, tmp_path, quota=Quota(LIMIT, 3600))
    _, token = add_person(world, 1)
    a = Server(database_url, tmp_path).start()
    b = Server(database_url, tmp_path)
    try:
        b.start()
        statuses = [
            read_profile(server.base, token).status_code for _ in range(LIMIT) for server in (a, b)
        ]
    finally:
        a.stop()
        b.stop()
        world.services.db.dispose()
    assert statuses.count(200) == LIMIT
    assert statuses.count(429) == LIMIT
