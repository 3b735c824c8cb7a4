"""What lets many server processes share one log: its head row, its integration lease, its key.

- ``log_head``: one row holding the log's size. An append reads and moves it inside the
  transaction that stores the entries, with one ``UPDATE … RETURNING`` under that transaction's
  write lock (the row's on PostgreSQL; ``BEGIN IMMEDIATE`` already holds SQLite's one write
  lock), so indexes are consecutive and assigned in commit order whichever process appends: the
  design of Tessera's MySQL back end (its ``TreeState`` row) and Trillian's ``SequencedLeafData``.
- The integration lease (rule: :mod:`consentgate.ledger.lease`). On PostgreSQL it is a
  session-level advisory lock held by a connection kept for it: the server releases it the moment
  the holder's connection ends, so a process killed with ``kill -9`` is replaced at the others'
  next try. On SQLite it is the ``log_lease`` row with an expiry, renewed by the holder (every
  process is on one machine and reads one clock). The ``log_lease`` row also names the holder on
  PostgreSQL, for operators. Each integration checks in its own transaction that the lease is
  still held (fencing) and takes a transaction-level lock, so two integrations never interleave.
- ``log_identity``: the verifier key of the log, recorded by the first server to start, so a
  second server configured with another key refuses to start instead of signing a second history.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

from sqlalchemy import BigInteger, Column, Connection, Integer, String, Table, Text, select
from sqlalchemy.exc import IntegrityError as SQLIntegrityError
from sqlalchemy.exc import SQLAlchemyError

from consentgate.errors import ConfigError, Conflict, IntegrityError, Unavailable
from consentgate.ledger import lease
from consentgate.ledger.note import NoteVerifier, open_checkpoint
from consentgate.store.db import Database, network_file_system
from consentgate.store.tables import INDEX, log_checkpoints, metadata

log_head = Table(
    "log_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("size", INDEX, nullable=False),
)

log_lease = Table(
    "log_lease",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
)

log_identity = Table(
    "log_identity",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("vkey", Text, nullable=False),
)

#: The lease row's name.
_LEASE = "integrator"
#: The PostgreSQL advisory lock keys: the lease (session-level) and one integration at a time
#: (transaction-level). Below 2**31, so ``pg_locks`` shows them as ``classid 0, objid KEY``.
_LEASE_KEY = 0x43474C47  # "CGLG"
_INTEGRATE_KEY = 0x43474C49  # "CGLI"


def _now_ms() -> int:
    return int(time.time() * 1000)


class SqliteLease:
    """The integration lease as a row with an expiry (one machine, one clock)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def hold(self, holder: str, seconds: float) -> bool:
        with self.db.begin() as conn:
            current = self._current(conn)
            taken = lease.claim(current, holder, _now_ms(), int(seconds * 1000))
            if taken is None:
                return False
            values = {"holder": taken.holder, "expires_ms": taken.expires_ms}
            if current is None:
                conn.execute(log_lease.insert().values(name=_LEASE, **values))
            else:
                conn.execute(log_lease.update().where(log_lease.c.name == _LEASE).values(**values))
        return True

    def release(self, holder: str) -> None:
        with self.db.begin() as conn:
            conn.execute(
                log_lease.delete().where(log_lease.c.name == _LEASE, log_lease.c.holder == holder)
            )

    def holder(self) -> str | None:
        with self.db.read() as conn:
            current = self._current(conn)
        return current.holder if current and current.expires_ms > _now_ms() else None

    def fence(self, conn: Connection, holder: str) -> None:
        """Inside an integration's (``BEGIN IMMEDIATE``) transaction: :class:`Conflict` unless
        ``holder`` still holds the lease."""
        current = self._current(conn)
        if current is None or not current.held_by(holder, _now_ms()):
            raise Conflict("the integration lease is no longer held by this process")

    @staticmethod
    def _current(conn: Connection) -> lease.Lease | None:
        row = conn.execute(
            select(log_lease.c.holder, log_lease.c.expires_ms).where(log_lease.c.name == _LEASE)
        ).first()
        return None if row is None else lease.Lease(str(row[0]), int(row[1]))

    def close(self) -> None:
        """Nothing to close: the row expires by itself."""


