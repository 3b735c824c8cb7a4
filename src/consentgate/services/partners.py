"""Partners, purposes and agreements: what the platform's privacy team does."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from consentgate.domain import Agreement, Capability, Partner, PartnerStatus, Purpose
from consentgate.domain.obligations import ObligationReason
from consentgate.errors import Conflict, InvalidInput, NotFound
from consentgate.services.base import ChangeKind, Service, existing, new_id
from consentgate.services.revocation import revoke_grants
from consentgate.store import agreements as agreement_rows
from consentgate.store import grants as grant_rows
from consentgate.store import partners as partner_rows

if TYPE_CHECKING:
    from consentgate.services.base import _Write


def active_partner(conn: Connection, partner_id: str) -> Partner:
    """The partner, if it exists and is active; else :class:`NotFound` or :class:`Conflict`."""
    partner = existing("partner", partner_id, partner_rows.get_partner(conn, partner_id))
    if partner.status is not PartnerStatus.ACTIVE:
        raise Conflict(f"partner {partner_id!r} is {partner.status}")
    return partner


def registered_purposes(conn: Connection, purpose_ids: Iterable[str]) -> None:
    """:class:`NotFound` naming the first purpose that was never registered."""
    for purpose_id in sorted(set(purpose_ids)):
        if partner_rows.get_purpose(conn, purpose_id) is None:
            raise NotFound(f"unknown purpose {purpose_id!r}; register it first")


class PartnerService(Service):
    """Register partners and purposes, sign and end agreement versions, suspend and terminate."""

    def register_partner(self, partner_id: str, name: str, kind: str) -> Partner:
        partner = Partner(id=partner_id, name=name, kind=kind)
        with self.write() as w:
            if partner_rows.get_partner(w.conn, partner_id) is not None:
                raise Conflict(f"partner {partner_id!r} already exists")
            now = self.clock()
            partner_rows.insert_partner(w.conn, partner, now)
            w.note(ChangeKind.PARTNER, now, partner_id=partner_id)
        return partner

    def get_partner(self, partner_id: str) -> Partner:
        return self.lookup("partner", partner_id, partner_rows.get_partner)

    def list_partners(self) -> list[Partner]:
        with self.db.read() as conn:
            return partner_rows.list_partners(conn)

    def register_purpose(self, purpose_id: str, description: str, data_use: str) -> Purpose:
        purpose = Purpose(id=purpose_id, description=description, data_use=data_use)
        with self.write() as w:
            if partner_rows.get_purpose(w.conn, purpose_id) is not None:
                raise Conflict(f"purpose {purpose_id!r} already exists")
            partner_rows.put_purpose(w.conn, purpose)
            w.note(ChangeKind.PURPOSE, self.clock(), ref_id=purpose_id)
        return purpose

    def list_purposes(self) -> list[Purpose]:
        with self.db.read() as conn:
            return partner_rows.list_purposes(conn)

    def sign_agreement(
        self,
        partner_id: str,
        capabilities: tuple[Capability, ...],
        *,
        valid_from: datetime,
        valid_until: datetime | None,
        retention_days: int = 30,
    ) -> Agreement:
        """Sign the next version of ``partner_id``'s agreement. Earlier versions stay as they were."""
        if valid_until is None:
            raise InvalidInput("an agreement needs valid_until: every agreement ends")
        with self.write() as w:
            active_partner(w.conn, partner_id)
            registered_purposes(w.conn, (c.purpose for c in capabilities))
            now = self.clock()
            agreement = Agreement(
                id=new_id("agr"),
                partner_id=partner_id,
                version=agreement_rows.latest_version(w.conn, partner_id) + 1,
                valid_from=valid_from,
                valid_until=valid_until,
                retention_days=retention_days,
                capabilities=capabilities,
                signed_at=now,
            )
            agreement_rows.insert_agreement(w.conn, agreement)
            w.note(ChangeKind.AGREEMENT, now, partner_id=partner_id, ref_id=agreement.id)
        return agreement

    def get_agreement(self, agreement_id: str) -> Agreement:
        return self.lookup("agreement", agreement_id, agreement_rows.get_agreement)

    def agreements_of(self, partner_id: str) -> list[Agreement]:
        self.get_partner(partner_id)
        with self.db.read() as conn:
            return agreement_rows.agreements_of(conn, partner_id)

    def end_agreement(self, agreement_id: str) -> Agreement:
        """End an agreement now: its grants are revoked and deletion obligations opened."""
        with self.write() as w:
            agreement = existing(
                "agreement", agreement_id, agreement_rows.get_agreement(w.conn, agreement_id)
            )
            now = self.clock()
            if agreement.ended_at is not None or agreement.valid_until <= now:
                raise Conflict(f"agreement {agreement_id!r} has already ended")
            agreement_rows.set_ended(w.conn, agreement_id, now)
            w.note(ChangeKind.AGREEMENT, now, partner_id=agreement.partner_id, ref_id=agreement_id)
            affected = [
                g
                for g in grant_rows.unrevoked_grants_of_partner(w.conn, agreement.partner_id)
                if g.agreement_id == agreement_id
            ]
            revoke_grants(w, affected, ObligationReason.AGREEMENT_ENDED, now)
            ended = agreement_rows.get_agreement(w.conn, agreement_id)
        assert ended is not None
        return ended

    def set_status(self, partner_id: str, status: PartnerStatus, reason: str) -> Partner:
        """Suspend, terminate or reinstate a partner. Leaving ``active`` revokes all its grants."""
        with self.write() as w:
            return change_status(w, partner_id, status, reason, self.clock())


def change_status(
    w: _Write, partner_id: str, status: PartnerStatus, reason: str, now: datetime
) -> Partner:
    """Change a partner's status at ``now`` in the write ``w``, kept in its status history.
    Leaving ``active`` revokes every grant it holds and opens their deletion obligations."""
    if not reason.strip():
        raise InvalidInput("say why the partner's status changes (it is kept in its history)")
    partner = existing("partner", partner_id, partner_rows.get_partner(w.conn, partner_id))
    if partner.status is PartnerStatus.TERMINATED:
        raise Conflict(f"partner {partner_id!r} is terminated; that is final")
    if partner.status is status:
        raise Conflict(f"partner {partner_id!r} is already {status}")
    partner_rows.set_status(w.conn, partner_id, status, reason, now)
    w.note(ChangeKind.PARTNER, now, partner_id=partner_id)
    if status is not PartnerStatus.ACTIVE:
        grants = grant_rows.unrevoked_grants_of_partner(w.conn, partner_id)
        revoke_grants(w, grants, ObligationReason.PARTNER_SUSPENDED, now)
    updated = partner_rows.get_partner(w.conn, partner_id)
    assert updated is not None
    return updated
