"""The change feed commits in sequence order, so a follower never skips a change that is late.

A revocation whose transaction is slow to commit must still reach every server process: another
writer's change may not overtake it in the feed (real SQLite, and PostgreSQL when set).
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import select

from consentgate.services.base import ChangeKind
from consentgate.services.decisions import DecisionService
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.changes import append_change, last_seq
from consentgate.store.grants import set_revoked
from consentgate.store.tables import changes
from consentgate.testing import FrozenClock

from .test_index_coherence import READ_CONTACTS, ask


def test_a_slow_revocation_is_not_overtaken_by_a_later_change(
    device_maker: Services, database_url: str, clock: FrozenClock
) -> None:
    world = device_maker
    grant = world.grants.record_grant(
        "p-alice", "device-maker", frozenset({READ_CONTACTS}), receipt_text="…"
    )
    other_db = Database.connect(database_url)  # another server process's pool
    follower = DecisionService(other_db, clock)
    follower.load()
    assert ask(follower)
    holding = threading.Event()
    committed: list[float] = []

    def slow_revocation() -> None:
        with world.db.begin() as conn:
            set_revoked(conn, [grant.id], clock())
            append_change(
                conn,
                ChangeKind.GRANT,
                clock(),
                person_id="p-alice",
                partner_id="device-maker",
                ref_id=grant.id,
            )
            holding.set()
            time.sleep(0.5)
        committed.append(time.monotonic())

    slow = threading.Thread(target=slow_revocation)
    slow.start()
    try:
        assert holding.wait(10)
        world.people.register_person("bob", "Bob", person_id="p-bob")  # a later feed write
        later_done = time.monotonic()
    finally:
        slow.join()
    # The later write had to wait for the revocation's commit: it took its number after it.
    assert committed
    assert committed[0] <= later_done
    with other_db.read() as conn:
        kinds = list(conn.execute(select(changes.c.kind).order_by(changes.c.seq)).scalars())
    assert kinds[-2:] == [ChangeKind.GRANT, ChangeKind.PERSON]
    follower.sync()
    assert not ask(follower)  # the revocation was applied, not skipped
    other_db.dispose()


def test_a_rolled_back_feed_number_is_skipped_at_once(
    device_maker: Services, database_url: str, clock: FrozenClock
) -> None:
    world = device_maker
    other_db = Database.connect(database_url)
    follower = DecisionService(other_db, clock)
    follower.load()
    try:
        with world.db.begin() as conn:
            append_change(conn, ChangeKind.PERSON, clock(), person_id="p-alice")
            raise _RollBack
    except _RollBack:
        pass
    grant = world.grants.record_grant(
        "p-alice", "device-maker", frozenset({READ_CONTACTS}), receipt_text="…"
    )
    follower.sync()
    assert ask(follower)  # the change above the rolled-back number is applied
    with other_db.read() as conn:
        top = last_seq(conn)
    assert follower._seq == top  # nothing is left waiting on the gap
    world.grants.revoke_grant(grant.id)
    follower.sync()
    assert not ask(follower)
    other_db.dispose()


class _RollBack(Exception):
    """Raised inside a transaction to roll it back."""
