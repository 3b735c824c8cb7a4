"""Grants: what a person allowed a partner, through the consent screen (DESIGN.md: Grant)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from consentgate.domain.categories import Action, Category
from consentgate.errors import InvalidInput

#: How long a grant lasts unless configured otherwise.
DEFAULT_GRANT_DAYS = 90


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

    def __post_init__(self) -> None:
        if not self.scopes:
            raise InvalidInput("a grant needs at least one scope")
        if self.expires_at <= self.issued_at:
            raise InvalidInput("a grant must expire after it is issued")

    def active(self, now: datetime) -> bool:
        return self.revoked_at is None and self.issued_at <= now < self.expires_at

    def ended_at(self) -> datetime:
        """When the grant stopped (or will stop) being usable."""
        if self.revoked_at is not None and self.revoked_at < self.expires_at:
            return self.revoked_at
        return self.expires_at


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
    grant_id: str
    scopes: frozenset[GrantScope]
    expires_at: datetime
