"""Sign-in: sessions that end when the person signs out, and throttled password guessing.

Both keep their state in the database (``store/signin.py``), so they hold across every server
process on one database, and both take the time from the clock they are given.

**Sessions.** A signed cookie alone cannot be taken back: a copy made before sign-out would
work until it expires. So a session is honoured only while its row exists. Signing out deletes
the row (the copy stops working at once); signing out everywhere deletes every session of the
subject. Subjects are ``(kind, id)`` pairs, so people and staff accounts share the mechanism.

**Login throttle.** Limits, per account (the handle typed, case-folded) and per client address
(an IPv4 address, or the /64 network of an IPv6 one):

=================  ============  ===========================================================
what               free          then, before the next attempt
=================  ============  ===========================================================
one account        5 failures    1 s after the 5th failure, doubling (2, 4, … s), at most 60 s
one address        20 failures   1 s after the 20th failure, doubling, at most 300 s
=================  ============  ===========================================================

A throttled attempt is answered ``429`` with ``Retry-After`` before any password is checked,
so it costs no argon2 time, and it is not counted. Failures are forgotten 15 minutes after the
last one. A successful sign-in clears the account's count and takes its own attempt back off the
address's count. So nobody can lock a person out for good: the longest wait an attacker can
impose on an account is 60 s after their last guess, and the person's own address has its own,
separate count.

Each attempt is counted *before* the password is checked (and taken back if it succeeds), in a
transaction that locks the counts: parallel guesses cannot all slip through before the first
failure is recorded.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from consentgate.domain.clock import Clock
from consentgate.errors import Error, TooManyAttempts
from consentgate.store import Database
from consentgate.store import signin as rows

log = logging.getLogger(__name__)

#: The subject kind of a person's session (``services/staff.py`` has the staff's).
PERSON = "person"


class SessionService:
    """Start, check and end server-side sessions of any subject."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def start(self, session_id: str, kind: str, subject_id: str, lifetime: timedelta) -> None:
        now = self.clock()
        with self.db.begin() as conn:
            rows.insert_session(conn, session_id, kind, subject_id, now, now + lifetime)

    def is_live(self, session_id: str, kind: str, subject_id: str) -> bool:
        with self.db.read() as conn:
            return rows.session_is_live(conn, session_id, kind, subject_id, self.clock())

    def end(self, session_id: str) -> None:
        with self.db.begin() as conn:
            rows.delete_session(conn, session_id)

    def end_all(self, kind: str, subject_id: str) -> int:
        """End every session of the subject, on every device; how many there were."""
        with self.db.begin() as conn:
            return rows.delete_sessions_of(conn, kind, subject_id)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Free failures, then a wait that doubles from one second up to a cap."""

    free: int
    cap_seconds: int

    def wait_seconds(self, failures: int) -> int:
        """How long after the last of ``failures`` failures the next attempt must wait."""
        if failures < self.free:
            return 0
        return min(1 << min(failures - self.free, 30), self.cap_seconds)


ACCOUNT = "account"
ADDRESS = "address"
#: The limits of the module docstring's table.
LIMITS = {ACCOUNT: Backoff(free=5, cap_seconds=60), ADDRESS: Backoff(free=20, cap_seconds=300)}
#: Failures older than this (after the last one) no longer count.
FORGET_AFTER = timedelta(minutes=15)


def address_key(host: str | None) -> str:
    """The throttle key of a client address: IPv4 as is, IPv6 by its /64 network (one
    subscriber usually holds a whole /64), anything unparsable as itself."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:128]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True, slots=True)
class Attempt:
    """A counted sign-in attempt, to hand back to :meth:`LoginThrottle.succeeded`."""

    account: str
    address: str


class LoginThrottle:
    """Counts sign-in failures per account and per address and refuses attempts that come too
    soon (the limits are in the module docstring)."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def attempt(self, handle: str, client_host: str | None) -> Attempt:
        """Count one attempt, or raise :class:`TooManyAttempts` (nothing counted) when the
        account or the address must still wait. Call before checking the password."""
        now = self.clock()
        attempt = Attempt(handle.strip().lower()[:128], address_key(client_host))
        keys = ((ACCOUNT, attempt.account), (ADDRESS, attempt.address))
        wait = 0.0
        try:
            with self.db.begin() as conn:
                counts = {}
                for scope, key in keys:
                    found = rows.lock_failures(conn, scope, key, now)
                    count = 0 if now - found.last_at >= FORGET_AFTER else found.count
                    ready = found.last_at + timedelta(seconds=LIMITS[scope].wait_seconds(count))
                    wait = max(wait, (ready - now).total_seconds())
                    counts[scope, key] = count
                if wait > 0:
                    raise _Wait()
                for (scope, key), count in counts.items():
                    rows.put_failures(conn, scope, key, rows.Failures(count + 1, now))
        except _Wait:
            raise TooManyAttempts(
                "too many failed sign-in attempts; wait before trying again",
                retry_after_seconds=max(1, math.ceil(wait)),
            ) from None
        self._purge(now)
        return attempt

    def _purge(self, now: datetime) -> None:
        """Drop counts that no longer count; in its own transaction, holding no count's lock,
        and only housekeeping: a failure is logged and left for the next attempt."""
        try:
            with self.db.begin() as conn:
                rows.purge_failures(conn, now - FORGET_AFTER)
        except Error as err:
            log.warning("purging old sign-in failures failed: %s", err)

    def succeeded(self, attempt: Attempt) -> None:
        """The attempt signed in: clear the account's count, take it back off the address's."""
        with self.db.begin() as conn:
            rows.forget_failures(conn, ACCOUNT, attempt.account)
            rows.uncount_one(conn, ADDRESS, attempt.address)


class _Wait(Exception):
    """Leaves the counting transaction without writing (rolled back) when an attempt must wait."""
