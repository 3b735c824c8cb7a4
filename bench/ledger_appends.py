"""Durable appends for ``bench/ledger.py``: the floor, and consentgate from N processes.

**The floor** is the least work that gives an append the log's guarantee: a minimal writer on the
raw driver (``sqlite3`` / ``psycopg``), no SQLAlchemy, no log code. 64 threads each hand one row
(the entry, its RFC 9162 leaf hash, its index, a time) to one writer thread and block until the
commit holding the row is synced (SQLite in WAL mode with ``synchronous=FULL``, as consentgate
runs it; PostgreSQL with its default ``synchronous_commit=on``); the writer takes whatever is
queued, inserts it in one transaction, commits, and wakes those threads (group commit). The rows
go into the same ``log_entries`` table of a migrated database.

**N processes**: N operating-system processes, each with its own sequencer and writer threads,
append to one database at once; the figure is the total of appends per second over the span in
which they all ran.
"""

from __future__ import annotations

import _thread
import contextlib
import hashlib
import multiprocessing
import random
import sqlite3
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from consentgate.ledger.entries import AccessDecision, format_time, person_reference
from consentgate.ledger.note import NoteSigner
from consentgate.ledger.sequencer import Sequencer
from consentgate.store import Database
from consentgate.store.log import SqlLogStore
from consentgate.store.migrate import upgrade


def entries(n: int, seed: int = 1) -> list[bytes]:
    """``n`` realistic access-decision entries (about 300 bytes each)."""
    secret = b"bench secret, not a real one...."
    when = format_time(datetime(2026, 6, 1, tzinfo=UTC))
    rnd = random.Random(seed)
    return [
        AccessDecision(
            time=when,
            request_id=uuid.UUID(int=rnd.getrandbits(128)).hex,
            partner=f"partner-{rnd.randrange(150)}",
            client=f"client-{rnd.randrange(300)}",
            person_ref=person_reference(secret, f"person-{rnd.randrange(10**6)}"),
            category=rnd.choice(["messages", "contacts", "calendar", "friends"]),
            action="read",
            purpose="essential.service",
            decision="allow",
            reasons=(),
            records_returned=rnd.randrange(50),
            records_filtered=rnd.randrange(5),
            grant_id=f"g-{rnd.randrange(10**6)}",
            receipt_id=f"r-{rnd.randrange(10**6)}",
        ).encode()
        for _ in range(n)
    ]


@contextmanager
def scratch_database(kind: str, pg_url: str | None) -> Iterator[Database]:
    """A fresh, migrated database of ``kind`` ("sqlite" or "postgresql"), removed afterwards."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            db = Database.connect(f"sqlite:///{tmp}/bench.db")
            upgrade(db)
            yield db
            db.dispose()
        return
    assert pg_url is not None
    admin = make_url(pg_url)
    if admin.drivername == "postgresql":
        admin = admin.set(drivername="postgresql+psycopg")
    name = f"cg_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    db = Database.connect(admin.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(db)
        yield db
    finally:
        db.dispose()
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def _connect_raw(url: str) -> Any:
    """A raw DB-API connection to ``url`` set up as consentgate sets up its own."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        conn = sqlite3.connect(parsed.database or "", isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn
    import psycopg

    return psycopg.connect(
        parsed.set(drivername="postgresql").render_as_string(hide_password=False)
    )


