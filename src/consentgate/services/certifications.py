"""Certification: each partner states once a year which capabilities and purposes it uses, and why.

The first certification is due at the signature of the partner's first agreement, and each one
after a year after the last. A statement naming a capability that no agreement version in force
has is refused (:class:`~consentgate.errors.NotInAgreement`, a 422 listing them). What a partner
states is compared with its use in the log by the findings rules (``certification_mismatch``,
``capability_drift``); an overdue certification is a finding, and past the notice period the
partner is suspended (:mod:`consentgate.services.findings`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from consentgate.domain import PartnerStatus
from consentgate.domain.findings import Certification, CertifiedUse
from consentgate.errors import Conflict, NotFound, NotInAgreement
from consentgate.policy import findings as rules
from consentgate.services.base import (
    ChangeKind,
    FindingRulesService,
    existing,
    new_id,
)
from consentgate.store import agreements as agreement_rows
from consentgate.store import certifications as certification_rows
from consentgate.store import finding_facts as fact_rows
from consentgate.store import partners as partner_rows


@dataclass(frozen=True, slots=True)
class CertificationStatus:
    """Where a partner stands: its last certification, when the next is due, and whether it is
    overdue; ``suspend_at`` is when it will be (or was) suspended for it (None: never)."""

    partner_id: str
    last_certified_at: datetime | None
    due_at: datetime | None
    overdue: bool
    suspend_at: datetime | None
    suspended_for_it: bool


class CertificationService(FindingRulesService):
    """Record certifications and say where each partner stands."""

    def certify(
        self, partner_id: str, uses: tuple[CertifiedUse, ...], *, via: str = "partner"
    ) -> Certification:
        """Record ``partner_id``'s statement now; refuse capabilities its agreement lacks (422)."""
        with self.write() as w:
            partner = existing("partner", partner_id, partner_rows.get_partner(w.conn, partner_id))
            if partner.status is PartnerStatus.TERMINATED:
                raise Conflict(f"partner {partner_id!r} is terminated")
            now = self.clock()
            in_force = [
                a for a in agreement_rows.agreements_of(w.conn, partner_id) if a.in_force(now)
            ]
            if not in_force:
                raise Conflict(
                    f"partner {partner_id!r} has no agreement in force to certify against"
                )
            agreed = {
                (str(c.category), str(c.action), c.purpose)
                for a in in_force
                for c in a.capabilities
            }
            missing = tuple(sorted(str(u) for u in uses if u.key not in agreed))
            if missing:
                raise NotInAgreement(
                    "the agreement in force does not have: " + ", ".join(missing), missing=missing
                )
            newest = max(in_force, key=lambda a: a.version)
            cert = Certification(new_id("cert"), partner_id, newest.id, now, tuple(uses), via)
            certification_rows.insert_certification(w.conn, cert)
            w.note(ChangeKind.CERTIFICATION, now, partner_id=partner_id, ref_id=cert.id)
        return cert

    def certifications_of(self, partner_id: str) -> list[Certification]:
        """Every certification of the partner, oldest first."""
        with self.db.read() as conn:
            if partner_rows.get_partner(conn, partner_id) is None:
                raise NotFound(f"unknown partner {partner_id!r}")
            return certification_rows.certifications_of(conn, partner_id)

    def status(self, partner_id: str, now: datetime | None = None) -> CertificationStatus:
        """Where ``partner_id`` stands at ``now`` (default: the clock)."""
        at = now or self.clock()
        with self.db.read() as conn:
            facts = [p for p in fact_rows.partner_facts(conn) if p.partner_id == partner_id]
        if not facts:
            raise NotFound(f"unknown partner {partner_id!r}")
        p = facts[0]
        th = self.thresholds
        due = rules.certification_due(p, th)
        notice = th.certification_notice_days
        return CertificationStatus(
            partner_id,
            p.certification.certified_at if p.certification else None,
            due,
            due is not None and at >= due,
            None if due is None or notice is None else due + timedelta(days=notice),
            p.suspended_uncertified_at is not None and p.status == PartnerStatus.SUSPENDED.value,
        )
