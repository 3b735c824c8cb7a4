"""The rows a group commit writes (SQLite and PostgreSQL): the same as the table's own insert."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from consentgate.errors import Conflict
from consentgate.ledger import tree
from consentgate.ledger.logstore import NewEntries
from consentgate.store import Database
from consentgate.store.coordination import log_head
from consentgate.store.log import SqlLogStore, log_entries


def test_appended_rows_read_back_like_rows_the_table_inserts(database: Database) -> None:
    written_at = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
    with database.begin() as conn:  # the table's own insert, as a reference row
        conn.execute(
            log_entries.insert(),
            {
                "idx": 0,
                "data": b"ref",
                "leaf_hash": tree.leaf_hash(b"ref"),
                "created_at": written_at,
            },
        )
    before = datetime.now(UTC)
    data = [b"first", b"second", b"third"]
    with database.begin() as conn:  # the reference row is the log's first entry
        conn.execute(log_head.update().values(size=1))
    assert SqlLogStore(database).append(NewEntries(data, tree.leaf_hashes(data))) == 1
    with database.read() as conn:
        rows = conn.execute(select(log_entries).order_by(log_entries.c.idx)).all()
        raw = [
            v for (v,) in conn.exec_driver_sql("SELECT created_at FROM log_entries ORDER BY idx")
        ]
    assert [int(r.idx) for r in rows] == [0, 1, 2, 3]
    # Stored in the same form as the reference row (on SQLite: text of the same format).
    assert {type(v) for v in raw} == {type(raw[0])}
    if isinstance(raw[0], str):
        assert {len(v) for v in raw} == {len(raw[0])}
    assert [bytes(r.data) for r in rows] == [b"ref", *data]
    assert [bytes(r.leaf_hash) for r in rows] == [tree.leaf_hash(d) for d in [b"ref", *data]]
    assert rows[0].created_at == written_at
    for row in rows[1:]:
        assert row.created_at.tzinfo is UTC
        assert before - timedelta(seconds=1) <= row.created_at <= datetime.now(UTC)


def test_a_taken_index_stores_nothing_of_the_batch(database: Database) -> None:
    store = SqlLogStore(database)
    assert store.append(NewEntries([b"a"], [tree.leaf_hash(b"a")])) == 0
    with database.begin() as conn:  # the head moved back, as a row written behind the log's back
        conn.execute(log_head.update().values(size=0))
    with pytest.raises(Conflict):
        store.append(NewEntries([b"b", b"c"], tree.leaf_hashes([b"b", b"c"])))
    assert store.entries(0, 10) == [(0, b"a")]
    assert store.committed_size() == 0  # the head did not move either
