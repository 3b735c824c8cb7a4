"""Deletion obligations open when access ends by itself: at a grant's expiry or its agreement's end.

The engine denies an expired grant or agreement from that very instant (time is an argument of
every decision); what runs here tells the partner what it must now delete, with the reason
(``agreement.expired`` or ``grant.expired``), as soon as the end comes:

* it sweeps when it starts, so a restart that spanned an end opens those obligations at once;
* then it sleeps until the earliest upcoming grant expiry. That covers agreements too: a grant
  never outlives the agreement it was issued under (``record_grant`` caps its expiry at the
  agreement's end), and an agreement ended early revokes its grants on the spot;
* it wakes early when this process writes a grant or an agreement (it is a change listener), since
  the next end may now be sooner;
* it never sleeps longer than ``max_wait`` (``CONSENTGATE_EXPIRY_SWEEP_SECONDS``), which bounds
  how late it notices grants written by other processes, and retries after a failure.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from datetime import datetime

from consentgate.domain.clock import Clock
from consentgate.services.base import ChangeKind
from consentgate.services.grants import GrantService
from consentgate.store.changes import Change

log = logging.getLogger(__name__)

#: Grants handled per transaction; a sweep repeats until none is left.
_BATCH = 1000
#: Woken this long after an end, so that the end is past by then (``expires_at <= now``).
_AFTER_END_SECONDS = 0.05
#: The changes after which the next end may be sooner.
_RESCHEDULE = frozenset({ChangeKind.GRANT, ChangeKind.AGREEMENT})


def wait_seconds(now: datetime, next_end: datetime | None, max_wait: float) -> float:
    """How long to sleep at ``now`` until ``next_end`` has passed, at most ``max_wait``."""
    if next_end is None:
        return max_wait
    return min(max_wait, max(0.0, (next_end - now).total_seconds()) + _AFTER_END_SECONDS)


class ExpirySweeper:
    """Opens the deletion obligations of grants and agreements as they end. Start with
    :meth:`start`; register it as a change listener to be woken by this process's writes."""

    def __init__(self, grants: GrantService, clock: Clock, *, max_wait: float) -> None:
        self.grants = grants
        self.clock = clock
        self.max_wait = max_wait
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> ExpirySweeper:
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="expiry-sweeper", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def apply_changes(self, changes: Iterable[Change]) -> None:
        """A grant or an agreement was written: the next end may be sooner, so look again."""
        if any(change.kind in _RESCHEDULE for change in changes):
            self._wake.set()

    def sweep(self) -> datetime | None:
        """Open every obligation that is due now; return when the next grant ends, if any."""
        # Each round opens at least one obligation for each grant it takes, so it ends.
        while self.grants.sweep_expired(_BATCH):
            pass
        return self.grants.next_expiry()

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()  # before sweeping: a write during the sweep wakes the next wait
            try:
                delay = wait_seconds(self.clock(), self.sweep(), self.max_wait)
            except Exception:  # the database may be briefly unavailable: say why, retry soon
                log.exception("the expiry sweep failed; retrying")
                delay = min(self.max_wait, 5.0)
            self._wake.wait(delay)
