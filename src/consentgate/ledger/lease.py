"""The integration lease: which one of many server processes builds tiles and signs checkpoints.

Appends need no leader (indexes are assigned inside each append's database transaction), but
integration must happen in one place at a time, or two processes would race to write the same
tiles. The store keeps one lease row, or a PostgreSQL advisory lock (see ``store/coordination.py``);
this module is the rule for the row, pure so that it can be checked exhaustively:

* a process may take the lease when nobody holds it, when it already holds it (a renewal), or
  when the holder's lease has expired (the holder died or stalled);
* otherwise it is refused, and the current holder keeps it.

The holder renews well inside the lease's length (``RENEW_SECONDS`` < ``LEASE_SECONDS``), and the
others ask as often, so a dead holder is replaced within ``LEASE_SECONDS + RENEW_SECONDS``. A
holder that stalled past its lease finds out at its next write: the store refuses an integration
from a process that does not hold the lease (fencing), and checkpoints never fork because each one
is checked against the last before it is signed.
"""

from __future__ import annotations

from dataclasses import dataclass

#: How long a lease lasts without renewal.
LEASE_SECONDS = 1.0
#: How often the holder renews it and the others ask for it.
RENEW_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds the integration lease, and until when (milliseconds since the epoch)."""

    holder: str
    expires_ms: int

    def held_by(self, holder: str, now_ms: int) -> bool:
        """Whether ``holder`` holds this lease at ``now_ms``."""
        return self.holder == holder and now_ms < self.expires_ms


def claim(current: Lease | None, holder: str, now_ms: int, ttl_ms: int) -> Lease | None:
    """The lease after ``holder`` asks for it at ``now_ms``: taken or renewed until
    ``now_ms + ttl_ms`` when it is free, expired or already its own; ``None`` (refused, the lease
    stays as it is) while another holder's lease runs."""
    if ttl_ms <= 0:
        raise ValueError("a lease lasts a positive time")
    if current is None or current.holder == holder or current.expires_ms <= now_ms:
        return Lease(holder, max(now_ms + ttl_ms, current.expires_ms if current else 0))
    return None


def release(current: Lease | None, holder: str) -> Lease | None:
    """The lease after ``holder`` gives it up: gone if it was ``holder``'s, unchanged otherwise."""
    if current is not None and current.holder == holder:
        return None
    return current
