"""Who was in each access: the index behind a person's access history.

The log holds one leaf per decision with a keyed hash of the person asked about. This table lists,
for each logged access, every person whose data was in it — the person asked about, and the other
people in the records, whether their part was let out (``included``) or taken out (``filtered``) —
so a person can see accesses made through someone else's grant too. Each row names the log index
whose leaf is the proof.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    Select,
    func,
    insert,
    select,
)

from consentgate.store.bulk import Executes, insert_tuples
from consentgate.store.tables import access_subjects


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
    #: The entry's reason codes and how many records it let out; ``None`` when not recorded
    #: (accesses logged before these were kept beside the entry).
    reasons: tuple[str, ...] | None = None
    records_returned: int | None = None


@dataclass(frozen=True, slots=True)
class HistoryFilter:
    """Which of a person's accesses to list: ``None`` matches anything."""

    partner_id: str | None = None
    category: str | None = None
    decision: str | None = None
    since: datetime | None = None


@dataclass(frozen=True, slots=True)
class Subjects:
    """The people in one access, waiting for its log index: a log annotation (see ``annotate``)."""

    rows: tuple[AccessRow, ...]  # their ``log_index`` is a placeholder until the append


#: AccessRow's fields, which are the access_subjects table's columns.
_COLUMNS = tuple(f.name for f in fields(AccessRow))


def _values(row: AccessRow) -> dict[str, object]:
    # Field by field rather than ``dataclasses.asdict``, which copies every value recursively:
    # this runs for every person in every logged access, on the log's writer thread.
    values = {name: getattr(row, name) for name in _COLUMNS}
    values["reasons"] = None if row.reasons is None else " ".join(row.reasons)
    return values


def _row(found: object) -> AccessRow:
    values = dict(found)  # type: ignore[call-overload]
    reasons = values.pop("reasons")
    return AccessRow(**values, reasons=None if reasons is None else tuple(reasons.split()))


def record_access(conn: Connection, rows: Iterable[AccessRow]) -> None:
    values = [_values(r) for r in rows]
    if values:
        conn.execute(insert(access_subjects), values)


def annotate(conn: Executes, annotations: Sequence[tuple[int, object]]) -> None:
    """Write the :class:`Subjects` of appended log entries with their indexes, in the append's
    transaction: a person's history has an access exactly when the log does.

    Driver-level inserts with the rows as tuples (:func:`~consentgate.store.bulk.insert_tuples`), as
    the log's own append does: this runs inside every group commit, on the thread every append
    waits for, and binding each row through ``insert()``'s column types cost more than the
    database spent storing it (measured: about 40 ms of Python for a batch of 64 accesses of four
    people each).
    """
    dialect = conn.dialect
    # The dialect's own implementation: on SQLite it writes the same text as every other bound
    # time ("YYYY-MM-DD HH:MM:SS.ffffff"); the generic type's processor would hand the driver a
    # datetime that it writes without the fraction at whole seconds, which then sorts before the
    # same moment bound by a query.
    bind_at = access_subjects.c.at.type.dialect_impl(dialect).bind_processor(dialect)
    rows = []
    for index, value in annotations:
        if not isinstance(value, Subjects):
            continue
        for row in value.rows:
            at = row.at if bind_at is None else bind_at(row.at)
            reasons = None if row.reasons is None else " ".join(row.reasons)
            rows.append(
                (
                    index,
                    row.person_id,
                    row.role,
                    row.partner_id,
                    row.category,
                    row.action,
                    row.purpose,
                    row.decision,
                    at,
                    reasons,
                    row.records_returned,
                )
            )
    insert_tuples(conn, "access_subjects", _COLUMNS, rows)


