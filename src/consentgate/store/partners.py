"""Partners, their status history, and purposes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from consentgate.domain import Partner, PartnerStatus, Purpose
from consentgate.store import rows
from consentgate.store.tables import partner_status_history, partners, purposes


def insert_partner(conn: Connection, partner: Partner, at: datetime) -> None:
    values = rows.values(partner, partners, status=partner.status.value, created_at=at)
    conn.execute(insert(partners).values(values))
    conn.execute(
        insert(partner_status_history).values(
            partner_id=partner.id, status=partner.status.value, reason="registered", at=at
        )
    )


def get_partner(conn: Connection, partner_id: str) -> Partner | None:
    return rows.one(conn, partners.c.id, partner_id, rows.partner)


def list_partners(conn: Connection) -> list[Partner]:
    return rows.every(conn, partners, rows.partner, partners.c.id)


def set_status(
    conn: Connection, partner_id: str, status: PartnerStatus, reason: str, at: datetime
) -> None:
    conn.execute(update(partners).where(partners.c.id == partner_id).values(status=status.value))
    conn.execute(
        insert(partner_status_history).values(
            partner_id=partner_id, status=status.value, reason=reason, at=at
        )
    )


def status_history(conn: Connection, partner_id: str) -> list[tuple[PartnerStatus, str, datetime]]:
    result = conn.execute(
        select(
            partner_status_history.c.status,
            partner_status_history.c.reason,
            partner_status_history.c.at,
        )
        .where(partner_status_history.c.partner_id == partner_id)
        .order_by(partner_status_history.c.id)
    )
    return [(PartnerStatus(s), r, a) for s, r, a in result]


def put_purpose(conn: Connection, purpose: Purpose) -> None:
    conn.execute(insert(purposes).values(rows.values(purpose, purposes)))


def get_purpose(conn: Connection, purpose_id: str) -> Purpose | None:
    return rows.one(conn, purposes.c.id, purpose_id, rows.purpose)


def list_purposes(conn: Connection) -> list[Purpose]:
    return rows.every(conn, purposes, rows.purpose, purposes.c.id)
