"""SQL for the bulk import of reference data: which ids already exist, and the next free ids.

The import service validates a whole file against these answers before it writes anything; the
rows themselves go in through :func:`consentgate.store.bulk.insert_rows`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from typing import Any

from sqlalchemy import Column, Connection, func, select
from sqlalchemy.exc import IntegrityError

from consentgate.errors import Conflict
from consentgate.store.bulk import insert_rows
from consentgate.store.tables import (
    contacts,
    event_attendees,
    events,
    friendships,
    messages,
    people,
    thread_participants,
    threads,
)

#: Bound parameters per ``IN (…)`` query: well under SQLite's and PostgreSQL's limits.
_CHUNK = 500

#: The id column of each kind of reference row the import can create.
ID_COLUMNS: dict[str, Column[Any]] = {
    "person": people.c.id,
    "contact": contacts.c.id,
    "thread": threads.c.id,
    "message": messages.c.id,
    "event": events.c.id,
}


def _chunks(values: Sequence[Any]) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start : start + _CHUNK]


def existing(conn: Connection, column: Column[Any], values: Collection[Any]) -> set[Any]:
    """The subset of ``values`` already present in ``column``."""
    found: set[Any] = set()
    for chunk in _chunks(sorted(values)):
        found.update(v for (v,) in conn.execute(select(column).where(column.in_(chunk))))
    return found


def existing_handles(conn: Connection, handles: Collection[str]) -> set[str]:
    return existing(conn, people.c.handle, handles)


def participants_of(conn: Connection, thread_ids: Collection[int]) -> dict[int, set[str]]:
    """The participants of each stored thread in ``thread_ids``."""
    found: dict[int, set[str]] = defaultdict(set)
    for chunk in _chunks(sorted(thread_ids)):
        query = select(thread_participants.c.thread_id, thread_participants.c.person_id).where(
            thread_participants.c.thread_id.in_(chunk)
        )
        for thread_id, person_id in conn.execute(query):
            found[int(thread_id)].add(person_id)
    return found


def next_attendee_id(conn: Connection) -> int:
    """The first attendee id above every stored one (the caller holds the write transaction)."""
    top = conn.execute(select(func.coalesce(func.max(event_attendees.c.id), 0))).scalar_one()
    return int(top) + 1


def existing_friendships(
    conn: Connection, pairs: Collection[tuple[str, str]]
) -> set[tuple[str, str]]:
    """The pairs of ``pairs`` (as given) already stored as a friendship in either direction."""
    wanted = set(pairs) | {(b, a) for a, b in pairs}
    found: set[tuple[str, str]] = set()
    for chunk in _chunks(sorted({a for a, _ in wanted})):
        query = select(friendships.c.person_id, friendships.c.friend_id).where(
            friendships.c.person_id.in_(chunk)
        )
        found.update((a, b) for a, b in conn.execute(query) if (a, b) in wanted)
    return {p for p in pairs if p in found or (p[1], p[0]) in found}


def insert_all(conn: Connection, rows: dict[str, list[dict[str, Any]]]) -> None:
    """Insert every table's rows, in the order given, in the caller's transaction.

    The rows were checked beforehand; a clash now means another writer got there first, which is a
    :class:`Conflict` (the caller's transaction then rolls back). Bulk inserts on PostgreSQL go
    through the driver (COPY), so the driver's own integrity error counts too.
    """
    driver_error = getattr(conn.dialect.loaded_dbapi, "IntegrityError", IntegrityError)
    try:
        for table, table_rows in rows.items():
            insert_rows(conn, table, table_rows)
    except (IntegrityError, driver_error):
        raise Conflict(
            "the store changed while importing; nothing was written, try again"
        ) from None
