"""Quota counters: how many allowed decisions each capability has used in its current window.

A fixed window per (agreement, scope): window ``k`` covers ``[k·w, (k+1)·w)`` seconds, so counters
need no clock of their own — the caller passes the time, like everywhere in :mod:`consentgate.policy`.
Counters live in one process; several server processes each enforce the quota on their own share
of requests (documented limitation, see the service).
"""

from __future__ import annotations

import threading

from consentgate.domain.agreements import Quota

QuotaKey = tuple[str, tuple[str, str, str]]


class QuotaCounter:
    """Counts allowed decisions per (agreement id, scope) in fixed windows. Thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[QuotaKey, tuple[int, int]] = {}

    def used(self, key: QuotaKey, quota: Quota, at: float) -> int:
        """How many decisions ``key`` has used in the window containing ``at``."""
        window = int(at // quota.window_seconds)
        current = self._windows.get(key)
        if current is None or current[0] != window:
            return 0
        return current[1]

    def available(self, key: QuotaKey, quota: Quota, at: float) -> bool:
        """Whether one more decision fits the quota at ``at`` (without using it)."""
        return self.used(key, quota, at) < quota.max_requests

    def take(self, key: QuotaKey, quota: Quota, at: float) -> bool:
        """Use one decision of the quota at ``at`` if one is left; return whether it was."""
        window = int(at // quota.window_seconds)
        with self._lock:
            current = self._windows.get(key)
            used = current[1] if current is not None and current[0] == window else 0
            if used >= quota.max_requests:
                return False
            self._windows[key] = (window, used + 1)
            return True
