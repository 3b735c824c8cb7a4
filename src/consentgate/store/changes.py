"""The change feed: what other server processes read to keep their decision index current."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select

from consentgate.store.tables import changes


@dataclass(frozen=True, slots=True)
class Change:
    """One write that can change a decision. ``kind`` names what changed (see ``ChangeKind``)."""

    seq: int
    kind: str
    person_id: str | None
    partner_id: str | None
    ref_id: str | None
    at: datetime


def append_change(
    conn: Connection,
    kind: str,
    at: datetime,
    *,
    person_id: str | None = None,
    partner_id: str | None = None,
    ref_id: str | None = None,
) -> Change:
    """Record a change in the caller's transaction and return it with its sequence number."""
    seq = conn.execute(
        insert(changes)
        .values(kind=kind, person_id=person_id, partner_id=partner_id, ref_id=ref_id, at=at)
        .returning(changes.c.seq)
    ).scalar_one()
    return Change(int(seq), kind, person_id, partner_id, ref_id, at)


def changes_after(conn: Connection, seq: int, limit: int = 10_000) -> list[Change]:
    query = select(changes).where(changes.c.seq > seq).order_by(changes.c.seq).limit(limit)
    return [
        Change(int(r["seq"]), r["kind"], r["person_id"], r["partner_id"], r["ref_id"], r["at"])
        for r in conn.execute(query).mappings()
    ]


def last_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one())
