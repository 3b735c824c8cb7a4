"""Agreements and their capabilities (DESIGN.md: Agreement).

An agreement is versioned and never edited in place: a change is a new version, and ending an
agreement sets its ``ended_at`` (the only field that changes after signing, and only once).
Every agreement ends: ``valid_until`` is required.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from consentgate.domain.categories import Action, Category
from consentgate.domain.records import FIELDS
from consentgate.errors import InvalidInput

#: The longest an agreement may run: nothing like a 2010 deal still in force in 2017.
MAX_TERM_DAYS = 3 * 366


class RecordScope(StrEnum):
    """Which of a person's records a capability reaches."""

    ALL = "all"
    CREATED_BY_PARTNER = "created_by_partner"
    SINCE_GRANT = "since_grant"


@dataclass(frozen=True, slots=True)
class Quota:
    """At most ``max_requests`` decisions allowed per ``window_seconds``, per partner and capability."""

    max_requests: int
    window_seconds: int

    def __post_init__(self) -> None:
        if self.max_requests < 1 or self.window_seconds < 1:
            raise InvalidInput("a quota needs a positive number of requests and a positive window")


@dataclass(frozen=True, slots=True)
class Capability:
    """What one agreement lets a partner do: one (category, action, purpose) with its limits."""

    category: Category
    action: Action
    purpose: str
    fields: frozenset[str]
    scope: RecordScope = RecordScope.ALL
    quota: Quota | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.category, Category):
            raise InvalidInput(f"unknown category {self.category!r}")
        if not isinstance(self.action, Action):
            raise InvalidInput(f"unknown action {self.action!r}")
        if not self.purpose:
            raise InvalidInput("a capability needs a purpose")
        unknown = self.fields - FIELDS[self.category]
        if unknown:
            raise InvalidInput(
                f"unknown fields for {self.category}: {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(FIELDS[self.category]))})"
            )
        if not self.fields:
            raise InvalidInput(f"a {self.category} capability must allow at least one field")

    @property
    def key(self) -> tuple[Category, Action, str]:
        return (self.category, self.action, self.purpose)


@dataclass(frozen=True, slots=True)
class Agreement:
    """One signed version of a partner's agreement."""

    id: str
    partner_id: str
    version: int
    valid_from: datetime
    valid_until: datetime
    retention_days: int
    capabilities: tuple[Capability, ...]
    signed_at: datetime
    ended_at: datetime | None = None

    def __post_init__(self) -> None:
        if self.valid_until is None:
            raise InvalidInput("an agreement needs valid_until: every agreement ends")
        if self.valid_from.tzinfo is None or self.valid_until.tzinfo is None:
            raise InvalidInput("agreement dates must carry a time zone")
        if self.valid_until <= self.valid_from:
            raise InvalidInput(
                f"agreement ends ({self.valid_until.isoformat()}) before it starts "
                f"({self.valid_from.isoformat()})"
            )
        if (self.valid_until - self.valid_from).days > MAX_TERM_DAYS:
            raise InvalidInput(f"an agreement may run at most {MAX_TERM_DAYS} days")
        if self.version < 1:
            raise InvalidInput("agreement versions start at 1")
        if not 0 <= self.retention_days <= 3650:
            raise InvalidInput("retention_days must be between 0 and 3650")
        if not self.capabilities:
            raise InvalidInput("an agreement needs at least one capability")
        keys = [c.key for c in self.capabilities]
        if len(keys) != len(set(keys)):
            raise InvalidInput("an agreement lists the same (category, action, purpose) twice")

    @property
    def end(self) -> datetime:
        """When the agreement stops being in force: its end date, or when it was ended early."""
        if self.ended_at is not None and self.ended_at < self.valid_until:
            return self.ended_at
        return self.valid_until

    def in_force(self, now: datetime) -> bool:
        return self.valid_from <= now < self.end

    def capability(self, category: Category, action: Action, purpose: str) -> Capability | None:
        for c in self.capabilities:
            if c.key == (category, action, purpose):
                return c
        return None
