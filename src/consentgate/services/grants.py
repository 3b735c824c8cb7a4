"""Grants: recorded from the consent screen, revoked by people, and the deletions they leave."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from consentgate.domain import Agreement, DeletionObligation, Grant, GrantScope
from consentgate.domain.clock import Clock
from consentgate.domain.obligations import ObligationReason
from consentgate.errors import Conflict, Forbidden, InvalidInput, NotCovered, NotFound
from consentgate.policy.index import PartnerEntry
from consentgate.policy.reasons import AGREEMENT_NOT_COVERED
from consentgate.services.base import ChangeKind, ChangeListener, Service, existing, new_id
from consentgate.services.partners import active_partner, registered_purposes
from consentgate.services.revocation import open_obligations, revoke_grants
from consentgate.store import Database
from consentgate.store import agreements as agreement_rows
from consentgate.store import grants as grant_rows
from consentgate.store import people as people_rows


def receipt_hash(receipt_text: str) -> str:
    """SHA-256 of the exact consent text shown to the person, hex-encoded."""
    return hashlib.sha256(receipt_text.encode("utf-8")).hexdigest()


def covering_agreement(
    agreements: list[Agreement], scopes: frozenset[GrantScope], now: datetime
) -> Agreement:
    """The newest agreement version in force at ``now`` that covers every scope.

    Raises :class:`NotCovered` otherwise, with the reason codes the engine's agreement rule gives
    the same state (``agreement.expired``, ``agreement.ended``, ``agreement.not_started``,
    ``agreement.none`` or ``agreement.not_covered``), so that the consent screen and the data API
    name it alike.
    """
    in_force = [a for a in agreements if a.in_force(now)]
    for agreement in sorted(in_force, key=lambda a: a.version, reverse=True):
        if all(agreement.capability(s.category, s.action, s.purpose) for s in scopes):
            return agreement
    partner = PartnerEntry(agreements[0].partner_id if agreements else "", "active", agreements)
    at = now.timestamp()
    outcomes = {
        partner.agreement_at((str(s.category), str(s.action), s.purpose), at).outcome
        for s in scopes
    }
    # Each scope may be covered on its own while no one version covers them all: not covered.
    reasons = tuple(sorted(o.code for o in outcomes if o.fails)) or (AGREEMENT_NOT_COVERED.code,)
    if not in_force:
        raise NotCovered("the partner has no agreement in force", reasons=reasons)
    uncovered = sorted(
        str(s)
        for s in scopes
        if not any(a.capability(s.category, s.action, s.purpose) for a in in_force)
    )
    raise NotCovered(
        f"the partner's agreement does not cover: {', '.join(uncovered) or 'these scopes together'}",
        reasons=reasons,
    )


class GrantService(Service):
    """Record a person's grant, revoke it, and track the deletions partners owe."""

    def __init__(
        self, db: Database, clock: Clock, listeners: list[ChangeListener], grant_days: int
    ) -> None:
        super().__init__(db, clock, listeners)
        self.grant_days = grant_days

    def record_grant(
        self,
        person_id: str,
        partner_id: str,
        scopes: frozenset[GrantScope],
        *,
        receipt_text: str,
        client_id: str | None = None,
        days: int | None = None,
    ) -> Grant:
        """Record what the person allowed on the consent screen. Never wider than the agreement."""
        if not scopes:
            raise InvalidInput("a grant needs at least one scope")
        if not receipt_text.strip():
            raise InvalidInput("a grant needs the consent text the person saw")
        days = self.grant_days if days is None else days
        if not 1 <= days <= 366:
            raise InvalidInput("a grant lasts between 1 and 366 days")
        with self.write() as w:
            if not people_rows.person_exists(w.conn, person_id):
                raise NotFound(f"unknown person {person_id!r}")
            active_partner(w.conn, partner_id)
            registered_purposes(w.conn, (s.purpose for s in scopes))
            now = self.clock()
            agreement = covering_agreement(
                agreement_rows.agreements_of(w.conn, partner_id), scopes, now
            )
            grant = Grant(
                id=new_id("grant"),
                person_id=person_id,
                partner_id=partner_id,
                client_id=client_id,
                scopes=scopes,
                issued_at=now,
                expires_at=min(now + timedelta(days=days), agreement.end),
                receipt_hash=receipt_hash(receipt_text),
                agreement_id=agreement.id,
            )
            grant_rows.insert_grant(w.conn, grant, receipt_text)
            w.note(
                ChangeKind.GRANT, now, person_id=person_id, partner_id=partner_id, ref_id=grant.id
            )
        return grant

    def get_grant(self, grant_id: str) -> Grant:
        return self.lookup("grant", grant_id, grant_rows.get_grant)

    def grants_of_person(self, person_id: str) -> list[Grant]:
        with self.db.read() as conn:
            if not people_rows.person_exists(conn, person_id):
                raise NotFound(f"unknown person {person_id!r}")
            return grant_rows.grants_of_person(conn, person_id)

    def revoke_grant(self, grant_id: str, *, by_person: str | None = None) -> Grant:
        """Revoke now. With ``by_person``, only that person's own grant may be revoked."""
        with self.write() as w:
            grant = grant_rows.get_grant(w.conn, grant_id)
            if grant is None or (by_person is not None and grant.person_id != by_person):
                raise NotFound(f"unknown grant {grant_id!r}")
            if grant.revoked_at is not None:
                raise Conflict(f"grant {grant_id!r} is already revoked")
            revoke_grants(w, [grant], ObligationReason.GRANT_REVOKED, self.clock())
            revoked = grant_rows.get_grant(w.conn, grant_id)
        assert revoked is not None
        return revoked

    def sweep_expired(self, limit: int = 1000) -> list[DeletionObligation]:
        """Open deletion obligations for up to ``limit`` grants that ran out by themselves.

        A grant that ran out at its agreement's ``valid_until`` (a grant never outlives its
        agreement) owes its deletions because the agreement expired: ``agreement.expired``;
        any other ran out at its own expiry: ``grant.expired``. The engine denies both from that
        instant on; this only tells the partner what to delete (see
        :class:`~consentgate.services.expiry.ExpirySweeper`, which runs it).
        """
        now = self.clock()
        with self.write() as w:
            expired = grant_rows.expired_without_obligations(w.conn, now, limit)
            ends: dict[str, datetime | None] = {}
            for g in expired:
                if g.agreement_id not in ends:
                    agreement = agreement_rows.get_agreement(w.conn, g.agreement_id)
                    ends[g.agreement_id] = agreement.valid_until if agreement else None
            with_agreement = [
                g for g in expired if (end := ends[g.agreement_id]) and g.expires_at >= end
            ]
            on_their_own = [g for g in expired if g not in with_agreement]
            return [
                *open_obligations(w, with_agreement, ObligationReason.AGREEMENT_EXPIRED, now),
                *open_obligations(w, on_their_own, ObligationReason.GRANT_EXPIRED, now),
            ]

    def next_expiry(self) -> datetime | None:
        """When the next unrevoked grant runs out (and with it, possibly, its agreement)."""
        with self.db.read() as conn:
            return grant_rows.next_expiry(conn, self.clock())

    def obligations_of_partner(
        self, partner_id: str, *, open_only: bool = False
    ) -> list[DeletionObligation]:
        with self.db.read() as conn:
            return grant_rows.obligations_of_partner(conn, partner_id, open_only=open_only)

    def overdue_obligations(self) -> list[DeletionObligation]:
        with self.db.read() as conn:
            return grant_rows.overdue_obligations(conn, self.clock())

    def confirm_deletion(self, obligation_id: str, *, partner_id: str) -> DeletionObligation:
        """The partner confirms it deleted the data. Only the obligated partner may confirm."""
        with self.write() as w:
            obligation = existing(
                "deletion obligation",
                obligation_id,
                grant_rows.get_obligation(w.conn, obligation_id),
            )
            if obligation.partner_id != partner_id:
                raise Forbidden("this deletion obligation belongs to another partner")
            if obligation.confirmed_at is not None:
                raise Conflict("this deletion was already confirmed")
            now = self.clock()
            grant_rows.confirm_obligation(w.conn, obligation_id, now)
            w.note(
                ChangeKind.OBLIGATION,
                now,
                person_id=obligation.person_id,
                partner_id=partner_id,
                ref_id=obligation_id,
            )
            confirmed = grant_rows.get_obligation(w.conn, obligation_id)
        assert confirmed is not None
        return confirmed
