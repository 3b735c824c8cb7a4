"""Partners' certifications: what each says it uses, and why (rows are never edited)."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Connection, insert, select

from consentgate.domain import Action, Category
from consentgate.domain.findings import Certification, CertifiedUse
from consentgate.store.tables import certifications, certified_uses


def insert_certification(conn: Connection, cert: Certification) -> None:
    conn.execute(
        insert(certifications).values(
            id=cert.id,
            partner_id=cert.partner_id,
            agreement_id=cert.agreement_id,
            certified_at=cert.certified_at,
            via=cert.via,
        )
    )
    if cert.uses:
        conn.execute(
            insert(certified_uses),
            [
                {
                    "certification_id": cert.id,
                    "category": u.category.value,
                    "action": u.action.value,
                    "purpose_id": u.purpose,
                    "why": u.why,
                    "monthly_requests": u.monthly_requests,
                }
                for u in cert.uses
            ],
        )


def certifications_of(conn: Connection, partner_id: str) -> list[Certification]:
    """Every certification of ``partner_id``, oldest first."""
    c, u = certifications.c, certified_uses.c
    found = (
        conn.execute(
            select(certifications).where(c.partner_id == partner_id).order_by(c.certified_at, c.id)
        )
        .mappings()
        .all()
    )
    uses: dict[str, list[CertifiedUse]] = defaultdict(list)
    ids = [r["id"] for r in found]
    if ids:
        query = (
            select(certified_uses)
            .where(u.certification_id.in_(ids))
            .order_by(u.category, u.action, u.purpose_id)
        )
        for r in conn.execute(query).mappings():
            uses[r["certification_id"]].append(
                CertifiedUse(
                    Category(r["category"]),
                    Action(r["action"]),
                    r["purpose_id"],
                    r["why"],
                    r["monthly_requests"],
                )
            )
    return [
        Certification(
            r["id"],
            r["partner_id"],
            r["agreement_id"],
            r["certified_at"],
            tuple(uses[r["id"]]),
            r["via"],
        )
        for r in found
    ]
