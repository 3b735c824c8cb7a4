"""Bulk loading for the demo population and imports: many rows, few round trips.

SQLAlchemy's per-row parameter processing costs more than the database's own work at this volume,
so rows go straight to the driver: ``executemany`` on SQLite, ``COPY … FROM STDIN`` on PostgreSQL
(psycopg 3). Values are converted once here exactly as the column types would convert them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import BigInteger, Connection, Dialect, Integer, Table, func, inspect, select, text

from consentgate.store.tables import agreements, log_entries, metadata, partners, people
from consentgate.store.types import NameSet, UTCDateTime


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("refusing to store a naive datetime; pass an aware one")
    return value.astimezone(UTC).replace(tzinfo=None)


def _names(value: frozenset[str] | None) -> str | None:
    return None if value is None else ",".join(sorted(value))


def _converters(table: Table) -> list[tuple[str, Callable[[Any], Any] | None]]:
    found: list[tuple[str, Callable[[Any], Any] | None]] = []
    for column in table.columns:
        if isinstance(column.type, UTCDateTime):
            found.append((column.name, _utc))
        elif isinstance(column.type, NameSet):
            found.append((column.name, _names))
        else:
            found.append((column.name, None))
    return found


def insert_rows(conn: Connection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts keyed by column name) into ``table`` in the caller's transaction."""
    if not rows:
        return
    columns = [
        (name, convert) for name, convert in _converters(metadata.tables[table]) if name in rows[0]
    ]
    names = [name for name, _ in columns]
    values = [
        tuple(convert(row[name]) if convert else row[name] for name, convert in columns)
        for row in rows
    ]
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection  # psycopg.Connection: COPY is psycopg's API
        quoted = ", ".join(f'"{n}"' for n in names)
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for value in values:
                copy.write_row(value)
        _advance_sequence(conn, metadata.tables[table], names)
    else:
        marks = ", ".join("?" for _ in names)
        conn.exec_driver_sql(
            f'INSERT INTO "{table}" ({", ".join(names)}) VALUES ({marks})',  # noqa: S608 - names come from the schema, values are bound
            values,
        )


def _advance_sequence(conn: Connection, table: Table, names: list[str]) -> None:
    """After rows with explicit ids, move PostgreSQL's id sequence past them (SQLite needs nothing:
    it always continues after the largest rowid)."""
    key = [
        c for c in table.primary_key.columns if c.autoincrement is True or c.autoincrement == "auto"
    ]
    if (
        len(table.primary_key.columns) != 1
        or not key
        or key[0].name not in names
        or not isinstance(key[0].type, (BigInteger, Integer))
    ):
        return
    column = key[0].name
    conn.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column}'), "  # noqa: S608 - names come from the schema
            f'(SELECT MAX("{column}") FROM "{table.name}"))'
        )
    )


def is_empty(conn: Connection) -> bool:
    """Whether the store holds no people yet (the demo seeds only an empty store)."""
    return conn.execute(select(func.count()).select_from(people)).scalar_one() == 0


def holds_data(conn: Connection) -> bool:
    """Whether the database holds anything: a table that is not consentgate's, or any person,
    partner, agreement or log entry. An empty or merely migrated database holds nothing."""
    names = set(inspect(conn).get_table_names())
    if names - set(metadata.tables) - {"alembic_version"}:
        return True
    return any(
        table.name in names
        and conn.execute(select(func.count()).select_from(table)).scalar_one() > 0
        for table in (people, partners, agreements, log_entries)
    )


#: The most rows one multi-row ``INSERT`` carries on SQLite: 64 rows of the widest table written
#: this way (11 columns) bind 704 values, under even old SQLite builds' limit of 999.
ROWS_PER_INSERT = 64


class Executes(Protocol):
    """What :func:`insert_tuples` writes through: a SQLAlchemy ``Connection``, or the log's
    :class:`~consentgate.store.db.DriverTransaction` on the DB-API connection itself."""

    @property
    def dialect(self) -> Dialect: ...

    def exec_driver_sql(self, statement: str, parameters: Any = None) -> Any: ...


def insert_tuples(
    conn: Executes, table: str, columns: tuple[str, ...], rows: Sequence[Sequence[Any]]
) -> None:
    """``INSERT`` ``rows``, tuples in ``columns`` order and already as the driver takes them, into
    ``table`` on ``conn``: the log's group commit writes its entries and history rows this way
    (:func:`insert_rows` is for loads of dicts, converted here and copied on PostgreSQL).

    On SQLite in multi-row statements (``VALUES (…), (…), …``) rather than ``executemany``: the
    driver steps each of ``executemany``'s rows with the interpreter lock released and taken
    again, and on the log's writer thread every such hand-off makes the event loop serving
    requests wait its turn (a group commit of 64 accesses wrote some 300 rows). Each statement
    carries ``ROWS_PER_INSERT`` rows or a power of two below it, so that a few statements,
    prepared once and cached by the driver, cover any count. PostgreSQL's driver sends an
    ``executemany`` as one pipeline already, so there it stays one.
    """
    if not rows:
        return
    paramstyle = conn.dialect.paramstyle
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(_insert_sql(table, columns, 1, paramstyle), rows)
        return
    start = 0
    while start < len(rows):
        left = len(rows) - start
        count = ROWS_PER_INSERT if left >= ROWS_PER_INSERT else 1 << (left.bit_length() - 1)
        values = tuple(value for row in rows[start : start + count] for value in row)
        conn.exec_driver_sql(_insert_sql(table, columns, count, paramstyle), values)
        start += count


@lru_cache(maxsize=64)
def _insert_sql(table: str, columns: tuple[str, ...], count: int, paramstyle: str) -> str:
    mark = "?" if paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * len(columns)) + ")"
    names = ", ".join(f'"{c}"' for c in columns)
    return f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * count)}"  # noqa: S608 - fixed names; values are bound
