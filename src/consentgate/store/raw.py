"""The data API's hot reads: queries built with SQLAlchemy, compiled once, run on plain DB-API
connections.

Every partner call looks its token up and reads a page of records. Through SQLAlchemy Core each
of those reads costs a pool checkout, an execution context, a result object and a type processor
per value: measured on the governed read (``consentgate bench api``), that was more CPU than
SQLite spent answering. Here a query is still written once, as a SQLAlchemy ``select`` (so it
stays the same on SQLite and PostgreSQL and in one place), compiled for the database's dialect
once; each call then runs its SQL text on a connection kept for these reads, and converts only
the columns whose type needs it (``UTCDateTime``), as the column type itself would.

On SQLite, the reads of one :meth:`RawReads.snapshot` share one read transaction, so they see one
state of the store. On PostgreSQL the app reads at READ COMMITTED, where each statement sees what
was committed when it started, in a transaction or not: there the connections run in autocommit,
which gives the same answers without a round trip to end each snapshot.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Select
from sqlalchemy.exc import SQLAlchemyError

from consentgate.errors import Unavailable
from consentgate.store.types import UTCDateTime, utc_from_db

Row = tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class RawQuery:
    """A ``select`` compiled for one dialect: its SQL, how its parameters are passed, and what
    converts each result column (``None``: the driver's value as it is)."""

    sql: str
    names: tuple[str, ...] | None  # positional parameters' order; None: passed by name
    columns: tuple[str, ...]
    converters: tuple[Callable[[Any], Any] | None, ...]

    @classmethod
    def compile(
        cls, query: Select[Any], engine: Engine, as_stored: frozenset[str] = frozenset()
    ) -> RawQuery:
        """``query`` for ``engine``'s dialect; the columns named in ``as_stored`` come back as the
        driver gives them, for a caller that converts them itself."""
        compiled = query.compile(dialect=engine.dialect)
        names = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        selected = list(query.selected_columns)
        converters = tuple(
            utc_from_db if isinstance(c.type, UTCDateTime) and c.name not in as_stored else None
            for c in selected
        )
        return cls(compiled.string, names, tuple(c.name for c in selected), converters)

    def run(self, cursor: Any, params: Mapping[str, Any]) -> list[Row]:
        """The query's rows, converted, on ``cursor`` (one of :meth:`RawReads.snapshot`)."""
        bound: Sequence[Any] | Mapping[str, Any] = (
            params if self.names is None else [params[name] for name in self.names]
        )
        cursor.execute(self.sql, bound)
        rows: list[Row] = cursor.fetchall()
        convert = [(i, f) for i, f in enumerate(self.converters) if f is not None]
        if not convert:
            return rows
        out = []
        for row in rows:
            values = list(row)
            for i, f in convert:
                values[i] = f(values[i])
            out.append(tuple(values))
        return out


class RawReads:
    """Plain DB-API connections set aside for the hot reads (as the change feed's high-water mark
    and the log's tile readers have theirs), so the request handlers' pool is left alone."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._sqlite = engine.dialect.name == "sqlite"
        self._idle: list[Any] = []  # list.pop and list.append are atomic: no lock needed
        #: The driver's base error (PEP 249 ``Error``): what a lost or failing database raises.
        self._driver_error: type[Exception] = engine.dialect.loaded_dbapi.Error

    def compile(self, query: Select[Any], as_stored: frozenset[str] = frozenset()) -> RawQuery:
        return RawQuery.compile(query, self.engine, as_stored)

    @contextlib.contextmanager
    def snapshot(self) -> Iterator[Any]:
        """A cursor inside one read transaction, ended (rolled back) when the block ends.

        A connection that fails is closed, not reused (the database may have restarted), and a
        driver's failure is :class:`Unavailable`, so callers fail closed."""
        try:
            conn = self._idle.pop()
        except IndexError:
            conn = self._open()
        done = False
        try:
            cursor = conn.cursor()
            if self._sqlite:  # autocommit connections: the snapshot is an explicit deferred BEGIN
                cursor.execute("BEGIN")
            yield cursor
            cursor.close()
            if self._sqlite:
                conn.rollback()
            done = True
        except self._driver_error as err:
            raise Unavailable(f"the database is unavailable: {err}") from err
        finally:
            if done:
                self._idle.append(conn)
            else:
                with contextlib.suppress(Exception):
                    conn.close()

    def _open(self) -> Any:
        try:
            fairy = self.engine.raw_connection()
            conn: Any = fairy.driver_connection
            fairy.detach()  # its own connection, closed by :meth:`close`
            if not self._sqlite:
                conn.rollback()  # whatever the pool's checkout began (a no-op when idle)
                conn.autocommit = True  # see the module docstring
        except (SQLAlchemyError, self._driver_error) as err:  # the pool's connect is not wrapped
            raise Unavailable(f"the database is unavailable: {err}") from err
        return conn

    def close(self) -> None:
        while self._idle:
            with contextlib.suppress(Exception):
                self._idle.pop().close()
