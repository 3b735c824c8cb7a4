"""Deletion obligations open when access ends by itself — within seconds, with the right reason,
and also after a restart that spanned the end (the server's own sweeper, on a real database)."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from consentgate.config import Settings
from consentgate.domain import Action, Capability, Category, DeletionObligation, GrantScope
from consentgate.domain.clock import Clock
from consentgate.services.expiry import wait_seconds
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.testing import FrozenClock

READ = GrantScope(Category.FRIENDS, Action.READ, "music.share")
WRITE = GrantScope(Category.MESSAGES, Action.WRITE, "music.share")
CAPABILITIES = (
    Capability(Category.FRIENDS, Action.READ, "music.share", frozenset({"id", "friend_id"})),
    Capability(Category.MESSAGES, Action.WRITE, "music.share", frozenset({"id", "body"})),
)


class ShiftedClock:
    """The wall clock moved by ``shift``: time passes for real, and a story can be set in the
    past so that an end falls a few seconds from now."""

    def __init__(self, shift: timedelta) -> None:
        self.shift = shift

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


def _world(services: Services, clock: Clock, until: timedelta) -> None:
    """A music partner whose agreement ends ``until`` from ``clock()``, and Alice."""
    now = clock()
    services.partners.register_purpose("music.share", "Share a song", "essential.service")
    services.partners.register_partner("tunes", "Tunes Music", "music streamer")
    services.partners.sign_agreement(
        "tunes", CAPABILITIES, valid_from=now - timedelta(days=10), valid_until=now + until
    )
    services.people.register_person("alice", "Alice", person_id="p-alice")


def _wait_for(
    find: Callable[[], list[DeletionObligation]], seconds: float = 10.0
) -> list[DeletionObligation]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = find()
        if found:
            return found
        time.sleep(0.05)
    return []


def test_an_agreement_reaching_valid_until_opens_its_obligations_within_seconds(
    settings: Settings, database: Database
) -> None:
    services = Services(settings, database)  # the wall clock
    _world(services, services.clock, timedelta(seconds=2))
    grant = services.grants.record_grant(
        "p-alice", "tunes", frozenset({READ}), receipt_text="Tunes may read your friends."
    )
    running = services.start()
    try:
        [obligation] = _wait_for(lambda: services.grants.obligations_of_partner("tunes"))
    finally:
        running.stop()
    end = services.partners.get_agreement(grant.agreement_id).valid_until
    assert obligation.reason.value == "agreement.expired"
    assert (obligation.grant_id, obligation.category) == (grant.id, Category.FRIENDS)
    assert timedelta(0) <= obligation.opened_at - end < timedelta(seconds=3)


def test_a_grant_written_while_the_sweeper_sleeps_wakes_it(
    settings: Settings, database: Database
) -> None:
    services = Services(settings, database)
    running = services.start()  # nothing ends: the sweeper sleeps for a minute
    try:
        time.sleep(0.3)
        _world(services, services.clock, timedelta(seconds=2))
        grant = services.grants.record_grant(
            "p-alice", "tunes", frozenset({READ}), receipt_text="Tunes may read your friends."
        )
        [obligation] = _wait_for(lambda: services.grants.obligations_of_partner("tunes"))
    finally:
        running.stop()
    assert (obligation.grant_id, obligation.reason.value) == (grant.id, "agreement.expired")


def test_a_grant_running_out_on_its_own_opens_grant_expired_within_seconds(
    settings: Settings, database: Database
) -> None:
    # One day ago (less two seconds) Alice granted for one day: it ends two seconds from now.
    clock = ShiftedClock(timedelta(days=-1, seconds=2))
    services = Services(settings, database, clock=clock)
    _world(services, clock, timedelta(days=100))
    grant = services.grants.record_grant(
        "p-alice", "tunes", frozenset({READ}), receipt_text="For one day.", days=1
    )
    clock.shift = timedelta(0)  # back to today
    running = services.start()
    try:
        [obligation] = _wait_for(lambda: services.grants.obligations_of_partner("tunes"))
    finally:
        running.stop()
    assert (obligation.grant_id, obligation.reason.value) == (grant.id, "grant.expired")
    assert timedelta(0) <= obligation.opened_at - grant.expires_at < timedelta(seconds=3)


def test_a_restart_that_spanned_the_end_opens_the_obligations_at_start(
    services: Services, clock: FrozenClock
) -> None:
    _world(services, clock, timedelta(hours=1))
    grant = services.grants.record_grant(
        "p-alice", "tunes", frozenset({READ}), receipt_text="Tunes may read your friends."
    )
    clock.advance(hours=3)  # the server was down when the agreement ended
    running = services.start()
    try:
        [obligation] = _wait_for(lambda: services.grants.obligations_of_partner("tunes"), 5.0)
    finally:
        running.stop()
    assert (obligation.grant_id, obligation.reason.value) == (grant.id, "agreement.expired")
    assert obligation.opened_at == clock.now


def test_grants_that_only_wrote_never_hold_back_the_ones_that_read(
    services: Services, clock: FrozenClock
) -> None:
    _world(services, clock, timedelta(days=100))
    services.grants.record_grant("p-alice", "tunes", frozenset({WRITE}), receipt_text="w", days=1)
    clock.advance(hours=1)
    reader = services.grants.record_grant(
        "p-alice", "tunes", frozenset({READ}), receipt_text="r", days=1
    )
    clock.advance(days=2)
    # The write-only grant ran out first and leaves nothing to delete; it must not take the batch.
    [obligation] = services.grants.sweep_expired(limit=1)
    assert (obligation.grant_id, obligation.reason.value) == (reader.id, "grant.expired")
    assert services.grants.sweep_expired(limit=1) == []


def test_the_sweeper_sleeps_until_just_after_the_next_end_and_never_past_its_bound() -> None:
    now = datetime(2017, 5, 1, tzinfo=UTC)
    assert wait_seconds(now, None, 60.0) == 60.0
    assert wait_seconds(now, now + timedelta(days=3), 60.0) == 60.0
    assert 2.0 < wait_seconds(now, now + timedelta(seconds=2), 60.0) < 2.2
    assert 0.0 < wait_seconds(now, now - timedelta(seconds=5), 60.0) < 0.2