class PostgresLease:
    """The integration lease as a session-level advisory lock on a connection kept for it."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._conn: Any = None  # the DB-API connection holding (or asking for) the lock
        self._pid = 0
        self._locked = False
        self._row = SqliteLease(db)  # the row naming the holder, for operators

    def _connection(self) -> Any:
        if self._conn is None:
            fairy = self.db.engine.raw_connection()
            conn: Any = fairy.driver_connection
            fairy.detach()  # its own connection: never returned to the pool while locked
            conn.autocommit = True
            self._pid = int(conn.execute("SELECT pg_backend_pid()").fetchone()[0])
            self._conn = conn
        return self._conn

    def _drop(self) -> None:
        conn, self._conn, self._locked = self._conn, None, False
        if conn is not None:
            with contextlib.suppress(Exception):  # the connection is gone either way
                conn.close()

    def hold(self, holder: str, seconds: float) -> bool:
        try:
            conn = self._connection()
            if self._locked:
                conn.execute("SELECT 1")  # still connected, so still locked
            else:
                row = conn.execute("SELECT pg_try_advisory_lock(%s)", (_LEASE_KEY,)).fetchone()
                self._locked = bool(row[0])
        except (SQLAlchemyError, Exception) as err:
            self._drop()
            raise Unavailable(f"the database is unavailable: {err}") from err
        if self._locked:
            # Name the holder for operators; the lock, not the row, is what counts.
            with self.db.begin() as tx:
                found = self._row._current(tx)
                values = {"holder": holder, "expires_ms": _now_ms() + int(seconds * 1000)}
                if found is None:
                    tx.execute(log_lease.insert().values(name=_LEASE, **values))
                else:
                    tx.execute(
                        log_lease.update().where(log_lease.c.name == _LEASE).values(**values)
                    )
        return self._locked

    def release(self, holder: str) -> None:
        if self._locked:
            self._row.release(holder)
        self._drop()  # ending the session releases the lock

    def holder(self) -> str | None:
        return self._row.holder()

    def fence(self, conn: Connection, holder: str) -> None:
        """Inside an integration's transaction: wait for any other integration to finish, then
        :class:`Conflict` unless this process's lease connection still holds the lock."""
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(%s)", (_INTEGRATE_KEY,))
        held = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid = %s AND classid = 0 AND objid = %s AND objsubid = 1",
            (self._pid, _LEASE_KEY),
        ).scalar()
        if not self._locked or not held:
            raise Conflict("the integration lease is no longer held by this process")

    def close(self) -> None:
        self._drop()


def check_one_machine(db: Database, host: str) -> None:
    """Refuse (:class:`ConfigError`) to serve a SQLite file that lies on a network file system, or
    whose log is integrated right now by a process on another machine: SQLite's locking is only
    sound between processes of one machine. Several machines share a PostgreSQL database."""
    path = db.sqlite_file
    if path is None:
        return
    kind = network_file_system(path)
    if kind is not None:
        raise ConfigError(
            f"CONSENTGATE_DATABASE_URL: {path} is on a network file system ({kind}); serving a "
            "SQLite file over a network share is unsupported: use PostgreSQL for several machines"
        )
    holder = SqliteLease(db).holder()
    if holder is not None and holder.split(":", 1)[0] != host:
        raise ConfigError(
            f"CONSENTGATE_DATABASE_URL: the SQLite log at {path} is integrated by a server on "
            f"another machine ({holder.split(':', 1)[0]}); one SQLite file is served from one "
            "machine only: use PostgreSQL for several machines"
        )


def lease_for(db: Database) -> SqliteLease | PostgresLease:
    """The integration lease for ``db``'s backend."""
    return PostgresLease(db) if db.dialect == "postgresql" else SqliteLease(db)


def claim_log_key(db: Database, verifier: NoteVerifier) -> None:
    """Record ``verifier`` as the log's key on first start; refuse to start (:class:`ConfigError`)
    when the database's log is signed with another key.

    Two servers starting at once on a new PostgreSQL database can both find no key recorded;
    the second one's insert then fails on the row's key, and it compares with the key the first
    one recorded instead."""
    mine = verifier.encode()
    try:
        recorded = _record_first_key(db, verifier, mine)
    except SQLIntegrityError:  # another server recorded its key first
        with db.read() as conn:
            recorded = conn.execute(select(log_identity.c.vkey)).scalar_one()
    if recorded is not None and recorded != mine:
        _mismatch(recorded, mine)


def _record_first_key(db: Database, verifier: NoteVerifier, mine: str) -> str | None:
    """The key recorded already, or ``None`` after recording ``mine``."""
    with db.begin() as conn:
        recorded: str | None = conn.execute(select(log_identity.c.vkey)).scalar()
        if recorded is not None:
            return recorded
        latest = conn.execute(
            select(log_checkpoints.c.note).order_by(log_checkpoints.c.size.desc()).limit(1)
        ).scalar()
        if latest is not None:
            try:  # a log signed before its key was recorded: it must verify with this key
                open_checkpoint(bytes(latest), verifier)
            except IntegrityError:
                _mismatch("a key that does not verify its latest checkpoint", mine)
        conn.execute(log_identity.insert().values(id=1, vkey=mine))
    return None


def _mismatch(recorded: str, mine: str) -> None:
    raise ConfigError(
        f"CONSENTGATE_LOG_KEY_FILE: log key mismatch: this database's log is signed with "
        f"{recorded}, but this server's key is {mine}; start every server with the same key file"
    )
