"""Grants and their scopes (with the consent receipt), and deletion obligations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, func, insert, select, update

from consentgate.domain import Action, DeletionObligation, Grant
from consentgate.store import rows
from consentgate.store.tables import deletion_obligations, grant_scopes, grants


def insert_grant(conn: Connection, grant: Grant, receipt_text: str) -> None:
    conn.execute(insert(grants).values(rows.values(grant, grants, receipt_text=receipt_text)))
    conn.execute(
        insert(grant_scopes),
        [
            {
                "grant_id": grant.id,
                "category": s.category.value,
                "action": s.action.value,
                "purpose_id": s.purpose,
            }
            for s in sorted(grant.scopes)
        ],
    )


def _load(conn: Connection, where: ColumnElement[bool]) -> list[Grant]:
    found = (
        conn.execute(select(grants).where(where).order_by(grants.c.issued_at, grants.c.id))
        .mappings()
        .all()
    )
    if not found:
        return []
    ids = [r["id"] for r in found]
    scopes = rows.children(conn, grant_scopes.c.grant_id, ids, rows.lapsable_scope)
    return [rows.grant(r, scopes[r["id"]]) for r in found]


def get_grant(conn: Connection, grant_id: str) -> Grant | None:
    found = _load(conn, grants.c.id == grant_id)
    return found[0] if found else None


def receipt_text(conn: Connection, grant_id: str) -> str | None:
    return conn.execute(
        select(grants.c.receipt_text).where(grants.c.id == grant_id)
    ).scalar_one_or_none()


def grants_of_person(conn: Connection, person_id: str) -> list[Grant]:
    return _load(conn, grants.c.person_id == person_id)


def unrevoked_grants_of_partner(conn: Connection, partner_id: str) -> list[Grant]:
    return _load(conn, (grants.c.partner_id == partner_id) & grants.c.revoked_at.is_(None))


def expired_without_obligations(conn: Connection, now: datetime, limit: int) -> list[Grant]:
    """Grants that ran out (unrevoked, past their expiry) and have no deletion obligation yet.

    Only grants that read something: a grant that only wrote leaves nothing to delete, and would
    otherwise come back in every sweep, ahead of the grants that do.
    """
    opened = select(deletion_obligations.c.grant_id).where(
        deletion_obligations.c.grant_id == grants.c.id
    )
    reads = select(grant_scopes.c.grant_id).where(
        grant_scopes.c.grant_id == grants.c.id, grant_scopes.c.action == Action.READ.value
    )
    ids = [
        gid
        for (gid,) in conn.execute(
            select(grants.c.id)
            .where(
                grants.c.revoked_at.is_(None),
                grants.c.expires_at <= now,
                reads.exists(),
                ~opened.exists(),
            )
            .order_by(grants.c.expires_at)
            .limit(limit)
        )
    ]
    return _load(conn, grants.c.id.in_(ids)) if ids else []


def next_expiry(conn: Connection, now: datetime) -> datetime | None:
    """The earliest expiry after ``now`` of an unrevoked grant (read from the expiry index)."""
    query = select(func.min(grants.c.expires_at)).where(
        grants.c.expires_at > now, grants.c.revoked_at.is_(None)
    )
    found: datetime | None = conn.execute(query).scalar()
    return found


def set_revoked(conn: Connection, grant_ids: Iterable[str], at: datetime) -> None:
    ids = list(grant_ids)
    if ids:
        rows.revoke(conn, grants, at, grants.c.id.in_(ids))


def insert_obligations(conn: Connection, obligations: Iterable[DeletionObligation]) -> None:
    values = [
        {
            "id": o.id,
            "partner_id": o.partner_id,
            "person_id": o.person_id,
            "grant_id": o.grant_id,
            "category": o.category.value,
            "reason": o.reason.value,
            "opened_at": o.opened_at,
            "due_at": o.due_at,
            "confirmed_at": o.confirmed_at,
        }
        for o in obligations
    ]
    if values:
        conn.execute(insert(deletion_obligations), values)


def obligations_of_grant(conn: Connection, grant_id: str) -> list[DeletionObligation]:
    query = select(deletion_obligations).where(deletion_obligations.c.grant_id == grant_id)
    return [rows.obligation(r) for r in conn.execute(query).mappings()]


def obligations_of_person(conn: Connection, person_id: str) -> list[DeletionObligation]:
    """Every deletion a partner owes ``person_id``, soonest due first."""
    query = (
        select(deletion_obligations)
        .where(deletion_obligations.c.person_id == person_id)
        .order_by(deletion_obligations.c.due_at, deletion_obligations.c.id)
    )
    return [rows.obligation(r) for r in conn.execute(query).mappings()]


def obligations_of_partner(
    conn: Connection, partner_id: str, *, open_only: bool = False
) -> list[DeletionObligation]:
    query = select(deletion_obligations).where(deletion_obligations.c.partner_id == partner_id)
    if open_only:
        query = query.where(deletion_obligations.c.confirmed_at.is_(None))
    query = query.order_by(deletion_obligations.c.due_at, deletion_obligations.c.id)
    return [rows.obligation(r) for r in conn.execute(query).mappings()]


def overdue_obligations(conn: Connection, now: datetime) -> list[DeletionObligation]:
    query = (
        select(deletion_obligations)
        .where(deletion_obligations.c.confirmed_at.is_(None), deletion_obligations.c.due_at < now)
        .order_by(deletion_obligations.c.due_at)
    )
    return [rows.obligation(r) for r in conn.execute(query).mappings()]


def get_obligation(conn: Connection, obligation_id: str) -> DeletionObligation | None:
    query = select(deletion_obligations).where(deletion_obligations.c.id == obligation_id)
    row = conn.execute(query).mappings().first()
    return rows.obligation(row) if row else None


def confirm_obligation(conn: Connection, obligation_id: str, at: datetime) -> None:
    conn.execute(
        update(deletion_obligations)
        .where(
            deletion_obligations.c.id == obligation_id,
            deletion_obligations.c.confirmed_at.is_(None),
        )
        .values(confirmed_at=at)
    )
