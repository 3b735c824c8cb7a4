"""Rows written through the driver (``store.bulk.insert_tuples``, used by the log's group commit): every
row, each value in its column, whatever the count; on SQLite in a few multi-row statements."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select

from consentgate.store import Database
from consentgate.store.bulk import ROWS_PER_INSERT, insert_tuples
from consentgate.store.tables import log_entries

COLUMNS = ("idx", "data", "leaf_hash", "created_at")
#: Counts around every boundary of the statements' sizes (powers of two, then full statements).
COUNTS = [0, 1, 2, 3, 7, 8, 63, ROWS_PER_INSERT, ROWS_PER_INSERT + 1, 2 * ROWS_PER_INSERT + 13]


def _rows(database: Database, count: int) -> list[tuple[Any, ...]]:
    """``count`` entry rows, the time bound as the log's append binds it."""
    bind = log_entries.c.created_at.type.bind_processor(database.engine.dialect)
    when = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    stamp = when if bind is None else bind(when)
    return [(i, f"entry {i}".encode(), bytes([i % 256]) * 32, stamp) for i in range(count)]


@pytest.mark.parametrize("count", COUNTS)
def test_every_row_is_written_in_its_columns(database: Database, count: int) -> None:
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.startswith("INSERT INTO log_entries"):
            statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        with database.begin() as conn:
            insert_tuples(conn, "log_entries", COLUMNS, _rows(database, count))
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)

    with database.read() as conn:
        stored = conn.execute(
            select(log_entries.c.idx, log_entries.c.data, log_entries.c.leaf_hash).order_by(
                log_entries.c.idx
            )
        ).all()
    assert [(int(i), bytes(d), bytes(h)) for i, d, h in stored] == [
        (i, f"entry {i}".encode(), bytes([i % 256]) * 32) for i in range(count)
    ]
    if database.dialect == "sqlite":
        # Full statements, then one per power of two left: a handful, not one per row.
        full, rest = divmod(count, ROWS_PER_INSERT)
        assert len(statements) == full + rest.bit_count()
    else:
        assert len(statements) == (1 if count else 0)  # one executemany (a pipeline)
