"""Deletion obligations: what a partner must delete once access ends (DESIGN.md)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from consentgate.domain.categories import Category


class ObligationReason(StrEnum):
    """Why access ended, and so why the partner must delete (the same codes the engine uses)."""

    #: The person revoked the grant.
    GRANT_REVOKED = "grant.revoked"
    #: The grant reached its own expiry.
    GRANT_EXPIRED = "grant.expired"
    #: The agreement the grant was issued under reached its ``valid_until``.
    AGREEMENT_EXPIRED = "agreement.expired"
    #: The platform ended the agreement before its ``valid_until``.
    AGREEMENT_ENDED = "agreement.ended"
    #: The partner was suspended or terminated.
    PARTNER_SUSPENDED = "partner.suspended"


@dataclass(frozen=True, slots=True)
class DeletionObligation:
    """A partner must delete one person's data of one category by ``due_at`` and confirm it."""

    id: str
    partner_id: str
    person_id: str
    category: Category
    grant_id: str
    reason: ObligationReason
    opened_at: datetime
    due_at: datetime
    confirmed_at: datetime | None = None

    def overdue(self, now: datetime) -> bool:
        return self.confirmed_at is None and now > self.due_at
