"""The log writer's kept connection (``store.db.KeptConnection``): one checkout from the pool
while it is in steady use, a fresh one after a quiet spell or after any failure, and every
transaction, run on the driver's own connection, committed or rolled back."""

from __future__ import annotations

import select as sockets
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, select, text
from tests.backends import POSTGRESQL

from consentgate.errors import Unavailable
from consentgate.store import Database
from consentgate.store.db import DriverTransaction, KeptConnection
from consentgate.store.tables import log_entries

WHEN = datetime(2026, 12, 3, tzinfo=UTC)


def _checkouts(database: Database) -> list[int]:
    """A list that grows by one at every checkout from ``database``'s pool."""
    seen: list[int] = []

    def checked_out(*_: Any) -> None:
        seen.append(1)

    event.listen(database.engine, "checkout", checked_out)
    return seen


def _insert(transaction: DriverTransaction, idx: int) -> None:
    """Insert entry row ``idx`` through the driver's own SQL."""
    mark = "?" if transaction.dialect.paramstyle == "qmark" else "%s"
    transaction.exec_driver_sql(
        f"INSERT INTO log_entries (idx, data, leaf_hash, created_at) VALUES ({mark}, {mark}, {mark}, {mark})",  # noqa: S608 - only the placeholder style varies
        (idx, b"e", bytes(32), WHEN.replace(tzinfo=None).isoformat(" ")),
    )


def _write(kept: KeptConnection, idx: int, then: Exception | None = None) -> None:
    """Insert entry row ``idx`` in one transaction of ``kept``; raise ``then`` inside it."""
    with kept.begin() as transaction:
        _insert(transaction, idx)
        if then is not None:
            raise then


def _stored(database: Database) -> list[int]:
    with database.read() as conn:
        return [int(i) for (i,) in conn.execute(select(log_entries.c.idx).order_by("idx"))]


def test_a_busy_writer_checks_out_one_connection_for_many_transactions(
    database: Database,
) -> None:
    kept = database.kept()
    checkouts = _checkouts(database)
    for idx in range(20):
        _write(kept, idx)
    kept.close()

    assert len(checkouts) == 1
    assert _stored(database) == list(range(20))


def test_after_a_quiet_spell_the_connection_goes_back_and_a_fresh_one_is_checked_out(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = database.kept()
    checkouts = _checkouts(database)
    _write(kept, 0)
    monkeypatch.setattr(KeptConnection, "KEEP_SECONDS", 0.0)  # every gap is now a quiet spell
    _write(kept, 1)
    kept.close()

    assert len(checkouts) == 2
    assert _stored(database) == [0, 1]


def test_a_failed_transaction_is_rolled_back_and_its_connection_dropped(
    database: Database,
) -> None:
    kept = database.kept()
    checkouts = _checkouts(database)
    _write(kept, 0)
    with pytest.raises(RuntimeError, match="in the middle"):
        _write(kept, 1, then=RuntimeError("failed in the middle"))
    _write(kept, 2)
    kept.close()

    assert len(checkouts) == 2  # the one that failed was not used again
    assert _stored(database) == [0, 2]


def test_a_transaction_whose_connection_is_lost_fails_alone(database: Database) -> None:
    kept = database.kept()
    _write(kept, 0)

    with pytest.raises(Exception), kept.begin() as transaction:  # noqa: B017, PT011, PT012 - each driver names it its own way
        transaction._dbapi.close()  # lost mid-transaction
        _insert(transaction, 1)
    _write(kept, 2)
    kept.close()

    assert _stored(database) == [0, 2]


@pytest.mark.parametrize("database_url", [POSTGRESQL], indirect=True)
def test_a_connection_the_server_ended_while_idle_is_replaced_before_use(
    database: Database,
) -> None:
    """What a restarted server looks like to a kept connection: its session is gone. The next
    transaction sees that before it starts and runs on a new connection, so nothing fails."""
    kept = database.kept()
    _write(kept, 0)
    assert kept._conn is not None
    driver = kept._conn.connection.dbapi_connection
    assert driver is not None
    with database.engine.connect() as admin:
        admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": driver.info.backend_pid})
    deadline = time.monotonic() + 10
    while not sockets.select([driver.fileno()], [], [], 0.05)[0]:  # the server's goodbye arrives
        assert time.monotonic() < deadline, "the ended session never said so"

    _write(kept, 1)
    kept.close()

    assert _stored(database) == [0, 1]


def test_closing_hands_the_connection_back(database: Database) -> None:
    kept = database.kept()
    _write(kept, 0)
    checked_in: list[int] = []
    event.listen(database.engine, "checkin", lambda *_: checked_in.append(1))
    kept.close()
    kept.close()  # twice is harmless

    assert checked_in == [1]
    with database.read() as conn:
        assert conn.execute(text("SELECT 1")).scalar_one() == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_drivers_operational_errors_are_unavailable(database: Database) -> None:
    """The driver's own operational errors fail closed as :class:`Unavailable`, as SQLAlchemy's
    do through :meth:`Database.begin` (SQLite's driver reports a missing table as one)."""
    kept = database.kept()
    with pytest.raises(Unavailable), kept.begin() as transaction:
        transaction.exec_driver_sql("SELECT * FROM no_such_table_here")
    _write(kept, 0)
    kept.close()

    assert _stored(database) == [0]


@pytest.mark.parametrize("database_url", [POSTGRESQL], indirect=True)
def test_a_session_the_server_ends_mid_transaction_is_unavailable(database: Database) -> None:
    """A server restart during a group commit: the transaction fails as :class:`Unavailable`,
    nothing of it is stored, and the next one runs on a new connection."""
    kept = database.kept()
    _write(kept, 0)
    with pytest.raises(Unavailable), kept.begin() as transaction:  # noqa: PT012 - the session ends between two statements
        _insert(transaction, 1)
        with database.engine.connect() as admin:
            admin.execute(
                text("SELECT pg_terminate_backend(:pid)"),
                {"pid": transaction._dbapi.info.backend_pid},
            )
        _insert(transaction, 2)
    _write(kept, 3)
    kept.close()

    assert _stored(database) == [0, 3]
