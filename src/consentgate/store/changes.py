"""The change feed: what other server processes read to keep their decision index current.

Feed rows commit in the order of their sequence numbers, so a reader that sees row *n* committed
knows every row below *n* is committed too, or was rolled back and never will be: a gap in what
it reads is never a change still on its way. SQLite gives that order by itself (one writer at a
time, from ``BEGIN IMMEDIATE`` to commit). PostgreSQL hands out sequence numbers when rows are
inserted, not when they commit, so a transaction that writes a feed row first takes a
transaction-level advisory lock, held until it commits or rolls back: feed writers take their
numbers, and commit, one after another (the same reason Trillian's MySQL back end and Tessera's
assign log indexes under a lock on the tree head row). Feed writes are people's and partners'
changes (grants, settings, agreements), not the data API's reads, so this order costs the hot
path nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, Unpack

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from consentgate.errors import Unavailable
from consentgate.store.db import Database
from consentgate.store.tables import changes

#: The PostgreSQL advisory lock that puts feed writers in commit order ("CGFD"; the log's keys
#: are in ``store.coordination``).
_FEED_KEY = 0x43474644
#: The most feed rows read at once.
FEED_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class Change:
    """One write that can change a decision. ``kind`` names what changed (see ``ChangeKind``)."""

    seq: int
    kind: str
    person_id: str | None
    partner_id: str | None
    ref_id: str | None
    at: datetime


class ChangeRefs(TypedDict, total=False):
    """What a change is about, each optional: the person, the partner, and the id of the row
    that changed (a grant, an agreement …). Callers that pass them on declare them once."""

    person_id: str | None
    partner_id: str | None
    ref_id: str | None


def append_change(conn: Connection, kind: str, at: datetime, **refs: Unpack[ChangeRefs]) -> Change:
    """Record a change in the caller's transaction and return it with its sequence number.

    On PostgreSQL the caller's transaction then holds the feed's lock until it ends (see the
    module docstring): keep transactions that write the feed short."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_FEED_KEY,))
    person_id, partner_id = refs.get("person_id"), refs.get("partner_id")
    ref_id = refs.get("ref_id")
    seq = conn.execute(
        insert(changes)
        .values(kind=kind, person_id=person_id, partner_id=partner_id, ref_id=ref_id, at=at)
        .returning(changes.c.seq)
    ).scalar_one()
    return Change(int(seq), kind, person_id, partner_id, ref_id, at)


def changes_after(conn: Connection, seq: int, limit: int = FEED_PAGE) -> list[Change]:
    query = select(changes).where(changes.c.seq > seq).order_by(changes.c.seq).limit(limit)
    return [
        Change(int(r["seq"]), r["kind"], r["person_id"], r["partner_id"], r["ref_id"], r["at"])
        for r in conn.execute(query).mappings()
    ]


def last_seq(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(changes.c.seq), 0))).scalar_one())


class FeedWatermark:
    """The change feed's high-water mark, read cheaply before every decision.

    Plain DB-API reads on connections set aside for it (as the log's tile readers are), so a read
    costs one round trip and nothing else. On SQLite each connection first asks ``PRAGMA
    data_version``, which changes only when another connection has committed (SQLite's own
    answer to "has the file changed?", read from the shared WAL index without touching the
    database file); while it is unchanged the mark is the one that connection read last.
    """

    def __init__(self, db: Database) -> None:
        self.db = db
        self._sqlite = db.dialect == "sqlite"
        # Each idle reader: (connection, cursor, last data_version, mark read with it).
        self._idle: list[list[Any]] = []

    def read(self) -> int:
        """The highest sequence number committed in the feed (0 when empty).

        A connection that fails (the database restarted) is dropped with every idle one, which
        likely failed with it, and the read is tried once more on a new connection."""
        try:
            return self._read()
        except Exception:  # any driver failure: retried once on a new connection
            self.close()
        try:
            return self._read()
        except Exception as err:
            raise Unavailable(f"the database is unavailable: {err}") from err

    def _read(self) -> int:
        try:
            reader = self._idle.pop()  # list.pop and list.append are atomic: no lock needed
        except IndexError:
            reader = self._open()
        conn, cursor = reader[0], reader[1]
        try:
            if self._sqlite:
                cursor.execute("PRAGMA data_version")
                version = cursor.fetchone()[0]
                if version == reader[2]:
                    self._idle.append(reader)
                    return int(reader[3])
                reader[2] = version
            cursor.execute("SELECT COALESCE(MAX(seq), 0) FROM changes")
            reader[3] = int(cursor.fetchone()[0])
        except Exception:
            with contextlib.suppress(Exception):
                conn.close()
            raise
        self._idle.append(reader)
        return int(reader[3])

    def _open(self) -> list[Any]:
        try:
            fairy = self.db.engine.raw_connection()
            conn: Any = fairy.driver_connection
            fairy.detach()  # its own connection: request handlers' pool is left alone
            if not self._sqlite:
                conn.rollback()  # whatever the pool's checkout began (a no-op when idle)
                conn.autocommit = True  # one statement a read: no transaction to end
        except SQLAlchemyError as err:
            raise Unavailable(f"the database is unavailable: {err}") from err
        return [conn, conn.cursor(), None, 0]

    def close(self) -> None:
        """Close the connections set aside for the mark."""
        while self._idle:
            with contextlib.suppress(Exception):
                self._idle.pop()[0].close()
