"""The sign-in state in the database: the throttle's counts and the server-side sessions, shared
by every service instance (every server process) on the database."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from consentgate.errors import TooManyAttempts
from consentgate.services.signin import (
    LIMITS,
    PERSON,
    Backoff,
    LoginThrottle,
    SessionService,
    address_key,
)
from consentgate.store import Database
from consentgate.testing import FrozenClock


def test_the_documented_limits() -> None:
    account, address = LIMITS["account"], LIMITS["address"]
    assert [account.wait_seconds(n) for n in range(4, 13)] == [0, 1, 2, 4, 8, 16, 32, 60, 60]
    assert [address.wait_seconds(n) for n in (19, 20, 24, 28, 29, 1000)] == [
        0,
        1,
        16,
        256,
        300,
        300,
    ]
    assert Backoff(free=1, cap_seconds=5).wait_seconds(10**6) == 5


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        (None, "unknown"),
    ],
)
def test_an_ipv6_subscriber_counts_as_one_address(host: str | None, key: str) -> None:
    assert address_key(host) == key


def test_parallel_guesses_cannot_slip_past_the_count(
    database: Database, clock: FrozenClock
) -> None:
    throttle = LoginThrottle(database, clock)
    claimed: list[object] = []
    refused: list[TooManyAttempts] = []
    start = threading.Barrier(24)

    def guess(n: int) -> None:
        start.wait()
        try:
            claimed.append(throttle.attempt("dana", f"198.51.100.{n}"))
        except TooManyAttempts as err:
            refused.append(err)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # The count is read and written under a lock: exactly the free attempts pass.
    assert len(claimed) == LIMITS["account"].free
    assert len(refused) == 24 - LIMITS["account"].free


def test_two_processes_share_the_counts(database: Database, clock: FrozenClock) -> None:
    one, two = LoginThrottle(database, clock), LoginThrottle(database, clock)
    for throttle in (one, two, one, two, one):
        throttle.attempt("dana", "192.0.2.1")
    with pytest.raises(TooManyAttempts) as refused:
        two.attempt("dana", "192.0.2.99")
    assert refused.value.retry_after_seconds == 1
    clock.advance(seconds=1)
    two.succeeded(two.attempt("DANA ", "192.0.2.99"))
    for _ in range(5):  # the success cleared the account (the handle is case-folded)
        one.attempt("dana", "192.0.2.1")


def test_a_session_lives_until_it_is_ended_or_runs_out(
    database: Database, clock: FrozenClock
) -> None:
    here, there = SessionService(database, clock), SessionService(database, clock)
    here.start("sid-1", PERSON, "p-dana", timedelta(hours=8))
    here.start("sid-2", PERSON, "p-dana", timedelta(hours=8))
    here.start("sid-3", "staff", "p-dana", timedelta(hours=8))
    assert there.is_live("sid-1", PERSON, "p-dana")
    assert not there.is_live("sid-1", PERSON, "p-erin")
    assert not there.is_live("sid-3", PERSON, "p-dana")
    there.end("sid-1")
    assert not here.is_live("sid-1", PERSON, "p-dana")
    assert here.is_live("sid-2", PERSON, "p-dana")
    here.start("sid-4", PERSON, "p-dana", timedelta(hours=8))
    assert there.end_all(PERSON, "p-dana") == 2
    assert not here.is_live("sid-4", PERSON, "p-dana")
    assert here.is_live("sid-3", "staff", "p-dana")  # another kind of subject is untouched
    clock.advance(hours=8)
    assert not here.is_live("sid-3", "staff", "p-dana")
