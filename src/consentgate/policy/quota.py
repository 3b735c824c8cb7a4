"""Quota counters: how many allowed decisions each capability has used in its current window.

A fixed window per (agreement, scope): window ``k`` covers ``[k·w, (k+1)·w)`` seconds, so counters
need no clock of their own — the caller passes the time, like everywhere in :mod:`consentgate.policy`.

One process counts on its own (:class:`QuotaCounter` without a share). Several server processes
share one count through a :class:`QuotaShare` (the store's ``quota_usage`` table): each process
claims a few requests of the window at a time and allows only what it claimed, so the processes
together never allow more than the quota — a partner cannot multiply its quota by the number of
workers. The price: requests a process claimed and did not use are not available to the others
until the window ends (the share claims a small part of what is left, down to one at a time near
the end).
"""

from __future__ import annotations

import threading
from typing import Protocol

from consentgate.domain.agreements import Quota

QuotaKey = tuple[str, tuple[str, str, str]]


class QuotaShare(Protocol):
    """Where several processes count one quota together."""

    def claim(self, key: QuotaKey, quota: Quota, window: int) -> int:
        """Claim some of what is left of ``key``'s quota in ``window`` for this process: how many
        requests were claimed (0 when it is used up)."""
        ...

    def used(self, key: QuotaKey, quota: Quota, window: int) -> int:
        """How many requests of ``key``'s quota in ``window`` all processes have claimed."""
        ...


class QuotaCounter:
    """Counts allowed decisions per (agreement id, scope) in fixed windows. Thread-safe.

    With ``share``, counts are claimed from it (see the module docstring); an error from the
    share propagates, so the caller fails closed.
    """

    def __init__(self, share: QuotaShare | None = None) -> None:
        self._lock = threading.Lock()
        self._share = share
        # key -> (window, used here, claimed here and not used yet)
        self._windows: dict[QuotaKey, tuple[int, int, int]] = {}

    def used(self, key: QuotaKey, quota: Quota, at: float) -> int:
        """How many decisions ``key`` has used in the window containing ``at``."""
        window = int(at // quota.window_seconds)
        if self._share is not None:
            return self._share.used(key, quota, window)
        current = self._windows.get(key)
        if current is None or current[0] != window:
            return 0
        return current[1]

    def available(self, key: QuotaKey, quota: Quota, at: float) -> bool:
        """Whether one more decision fits the quota at ``at`` (without using it)."""
        window = int(at // quota.window_seconds)
        current = self._windows.get(key)
        if current is not None and current[0] == window and current[2] > 0:
            return True
        return self.used(key, quota, at) < quota.max_requests

    def take(self, key: QuotaKey, quota: Quota, at: float) -> bool:
        """Use one decision of the quota at ``at`` if one is left; return whether it was."""
        window = int(at // quota.window_seconds)
        with self._lock:
            current = self._windows.get(key)
            if current is None or current[0] != window:
                current = (window, 0, 0)
            used, left = current[1], current[2]
            if self._share is None:
                if used >= quota.max_requests:
                    return False
                self._windows[key] = (window, used + 1, 0)
                return True
            if left > 0:
                self._windows[key] = (window, used + 1, left - 1)
                return True
        claimed = self._share.claim(key, quota, window)  # outside the lock: it is a round trip
        if claimed <= 0:
            return False
        with self._lock:
            current = self._windows.get(key)
            if current is None or current[0] != window:
                current = (window, 0, 0)
            self._windows[key] = (window, current[1] + 1, current[2] + claimed - 1)
        return True
