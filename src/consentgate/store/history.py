"""Who was in each access: the index behind a person's access history.

The log holds one leaf per decision with a keyed hash of the person asked about. This table lists,
for each logged access, every person whose data was in it — the person asked about, and the other
people in the records, whether their part was let out (``included``) or taken out (``filtered``) —
so a person can see accesses made through someone else's grant too. Each row names the log index
whose leaf is the proof.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime

from sqlalchemy import BigInteger, Column, Connection, Index, String, Table, insert, select

from consentgate.store.tables import ID, metadata
from consentgate.store.types import UTCDateTime

access_subjects = Table(
    "access_subjects",
    metadata,
    Column("log_index", BigInteger, primary_key=True),
    Column("person_id", ID, primary_key=True),
    Column("role", String(16), nullable=False),
    Column("partner_id", ID, nullable=False),
    Column("category", String(32), nullable=False),
    Column("action", String(16), nullable=False),
    Column("purpose", ID, nullable=False),
    Column("decision", String(8), nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Index("ix_access_subjects_person_index", "person_id", "log_index"),
)


@dataclass(frozen=True, slots=True)
class AccessRow:
    """One access to a person's data, as their history shows it."""

    log_index: int
    person_id: str
    role: str  # "subject" (their own data), "included" or "filtered" (someone else's grant)
    partner_id: str
    category: str
    action: str
    purpose: str
    decision: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Subjects:
    """The people in one access, waiting for its log index: a log annotation (see ``annotate``)."""

    rows: tuple[AccessRow, ...]  # their ``log_index`` is a placeholder until the append


def record_access(conn: Connection, rows: Iterable[AccessRow]) -> None:
    values = [asdict(r) for r in rows]
    if values:
        conn.execute(insert(access_subjects), values)


def annotate(conn: Connection, annotations: Sequence[tuple[int, object]]) -> None:
    """Write the :class:`Subjects` of appended log entries with their indexes, in the append's
    transaction: a person's history has an access exactly when the log does."""
    rows = [
        replace(row, log_index=index)
        for index, value in annotations
        if isinstance(value, Subjects)
        for row in value.rows
    ]
    record_access(conn, rows)


def history_of(
    conn: Connection, person_id: str, *, before: int | None, limit: int
) -> list[AccessRow]:
    """The newest ``limit`` accesses to ``person_id``'s data, below log index ``before``."""
    query = select(access_subjects).where(access_subjects.c.person_id == person_id)
    if before is not None:
        query = query.where(access_subjects.c.log_index < before)
    query = query.order_by(access_subjects.c.log_index.desc()).limit(limit)
    return [AccessRow(**dict(r)) for r in conn.execute(query).mappings()]
