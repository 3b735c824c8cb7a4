"""The source of "now": one ``Clock`` type for every part that stamps or compares times.

Time is passed in rather than read from the wall (STYLE.md, "Time, randomness and keys are passed
in"), so every rule, every log checkpoint and every token can be tested at any date (2010, 2017,
2026) with :class:`consentgate.testing.FrozenClock`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: A function returning the current time, timezone-aware in UTC.
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The wall clock, in UTC: the default everywhere outside tests."""
    return datetime.now(UTC)


__all__ = ["Clock", "system_clock"]
