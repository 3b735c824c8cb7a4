"""The transparency log in SQL: entries, hash tiles and signed checkpoints (a ``LogStore``).

Portable SQL only (SQLite and PostgreSQL): a batch of entries is one multi-row insert in one
transaction, at the index read from the log's head row under that transaction's lock (see
``store/coordination.py``), so group commit costs one commit per batch and any number of processes
append to one log; tiles and the checkpoint that covers them are written together, by the holder
of the integration lease. Full tiles are written once; the partial tile at each level's right edge
is rewritten as it grows, never narrower.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import repeat
from typing import Any

from sqlalchemy import (
    and_,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from consentgate.domain.clock import Clock, system_clock
from consentgate.errors import Conflict, IntegrityError, Unavailable
from consentgate.ledger.logstore import Integration, NewEntries, SignedCheckpoint
from consentgate.ledger.tiles import StoredTile
from consentgate.store.bulk import Executes, insert_tuples
from consentgate.store.coordination import lease_for, log_head
from consentgate.store.db import Database
from consentgate.store.tables import log_checkpoints, log_entries, log_tiles

#: The columns of an appended entry's row, in the order :meth:`SqlLogStore.append` gives them.
_ENTRY_COLUMNS = ("idx", "data", "leaf_hash", "created_at")
#: How much of a SQLite file the tile readers map into memory (address space, not memory).
_SQLITE_MMAP_BYTES = 1 << 31


def _checkpoint(row: Any) -> SignedCheckpoint:  # a Row of (size, root, note, signed_at)
    return SignedCheckpoint(int(row[0]), bytes(row[1]), bytes(row[2]), row[3])


def _tile_keys(keys: Sequence[tuple[int, int]]) -> ColumnElement[bool]:
    """``(level, idx) in keys`` as one ``level = ? AND idx IN (…)`` per level, which both SQLite
    and PostgreSQL answer from the primary key (a row-value IN makes SQLite scan the table)."""
    by_level: dict[int, list[int]] = {}
    for level, index in keys:
        by_level.setdefault(level, []).append(index)
    return or_(
        *(
            and_(log_tiles.c.level == level, log_tiles.c.idx.in_(indexes))
            for level, indexes in sorted(by_level.items())
        )
    )


#: Writes the annotations of appended entries, in the append's own transaction.
Annotator = Callable[[Executes, Sequence[tuple[int, object]]], None]


class SqlLogStore:
    """A :class:`~consentgate.ledger.logstore.LogStore` on a :class:`Database`.

    ``clock`` stamps each entry's ``created_at``: the services' clock, so that entries and the
    checkpoints over them (stamped by the sequencer from the same clock) tell one time.
    """

    def __init__(
        self, db: Database, annotate: Annotator | None = None, *, clock: Clock = system_clock
    ) -> None:
        self.db = db
        self.annotate = annotate
        self.clock = clock
        self._idle: list[tuple[Any, Any, Any]] = []  # readers for tiles(), see _open_reader
        self._writer = db.kept()  # appends come every few milliseconds from one thread
        mark = "?" if db.engine.dialect.paramstyle == "qmark" else "%s"
        # "inner" is quoted: it is a reserved word in PostgreSQL.
        self._tile_sql = (
            f'SELECT hashes, "inner" FROM log_tiles WHERE level = {mark} AND idx = {mark}'  # noqa: S608 - only the placeholder style varies; values are bound
        )
        # One statement reads and moves the head under the row's write lock (PostgreSQL) or the
        # database's (SQLite, after BEGIN IMMEDIATE): one round trip where a locking SELECT and
        # an UPDATE took two, on the commit every append waits for.
        self._claim_sql = f"UPDATE log_head SET size = size + {mark} WHERE id = 1 RETURNING size"  # noqa: S608 - only the placeholder style varies; values are bound
        self._lease = lease_for(db)
        # created_at as the column type would bind it (UTCDateTime on this dialect), computed
        # once per batch rather than once per row.
        self._bind_created_at = log_entries.c.created_at.type.bind_processor(db.engine.dialect)
        self._sqlite = db.dialect == "sqlite"
        #: The driver's own integrity error: appends run on the DB-API connection.
        self._driver_integrity_error = db.engine.dialect.loaded_dbapi.IntegrityError

    def close(self) -> None:
        """Close the connections set aside for appends, tile reads and the lease."""
        self._writer.close()
        self._lease.close()
        while True:
            try:
                fairy, _, _ = self._idle.pop()
            except IndexError:
                return
            fairy.close()

    def committed_size(self) -> int:
        with self.db.read() as conn:
            return int(conn.execute(select(log_head.c.size)).scalar_one())

    def stored_size(self) -> int:
        """One past the highest entry row, whatever the head says: what an auditor counts."""
        with self.db.read() as conn:
            top = conn.execute(select(func.max(log_entries.c.idx))).scalar()
        return 0 if top is None else int(top) + 1

    def append(self, new: NewEntries) -> int:
        """Claim the indexes by moving the head, then insert the entries and the annotations, in
        one transaction on the DB-API connection (:meth:`KeptConnection.begin
        <consentgate.store.db.KeptConnection.begin>`, :func:`~consentgate.store.bulk.insert_tuples`):
        a compiled ``insert()`` spends more time binding each row's parameters through their
        column types than the database spends storing them, and SQLAlchemy's statement and
        transaction machinery more again; this runs once per group commit on the writer thread
        every append waits on."""
        now = self.clock()
        created_at = now if self._bind_created_at is None else self._bind_created_at(now)
        if self._sqlite and isinstance(created_at, datetime):
            # The text sqlite3's default adapter writes for a datetime, made once per batch
            # instead of by the driver for every row.
            created_at = created_at.isoformat(" ")
        count = len(new.entries)
        first = -1
        try:
            with self._writer.begin() as conn:
                first = int(conn.exec_driver_sql(self._claim_sql, (count,)).fetchone()[0]) - count
                rows = list(
                    zip(
                        range(first, first + count),
                        new.entries,
                        new.leaf_hashes,
                        repeat(created_at, count),
                        strict=True,
                    )
                )
                insert_tuples(conn, "log_entries", _ENTRY_COLUMNS, rows)
                if new.annotations and self.annotate is not None:
                    self.annotate(conn, [(first + pos, value) for pos, value in new.annotations])
        except self._driver_integrity_error:
            raise Conflict(f"log index {first} was written outside the log") from None
        return first

    def hold_lease(self, holder: str, seconds: float) -> bool:
        return self._lease.hold(holder, seconds)

    def release_lease(self, holder: str) -> None:
        self._lease.release(holder)

    def lease_holder(self) -> str | None:
        return self._lease.holder()

    def entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
        query = (
            select(log_entries.c.idx, log_entries.c.data)
            .where(log_entries.c.idx >= start, log_entries.c.idx < end)
            .order_by(log_entries.c.idx)
        )
        with self.db.read() as conn:
            return [(int(i), bytes(d)) for i, d in conn.execute(query)]

    def entry_batches(self, size: int, batch: int = 65_536) -> Iterator[list[bytes]]:
        """The entries ``[0, size)`` in index order, ``batch`` at a time: one primary-key range
        query per batch, read through the driver (a report streams millions of entries this
        way without holding them). :class:`IntegrityError` if an entry is missing."""
        mark = "?" if self.db.engine.dialect.paramstyle == "qmark" else "%s"
        sql = f"SELECT data FROM log_entries WHERE idx >= {mark} AND idx < {mark} ORDER BY idx"  # noqa: S608 - only the placeholder style varies; values are bound
        for start in range(0, size, batch):
            end = min(size, start + batch)
            with self.db.read() as conn:
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                try:
                    cursor.execute(sql, (start, end))
                    rows = cursor.fetchall()
                finally:
                    cursor.close()
            if len(rows) != end - start:
                raise IntegrityError(f"log entries {start} to {end - 1} are not all in the store")
            yield [bytes(row[0]) for row in rows]

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        query = (
            select(log_entries.c.leaf_hash)
            .where(log_entries.c.idx >= start, log_entries.c.idx < end)
            .order_by(log_entries.c.idx)
        )
        with self.db.read() as conn:
            return [bytes(h) for (h,) in conn.execute(query)]

    def tiles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], StoredTile]:
        """Tiles by key, on the hot path of every proof: plain DB-API point reads of the primary
        key on connections set aside for it, each with its cursor kept open, so a read costs the
        driver's execute and fetch and nothing else (the driver caches the prepared statement)."""
        if not keys:
            return {}
        try:
            reader = self._idle.pop()  # list.pop and list.append are atomic: no lock needed
        except IndexError:
            reader = self._open_reader()
        fairy, conn, cursor = reader
        out = {}
        try:
            for level, index in keys:
                cursor.execute(self._tile_sql, (level, index))
                row = cursor.fetchone()
                if row is not None:
                    out[(level, index)] = StoredTile(level, index, bytes(row[0]), bytes(row[1]))
            conn.rollback()  # end the read transaction PostgreSQL opened; harmless on SQLite
        except Exception as err:
            fairy.close()
            raise Unavailable(f"the log store is unavailable: {err}") from err
        self._idle.append(reader)
        return out

    def _open_reader(self) -> tuple[Any, Any, Any]:
        """A pooled connection detached from the engine's pool (so that tile reads never starve
        request handlers), its DB-API connection, and a cursor on it."""
        try:
            fairy = self.db.engine.raw_connection()
        except SQLAlchemyError as err:
            raise Unavailable(f"the log store is unavailable: {err}") from err
        try:
            conn = fairy.driver_connection
            fairy.detach()
            if conn is None:
                raise Unavailable("the database driver gave no connection")
            cursor = conn.cursor()
            if self.db.dialect == "sqlite":
                # Reads of pages straight from a mapping of the file skip a system call and a copy
                # per page: measured about 30% off a random tile read on a 10M-entry log. Only
                # these read-only connections use it; SQLite caps it at its compiled-in maximum.
                cursor.execute(f"PRAGMA mmap_size={_SQLITE_MMAP_BYTES}")
        except Exception as err:
            fairy.close()
            raise Unavailable(f"the log store is unavailable: {err}") from err
        return fairy, conn, cursor

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        cols = (log_checkpoints.c.size, log_checkpoints.c.root, log_checkpoints.c.note)
        query = (
            select(*cols, log_checkpoints.c.signed_at)
            .order_by(log_checkpoints.c.size.desc())
            .limit(1)
        )
        with self.db.read() as conn:
            row = conn.execute(query).first()
        return None if row is None else _checkpoint(row)

    def checkpoint_at(self, size: int) -> SignedCheckpoint | None:
        query = select(log_checkpoints).where(log_checkpoints.c.size == size)
        with self.db.read() as conn:
            row = conn.execute(query).first()
        return None if row is None else _checkpoint(row)

    def integrate(self, step: Integration) -> None:
        tiles, checkpoint, after = step.tiles, step.checkpoint, step.after
        with self.db.begin() as conn:
            self._lease.fence(conn, step.holder)
            top = conn.execute(select(func.max(log_checkpoints.c.size))).scalar()
            if (None if top is None else int(top)) != after or checkpoint.size < (after or 0):
                raise Conflict("another checkpoint was signed meanwhile")
            keys = [(t.level, t.index) for t in tiles]
            existing = set()
            if keys:
                found = conn.execute(
                    select(log_tiles.c.level, log_tiles.c.idx, log_tiles.c.width).where(
                        _tile_keys(keys)
                    )
                )
                widths = {(t.level, t.index): t.width for t in tiles}
                for lv, ix, width in found:
                    if int(width) == 256 or int(width) > widths[(int(lv), int(ix))]:
                        raise Conflict(f"hash tile {lv}/{ix} is wider; it is never narrowed")
                    existing.add((int(lv), int(ix)))
            fresh = [t for t in tiles if (t.level, t.index) not in existing]
            if fresh:
                conn.execute(
                    log_tiles.insert(),
                    [
                        {
                            "level": t.level,
                            "idx": t.index,
                            "width": t.width,
                            "hashes": t.hashes,
                            "inner": t.inner,
                        }
                        for t in fresh
                    ],
                )
            for t in tiles:
                if (t.level, t.index) in existing:
                    conn.execute(
                        update(log_tiles)
                        .where(log_tiles.c.level == t.level, log_tiles.c.idx == t.index)
                        .values(width=t.width, hashes=t.hashes, inner=t.inner)
                    )
            conn.execute(
                log_checkpoints.insert(),
                {
                    "size": checkpoint.size,
                    "root": checkpoint.root,
                    "note": checkpoint.note,
                    "signed_at": checkpoint.signed_at,
                },
            )
