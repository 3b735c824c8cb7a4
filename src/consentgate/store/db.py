"""The one session factory: a SQLAlchemy engine for SQLite (embedded) or PostgreSQL.

SQLite runs in WAL mode with foreign keys on and a busy timeout, so one writer and many readers
share the file safely. Everything else in the project reaches the database through ``Database``.
"""

from __future__ import annotations

import contextlib
import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError

from consentgate.errors import ConfigError, Unavailable
from consentgate.store.raw import RawReads
from consentgate.store.writeturn import WriteTurn

#: How long a SQLite writer waits for the lock before giving up.
_SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Connections kept open per engine: the API's threads (``settings.threads``, at most 64 with
#: overflow) plus the log and index threads.
_POOL_SIZE = 48
#: Marks a connection whose next transaction writes (see ``_sqlite_begin``).
_IMMEDIATE = "consentgate.immediate"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite's own transaction handling is switched off (isolation_level=None) and we emit BEGIN
    # ourselves (SQLAlchemy docs, "Serializable isolation / Savepoints / Transactional DDL" for
    # pysqlite). Write transactions take the write lock up front (BEGIN IMMEDIATE) so that two
    # writers never deadlock upgrading a read lock; reads stay deferred and never block writers.
    immediate = conn.info.pop(_IMMEDIATE, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


#: File systems on which SQLite's locks and its WAL's shared memory do not work between machines
#: (SQLite's documentation, "SQLite Over a Network, Caveats and Considerations").
_NETWORK_FILE_SYSTEMS = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre", "gpfs"}
)


def network_file_system(path: Path, mounts: Path = Path("/proc/mounts")) -> str | None:
    """The type of the network file system ``path`` lies on, or ``None`` when it is local (or
    this system does not say: only Linux's ``/proc/mounts`` is read)."""
    try:
        lines = mounts.read_text().splitlines()
    except OSError:
        return None
    target = str(path.resolve())
    best, kind = "", ""
    for line in lines:
        fields = line.split()
        if len(fields) < 3:
            continue
        point = fields[1].replace("\\040", " ")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > len(best):
            best, kind = point, fields[2]
    if kind in _NETWORK_FILE_SYSTEMS or kind.startswith("fuse.sshfs"):
        return kind
    return None


@contextmanager
def _unavailable_on_failure() -> Iterator[None]:
    """A database that cannot be reached is :class:`Unavailable`, so callers fail closed."""
    try:
        yield
    except OperationalError as err:
        raise Unavailable(f"the database is unavailable: {err.orig}") from err


