"""Faults with many server processes on one database, with real processes and real signals.

- ``kill -9`` a server process under load: every ``Log-Index`` a partner received is in the log
  with what it said, as the published tiles show.
- ``kill -9`` the process that integrates the log: another one signs a checkpoint covering new
  entries within 2 s, and ``consentgate log verify`` passes.
- PostgreSQL restarts under load (in a throwaway cluster of the test's own): 503 while it is
  down, answers again after, and no acknowledged entry lost.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from consentgate.services.wiring import person_ref_secret
from consentgate.store.log import SqlLogStore

from .faults import Traffic, check_received_from_tiles, wait_for_checkpoint
from .postgres import ThrowawayPostgres
from .servers import EXE, Server, World, add_person, make_world, read_profile, two_servers


def _until(check: object, within: float) -> None:
    deadline = time.monotonic() + within
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def _people(world: World, count: int = 8) -> list[tuple[str, str]]:
    return [add_person(world, n) for n in range(count)]


def _secret(tmp_path: Path) -> bytes:
    return person_ref_secret(tmp_path / "person-ref.key")


@contextmanager
def _under_load(servers: list[Server], people: list[tuple[str, str]]) -> Iterator[Traffic]:
    """Partners reading through ``servers`` until 100 reads were answered; stopped after."""
    traffic = Traffic(servers, people).start()
    try:
        _until(lambda: traffic.count(200) >= 100, within=60)
        yield traffic
    finally:
        traffic.stop()


def test_a_process_killed_under_load_loses_no_acknowledged_entry(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    people = _people(world)
    try:
        with two_servers(database_url, tmp_path) as (a, b):
            with _under_load([a, b], people) as traffic:
                a.kill()
                answered = traffic.count(200)
                _until(lambda: traffic.count(200) >= answered + 100, within=60)  # b goes on
            top = max(index for index, _ in traffic.received)
            wait_for_checkpoint(b.base, top + 1, within=15)
            size = check_received_from_tiles(b.base, traffic.received, _secret(tmp_path))
    finally:
        world.services.db.dispose()
    assert size > top
    assert traffic.count(500) == 0


def test_the_integrating_process_killed_is_replaced_within_two_seconds(
    database_url: str, tmp_path: Path
) -> None:
    world = make_world(database_url, tmp_path)
    (person, token), *_ = _people(world, 1)
    store = SqlLogStore(world.services.db)
    try:
        with two_servers(database_url, tmp_path) as servers:
            holder = store.lease_holder()
            assert holder is not None
            [victim] = [
                s for s in servers if s.process and str(s.process.pid) == holder.split(":")[1]
            ]
            [survivor] = [s for s in servers if s is not victim]
            assert read_profile(victim.base, token).status_code == 200
            victim.kill()
            killed = time.monotonic()
            answer = read_profile(survivor.base, token)  # appended after the integrator died
            assert answer.status_code == 200, answer.text
            wait_for_checkpoint(survivor.base, int(answer.headers["Log-Index"]) + 1, within=10)
            took = time.monotonic() - killed
            new_holder = store.lease_holder()
            assert new_holder is not None
            assert survivor.process is not None
            assert new_holder.split(":")[1] == str(survivor.process.pid)
            vkey = httpx.get(f"{survivor.base}/log/vkey", timeout=10).text.strip()
            verified = subprocess.run(
                [
                    *(EXE, "log", "verify", "--url", f"{survivor.base}/log", "--vkey", vkey),
                    *("--state-file", str(tmp_path / "verify-state.json")),
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
            check_received_from_tiles(
                survivor.base, [(int(answer.headers["Log-Index"]), person)], _secret(tmp_path)
            )
    finally:
        store.close()
        world.services.db.dispose()
    assert took <= 2.0, f"a new checkpoint took {took:.2f} s after the integrator died"
    assert verified.returncode == 0, verified.stderr


def test_a_postgresql_restart_under_load_answers_503_then_recovers_and_loses_nothing(
    throwaway_postgres: ThrowawayPostgres, tmp_path: Path
) -> None:
    url = throwaway_postgres.url
    world = make_world(url, tmp_path)
    people = _people(world)
    world.services.db.dispose()  # the test's own connections are not the servers' concern
    with two_servers(url, tmp_path) as (a, b):
        with _under_load([a, b], people) as traffic:
            before = dict(traffic.statuses)
            throwaway_postgres.stop()
            time.sleep(2.0)  # down long enough for every process to notice
            during = dict(traffic.statuses)
            throwaway_postgres.start()
            answered = traffic.count(200)
            _until(lambda: traffic.count(200) >= answered + 100, within=60)
        top = max(index for index, _ in traffic.received)
        wait_for_checkpoint(a.base, top + 1, within=15)
        check_received_from_tiles(a.base, traffic.received, _secret(tmp_path))
    refused = during.get(503, 0) - before.get(503, 0)
    assert refused > 0, f"no 503 while the database was down: {during}"
    assert traffic.count(500) == 0, traffic.statuses