def history_of(
    conn: Connection, person_id: str, *, before: int | None, limit: int
) -> list[AccessRow]:
    """The newest ``limit`` accesses to ``person_id``'s data, below log index ``before``."""
    query = select(access_subjects).where(access_subjects.c.person_id == person_id)
    if before is not None:
        query = query.where(access_subjects.c.log_index < before)
    query = query.order_by(access_subjects.c.log_index.desc()).limit(limit)
    return [_row(r) for r in conn.execute(query).mappings()]


_Q = TypeVar("_Q", bound=Select[Any])


def _filtered(query: _Q, person_id: str, where: HistoryFilter) -> _Q:
    c = access_subjects.c
    query = query.where(c.person_id == person_id)
    if where.partner_id is not None:
        query = query.where(c.partner_id == where.partner_id)
    if where.category is not None:
        query = query.where(c.category == where.category)
    if where.decision is not None:
        query = query.where(c.decision == where.decision)
    if where.since is not None:
        query = query.where(c.at >= where.since)
    return query


def history_page(
    conn: Connection, person_id: str, where: HistoryFilter, *, offset: int, limit: int
) -> tuple[list[AccessRow], int]:
    """One page of ``person_id``'s accesses matching ``where``, newest first, and how many match."""
    total: int = conn.execute(
        _filtered(select(func.count()).select_from(access_subjects), person_id, where)
    ).scalar_one()
    query = _filtered(select(access_subjects), person_id, where)
    query = query.order_by(access_subjects.c.log_index.desc()).offset(offset).limit(limit)
    return [_row(r) for r in conn.execute(query).mappings()], total


def history_times(
    conn: Connection, person_id: str, since: datetime, *, limit: int
) -> list[tuple[str, str, str, datetime]]:
    """(partner, category, decision, time) of ``person_id``'s accesses since ``since``, newest
    first, at most ``limit``: what a timeline is drawn from."""
    c = access_subjects.c
    query = (
        select(c.partner_id, c.category, c.decision, c.at)
        .where(c.person_id == person_id, c.at >= since)
        .order_by(c.log_index.desc())
        .limit(limit)
    )
    return [(p, cat, d, at) for p, cat, d, at in conn.execute(query)]


def partners_in_history(conn: Connection, person_id: str) -> list[str]:
    """Every partner that appears in ``person_id``'s history (for the filter's choices)."""
    c = access_subjects.c
    query = select(c.partner_id).where(c.person_id == person_id).distinct()
    return sorted(p for (p,) in conn.execute(query))


def grant_use(
    conn: Connection,
    person_id: str,
    partner_id: str,
    start: datetime,
    end: datetime,
    since: datetime,
) -> tuple[datetime | None, int]:
    """``partner_id``'s last access to ``person_id``'s own data in ``[start, end)`` (a grant's
    life), and how many of those were at or after ``since``.

    The history keeps no grant id, so this is what one grant can be credited with: the partner's
    accesses while it held that grant; an older, ended grant's accesses are not counted.
    """
    c = access_subjects.c
    window = (
        (c.person_id == person_id)
        & (c.role == "subject")
        & (c.partner_id == partner_id)
        & (c.at >= start)
        & (c.at < end)
    )
    last = conn.execute(select(func.max(c.at)).where(window)).scalar_one_or_none()
    count = conn.execute(select(func.count()).where(window, c.at >= since)).scalar_one()
    return last, int(count)


def accesses_through_others(
    conn: Connection, person_id: str, below: int
) -> list[tuple[str, str, str, str, str, datetime]]:
    """(partner, category, action, purpose, role, time) of every access below log index
    ``below`` in which ``person_id``'s data was in someone else's records (``role`` is
    ``included`` or ``filtered``), in log order. Who the other person was is not returned."""
    c = access_subjects.c
    query = (
        select(c.partner_id, c.category, c.action, c.purpose, c.role, c.at)
        .where(c.person_id == person_id, c.role != "subject", c.log_index < below)
        .order_by(c.log_index)
    )
    return [(p, cat, a, pur, role, at) for p, cat, a, pur, role, at in conn.execute(query)]