class Database:
    """An engine plus the way this project opens transactions on it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: The data API's hot reads, on connections of their own (see ``store.raw``).
        self.raw = RawReads(engine)
        file = self.sqlite_file
        #: On a SQLite file, writers take turns through the kernel (see ``store.writeturn``).
        self._turn = WriteTurn(file) if file is not None else None

    @classmethod
    def connect(cls, url: str, *, echo: bool = False) -> Database:
        """Open the database at ``url`` (``sqlite:///…`` or ``postgresql+psycopg://…``)."""
        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):
            raise ConfigError(f"CONSENTGATE_DATABASE_URL: not a database URL: {url!r}") from None
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            # A pool as large as the server's thread pool: a connection closed on return to an
            # overflowing pool is reopened on the next checkout, re-running the pragmas (measured:
            # several % of the data API's time with the default pool of 5 + 10).
            engine = create_engine(
                parsed,
                echo=echo,
                connect_args={"isolation_level": None},
                pool_size=_POOL_SIZE,
                max_overflow=_POOL_SIZE,
            )
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
        elif backend == "postgresql":
            if parsed.drivername == "postgresql":
                parsed = parsed.set(drivername="postgresql+psycopg")
            engine = create_engine(
                parsed, echo=echo, pool_pre_ping=True, pool_size=20, max_overflow=20
            )
        else:
            raise ConfigError(
                f"CONSENTGATE_DATABASE_URL: unsupported database {backend!r}: use sqlite or postgresql"
            )
        return cls(engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def sqlite_file(self) -> Path | None:
        """The SQLite database file, if this is one on disk."""
        name = self.engine.url.database
        if self.dialect != "sqlite" or not name or name == ":memory:":
            return None
        return Path(name)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection inside one transaction: committed on success, rolled back on any error.

        A database that cannot be reached is :class:`Unavailable`, so callers fail closed.
        """
        with self._write_turn(), _unavailable_on_failure(), self.engine.connect() as conn:
            conn.info[_IMMEDIATE] = True
            with conn.begin():
                yield conn

    def _write_turn(self) -> contextlib.AbstractContextManager[object]:
        """This process's turn to write a SQLite file (see ``store.writeturn``); nothing to take
        on PostgreSQL."""
        return self._turn.hold() if self._turn is not None else contextlib.nullcontext()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads (still a transaction, so reads are consistent)."""
        with _unavailable_on_failure(), self.engine.connect() as conn:
            yield conn

    def kept(self) -> KeptConnection:
        """A connection for one busy writer to keep between its transactions (see
        :class:`KeptConnection`)."""
        return KeptConnection(self)

    def dispose(self) -> None:
        self.raw.close()
        if self._turn is not None:
            self._turn.close()
        self.engine.dispose()


class KeptConnection:
    """One connection kept between the write transactions of a busy writer (the log's group
    commit), instead of one taken from the pool and handed back for each.

    A checkout from the PostgreSQL pool first pings the server (``pool_pre_ping``, so a server
    restart is noticed before a transaction starts): a round trip that the log's writer paid on
    every group commit (measured with py-spy: 14 % of its time under 64 appending threads). A
    connection in steady use needs no such test: its next transaction fails if the server went
    away. So the connection is kept while it is used at least every ``KEEP_SECONDS``; after a
    quieter spell it goes back to the pool, and the next transaction checks one out (and pings)
    again. Before each transaction the kept connection's socket is polled (no round trip: see
    :func:`_ended_by_server`), so a connection the server ended while it was idle (a restart) is
    replaced, not used. A transaction whose connection is lost while it runs fails, and after any
    failure the connection is dropped. Transactions through one object take turns.
    """

    KEEP_SECONDS = 1.0

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: Connection | None = None
        self._used = 0.0
        self._lock = threading.Lock()

    @contextmanager
    def begin(self) -> Iterator[DriverTransaction]:
        """A write transaction on the kept connection, run on its DB-API connection itself, past
        SQLAlchemy's statement and transaction machinery: the log's group commit, which every
        append waits on. Measured (docs/benchmarks.md): on SQLite that machinery took about half
        of the writer thread's time with the interpreter lock held, around a few driver calls.

        The transaction is begun, committed or rolled back here (on SQLite ``BEGIN IMMEDIATE``
        and ``COMMIT``, as :meth:`Database.begin` has them through its ``begin`` event; on
        PostgreSQL the driver's own implicit transaction). A database that cannot be reached is
        :class:`Unavailable`; any failure rolls back and drops the connection.
        """
        with self._lock, self._db._write_turn(), _unavailable_on_failure():
            conn = self._checkout()
            transaction: DriverTransaction | None = None
            try:
                with _unavailable_on_driver_failure(conn):
                    transaction = DriverTransaction(conn)
                    transaction.begin()
                    yield transaction
                    transaction.commit()
            except BaseException:
                if transaction is not None:
                    transaction.rollback()
                self._drop()
                raise
            self._used = time.monotonic()

    def _checkout(self) -> Connection:
        conn = self._conn
        if conn is not None and time.monotonic() - self._used > self.KEEP_SECONDS:
            self._drop()
            conn = None
        if conn is not None and _ended_by_server(conn):
            conn.invalidate()  # never handed back: the pool opens a new one
            self._drop()
            conn = None
        if conn is None:
            conn = self._conn = self._db.engine.connect()
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(SQLAlchemyError):
                conn.close()

    def close(self) -> None:
        """Hand the connection back to the pool."""
        with self._lock:
            self._drop()


class DriverTransaction:
    """A write transaction on a DB-API connection (see :meth:`KeptConnection.begin`),
    with the two things :func:`~consentgate.store.bulk.insert_tuples` and the log's annotator use
    of a SQLAlchemy ``Connection``: its ``dialect`` and ``exec_driver_sql``."""

    def __init__(self, conn: Connection) -> None:
        self.dialect = conn.dialect
        dbapi = conn.connection.dbapi_connection
        if dbapi is None:  # invalidated under us: nothing to write on
            raise Unavailable("the database connection was closed")
        self._dbapi: Any = dbapi
        self._cursor: Any = dbapi.cursor()
        self._sqlite = self.dialect.name == "sqlite"
        self._open = False

    def begin(self) -> None:
        if self._sqlite:  # the driver's own transaction handling is off (see _sqlite_begin)
            self._cursor.execute("BEGIN IMMEDIATE")
        self._open = True

    def exec_driver_sql(self, statement: str, parameters: Any = None) -> Any:
        """Run ``statement`` with ``parameters`` (a list of tuples: once for each) and return the
        driver's cursor, whose rows can be fetched until the next statement."""
        if isinstance(parameters, list):
            self._cursor.executemany(statement, parameters)
        else:
            self._cursor.execute(statement, parameters or ())
        return self._cursor

    def commit(self) -> None:
        if self._sqlite:
            self._cursor.execute("COMMIT")
        else:
            self._dbapi.commit()
        self._open = False
        self._cursor.close()

    def rollback(self) -> None:
        """Undo what the transaction wrote, if it is still open (best effort: the connection is
        dropped afterwards anyway)."""
        if not self._open:
            return
        self._open = False
        with contextlib.suppress(Exception):  # a lost connection cannot roll back: it is dropped
            if self._sqlite:
                if self._dbapi.in_transaction:
                    self._cursor.execute("ROLLBACK")
            else:
                self._dbapi.rollback()


@contextmanager
def _unavailable_on_driver_failure(conn: Connection) -> Iterator[None]:
    """As :func:`_unavailable_on_failure`, for the driver's own errors."""
    try:
        yield
    except conn.dialect.loaded_dbapi.OperationalError as err:
        raise Unavailable(f"the database is unavailable: {err}") from err


def _ended_by_server(conn: Connection) -> bool:
    """Whether the server has ended this idle connection (PostgreSQL restarted, or terminated the
    session): it then sends an error and closes, which leaves the socket readable while no query
    is running. One ``poll`` with no wait asks the kernel, without a round trip to the server
    (``poll``, not ``select``: a server process may hold more than ``select``'s 1,024
    descriptors). SQLite has no server and no socket: never."""
    fileno = getattr(conn.connection.dbapi_connection, "fileno", None)
    if fileno is None:
        return False
    closed = (OSError, ValueError, conn.dialect.loaded_dbapi.Error)
    try:
        watch = select.poll()
        watch.register(fileno(), select.POLLIN)
        return bool(watch.poll(0))  # readable, hung up or in error: ended
    except closed:  # closed under us: as good as ended
        return True


__all__ = ["Database", "DriverTransaction", "KeptConnection", "SQLAlchemyError"]
