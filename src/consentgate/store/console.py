"""The console's read queries: what the partners list, a partner's page and the activity charts
need in a few statements each (``services/console.py`` puts them together)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, func, select

from consentgate.store.tables import (
    access_subjects,
    agreements,
    deletion_obligations,
    grant_scopes,
    grants,
    partners,
    people,
)


def agreement_spans(conn: Connection) -> list[RowMapping]:
    """Every agreement version's dates (no capabilities): a few rows per partner."""
    cols = (
        agreements.c.id,
        agreements.c.partner_id,
        agreements.c.version,
        agreements.c.valid_from,
        agreements.c.valid_until,
        agreements.c.ended_at,
    )
    return list(conn.execute(select(*cols).order_by(agreements.c.version)).mappings())


def last_access_by_partner(conn: Connection) -> dict[str, datetime]:
    """Each partner's latest logged access: one index lookup per partner."""
    latest = (
        select(func.max(access_subjects.c.at))
        .where(access_subjects.c.partner_id == partners.c.id)
        .scalar_subquery()
    )
    found = conn.execute(select(partners.c.id, latest))
    return {pid: at for pid, at in found if at is not None}


def overdue_by_partner(conn: Connection, now: datetime) -> dict[str, int]:
    """How many unconfirmed deletion obligations past their due date each partner has."""
    query = (
        select(deletion_obligations.c.partner_id, func.count())
        .where(deletion_obligations.c.confirmed_at.is_(None), deletion_obligations.c.due_at < now)
        .group_by(deletion_obligations.c.partner_id)
    )
    return {pid: int(n) for pid, n in conn.execute(query)}


def obligations_page(
    conn: Connection, partner_id: str, now: datetime, limit: int
) -> tuple[list[RowMapping], dict[str, int]]:
    """A partner's deletion obligations, overdue first (oldest due first), then open, then
    confirmed (newest first); at most ``limit``, with the count of each kind."""
    o = deletion_obligations.c
    overdue = (o.confirmed_at.is_(None)) & (o.due_at < now)
    base = select(deletion_obligations).where(o.partner_id == partner_id)
    rows: list[RowMapping] = []
    for where, order in (
        (overdue, (o.due_at, o.id)),
        ((o.confirmed_at.is_(None)) & (o.due_at >= now), (o.due_at, o.id)),
        (o.confirmed_at.is_not(None), (o.confirmed_at.desc(), o.id)),
    ):
        if len(rows) >= limit:
            break
        query = base.where(where).order_by(*order).limit(limit - len(rows))
        rows.extend(conn.execute(query).mappings())
    counts_query = select(
        func.count().filter(overdue),
        func.count().filter(o.confirmed_at.is_(None)),
        func.count(),
    ).where(o.partner_id == partner_id)
    overdue_n, open_n, total = conn.execute(counts_query).one()
    counts = {"overdue": int(overdue_n), "open": int(open_n), "total": int(total)}
    return rows, counts


def grants_page(
    conn: Connection, partner_id: str, now: datetime, limit: int
) -> tuple[list[RowMapping], dict[str, int]]:
    """A partner's newest grants (at most ``limit``) and how many are active and in all."""
    g = grants.c
    cols = (g.id, g.person_id, g.client_id, g.agreement_id, g.issued_at, g.expires_at, g.revoked_at)
    query = select(*cols).where(g.partner_id == partner_id)
    newest = list(conn.execute(query.order_by(g.issued_at.desc(), g.id).limit(limit)).mappings())
    active = (g.revoked_at.is_(None)) & (g.expires_at > now)
    counts_query = select(func.count().filter(active), func.count()).where(
        g.partner_id == partner_id
    )
    active_n, total = conn.execute(counts_query).one()
    return newest, {"active": int(active_n), "total": int(total)}


def scopes_of(conn: Connection, grant_ids: list[str]) -> dict[str, list[str]]:
    """The ``category:action:purpose`` scopes of each grant."""
    if not grant_ids:
        return {}
    s = grant_scopes.c
    query = select(s.grant_id, s.category, s.action, s.purpose_id).where(s.grant_id.in_(grant_ids))
    found: dict[str, list[str]] = {}
    for gid, cat, act, purpose in conn.execute(query):
        found.setdefault(gid, []).append(f"{cat}:{act}:{purpose}")
    return {gid: sorted(v) for gid, v in found.items()}


def activity(
    conn: Connection, since: datetime, partner_id: str | None = None
) -> list[dict[str, Any]]:
    """Accesses since ``since`` per day, partner, category and decision (each access counted
    once: the row of the person asked about)."""
    a = access_subjects.c
    day = func.date(a.at)
    query = (
        select(day.label("day"), a.partner_id, a.category, a.decision, func.count().label("n"))
        .where(a.at >= since, a.role == "subject")
        .group_by(day, a.partner_id, a.category, a.decision)
    )
    if partner_id is not None:
        query = query.where(a.partner_id == partner_id)
    return [
        {
            "day": str(r.day)[:10],
            "partner_id": r.partner_id,
            "category": r.category,
            "decision": r.decision,
            "n": int(r.n),
        }
        for r in conn.execute(query)
    ]


def people_named(conn: Connection, person_ids: list[str]) -> dict[str, tuple[str, str]]:
    """The handle and display name of each of ``person_ids`` (one page of them)."""
    if not person_ids:
        return {}
    query = select(people.c.id, people.c.handle, people.c.display_name).where(
        people.c.id.in_(person_ids)
    )
    return {pid: (handle, name) for pid, handle, name in conn.execute(query)}
