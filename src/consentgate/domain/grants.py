"""Grants: what a person allowed a partner, through the consent screen (DESIGN.md: Grant)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from consentgate.domain.categories import Action, Category
from consentgate.errors import InvalidInput

#: How long a grant lasts unless configured otherwise.
DEFAULT_GRANT_DAYS = 90

#: A moment: an aware datetime here, POSIX seconds in the decision index.
Moment = TypeVar("Moment", datetime, float)


def usable_until(expires_at: Moment, revoked_at: Moment | None) -> Moment:
    """When a grant stops being usable: at its revocation if that came first, else at its expiry.

    This is the one definition of an active grant, used by :meth:`Grant.active` and by the
    decision engine alike: a grant is active at ``t`` when ``issued_at <= t < usable_until``.
    A revocation is stamped with the time it happened, so a grant revoked at ``r`` was active
    before ``r``: a decision or an explanation at an earlier time sees the grant as it was then.
    """
    if revoked_at is not None and revoked_at < expires_at:
        return revoked_at
    return expires_at


@dataclass(frozen=True, slots=True, order=True)
class GrantScope:
    """One (category, action, purpose) a person allowed."""

    category: Category
    action: Action
    purpose: str

    def __str__(self) -> str:
        return f"{self.category}.{self.action}:{self.purpose}"


@dataclass(frozen=True, slots=True)
class Grant:
    """Person → partner, a set of scopes, an expiry and a consent receipt."""

    id: str
    person_id: str
    partner_id: str
    client_id: str | None
    scopes: frozenset[GrantScope]
    issued_at: datetime
    expires_at: datetime
    receipt_hash: str
    agreement_id: str
    revoked_at: datetime | None = None
    #: Scopes that lapsed unused (no longer in ``scopes``), each with when it lapsed.
    lapsed: tuple[tuple[GrantScope, datetime], ...] = ()

    def __post_init__(self) -> None:
        if not self.scopes and not self.lapsed:
            raise InvalidInput("a grant needs at least one scope")
        if self.expires_at <= self.issued_at:
            raise InvalidInput("a grant must expire after it is issued")

    def active(self, now: datetime) -> bool:
        """Whether the grant is usable at ``now`` (see :func:`usable_until`)."""
        return self.issued_at <= now < self.ended_at()

    @property
    def issued_scopes(self) -> frozenset[GrantScope]:
        """Every scope the person granted, lapsed ones included (what deletions are owed for)."""
        return self.scopes | {s for s, _ in self.lapsed}

    def ended_at(self) -> datetime:
        """When the grant stopped (or will stop) being usable."""
        return usable_until(self.expires_at, self.revoked_at)


@dataclass(frozen=True, slots=True)
class TokenContext:
    """Who is calling with a bearer token: the client, its partner, the person and the grant.

    ``scopes`` are what the token carries (a subset of the grant's, from the authorization
    request). Holding a token proves nothing by itself: every call is still decided by the engine
    against the grant, the agreement and the settings as they are at that moment.
    """

    token_id: str
    client_id: str
    partner_id: str
    person_id: str
    #: The grant behind the token. The data API's tokens always name one; ``None`` is a call
    #: that names no grant, decided as the engine decides any request without one
    #: (``grant.missing`` when the person never granted the partner anything).
    grant_id: str | None
    scopes: frozenset[GrantScope]
    expires_at: datetime
