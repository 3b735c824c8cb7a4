"""Agreement versions and their capabilities. Rows are never edited, except ``ended_at`` once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, insert, select, update

from consentgate.domain import Agreement
from consentgate.store import rows
from consentgate.store.tables import agreements, capabilities


def insert_agreement(conn: Connection, agreement: Agreement) -> None:
    conn.execute(insert(agreements).values(rows.values(agreement, agreements)))
    conn.execute(
        insert(capabilities), [rows.capability_row(agreement.id, c) for c in agreement.capabilities]
    )


def latest_version(conn: Connection, partner_id: str) -> int:
    """The highest version signed for ``partner_id``, 0 if none."""
    value = conn.execute(
        select(func.max(agreements.c.version)).where(agreements.c.partner_id == partner_id)
    ).scalar_one()
    return int(value or 0)


def _with_capabilities(conn: Connection, where: ColumnElement[bool]) -> list[Agreement]:
    query = select(agreements).where(where)
    found = (
        conn.execute(query.order_by(agreements.c.partner_id, agreements.c.version)).mappings().all()
    )
    if not found:
        return []
    ids = [r["id"] for r in found]
    caps = rows.children(conn, capabilities.c.agreement_id, ids, rows.capability, capabilities.c.id)
    return [rows.agreement(r, caps[r["id"]]) for r in found]


def get_agreement(conn: Connection, agreement_id: str) -> Agreement | None:
    found = _with_capabilities(conn, agreements.c.id == agreement_id)
    return found[0] if found else None


def agreements_of(conn: Connection, partner_id: str) -> list[Agreement]:
    """Every version signed with ``partner_id``, oldest first."""
    return _with_capabilities(conn, agreements.c.partner_id == partner_id)


def all_agreements(conn: Connection) -> list[Agreement]:
    return _with_capabilities(conn, agreements.c.id.is_not(None))


def set_ended(conn: Connection, agreement_id: str, at: datetime) -> None:
    conn.execute(
        update(agreements)
        .where(agreements.c.id == agreement_id, agreements.c.ended_at.is_(None))
        .values(ended_at=at)
    )