class FloorWriter:
    """One writer thread grouping the rows of many blocked callers into synced commits.

    As lean as a group commit gets in Python: callers queue on a deque and sleep on a lock of
    their own; the writer wakes when the batch it waits for is there (as many rows as the last
    commit carried, or whatever came within 2 ms), commits them in one transaction and releases
    the first caller's lock; each caller released releases the next (a chain, so the writer is
    not held up handing out 64 wake-ups one by one).
    """

    def __init__(self, url: str, wait: float = 0.002) -> None:
        self.conn = _connect_raw(url)
        self.sqlite = isinstance(self.conn, sqlite3.Connection)
        mark = "?" if self.sqlite else "%s"
        self.sql = f"INSERT INTO log_entries (idx, data, leaf_hash, created_at) VALUES ({mark}, {mark}, {mark}, {mark})"  # noqa: S608 - only the placeholder style varies
        self.queue: deque[tuple[bytes, Any, list[Any]] | None] = deque()
        self.wake = _thread.allocate_lock()
        self.wanted = 1 << 62
        self.wait = wait
        self.next = 0
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def append(self, data: bytes) -> int:
        done, out = _thread.allocate_lock(), [0, None]
        done.acquire()
        self.queue.append((data, done, out))
        if len(self.queue) >= self.wanted:
            self._signal()
        done.acquire()  # released once the row's commit is synced
        if out[1] is not None:
            out[1].release()  # wake the next caller of the same commit
        return int(out[0])

    def _signal(self) -> None:
        with contextlib.suppress(RuntimeError):  # already released
            self.wake.release()

    def _wait_for(self, count: int, deadline: float | None) -> None:
        while len(self.queue) < count:
            self.wanted = count
            if len(self.queue) >= count:
                break
            left = None if deadline is None else deadline - time.monotonic()
            if left is not None and left <= 0:
                break
            self.wake.acquire(timeout=-1 if left is None else left)
        self.wanted = 1 << 62

    def _loop(self) -> None:
        when = datetime.now(UTC).isoformat(sep=" ")
        last = 1
        while True:
            self._wait_for(1, None)
            self._wait_for(last, time.monotonic() + self.wait)
            batch = [self.queue.popleft() for _ in range(len(self.queue))]
            items = [item for item in batch if item is not None]
            if items:
                first, last = self.next, len(items)
                rows = [
                    (first + i, data, hashlib.sha256(b"\x00" + data).digest(), when)
                    for i, (data, _, _) in enumerate(items)
                ]
                if self.sqlite:
                    self.conn.execute("BEGIN IMMEDIATE")
                    self.conn.executemany(self.sql, rows)
                    self.conn.execute("COMMIT")
                else:
                    with self.conn.cursor() as cursor:
                        cursor.executemany(self.sql, rows)
                    self.conn.commit()
                self.next = first + len(items)
                for i, (_, _, out) in enumerate(items):
                    out[0] = first + i
                    out[1] = items[i + 1][1] if i + 1 < len(items) else None
                items[0][1].release()
            if len(items) != len(batch):
                return

    def close(self) -> None:
        self.queue.append(None)
        self._signal()
        self.thread.join()
        self.conn.close()


def threaded_appends_per_second(
    append: Callable[[bytes], object], writers: int, data: list[bytes]
) -> float:
    """Appends/s of ``writers`` threads appending ``data`` between them, each waiting for each."""
    share = len(data) // writers

    def write(k: int) -> None:
        for item in data[k * share : (k + 1) * share]:
            append(item)

    threads = [threading.Thread(target=write, args=(k,)) for k in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return share * writers / (time.perf_counter() - start)


def floor_appends_per_second(url: str, writers: int, data: list[bytes]) -> float:
    """The floor's appends/s (see the module docstring) on the migrated database at ``url``."""
    writer = FloorWriter(url)
    try:
        return threaded_appends_per_second(writer.append, writers, data)
    finally:
        writer.close()


def _process(url: str, writers: int, data: list[bytes], barrier: Any, out: Any) -> None:
    """One of N processes: a sequencer of its own on ``url``; reports (count, start, end)."""
    db = Database.connect(url)
    seq = Sequencer(SqlLogStore(db), NoteSigner.generate("bench.example/log")).start()
    seq.append(b"warm-up")
    barrier.wait()
    start = time.time()
    rate = threaded_appends_per_second(seq.append, writers, data)
    end = time.time()
    out.put((round(rate * (end - start)), start, end))
    seq.stop()
    db.dispose()


def processes_appends_per_second(
    url: str, processes: int, writers: int, data: list[bytes]
) -> float:
    """Total appends/s of ``processes`` processes, each with ``writers`` threads appending its
    share of ``data``, on one database."""
    ctx = multiprocessing.get_context("spawn")
    barrier, out = ctx.Barrier(processes), ctx.Queue()
    share = len(data) // processes
    children = [
        ctx.Process(
            target=_process, args=(url, writers, data[p * share : (p + 1) * share], barrier, out)
        )
        for p in range(processes)
    ]
    for child in children:
        child.start()
    results = [out.get(timeout=600) for _ in children]
    for child in children:
        child.join(60)
    total = sum(count for count, _, _ in results)
    span = max(end for _, _, end in results) - min(start for _, start, _ in results)
    return total / span
