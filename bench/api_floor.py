"""The floor of ``consentgate bench api``: a minimal Starlette app with the raw database driver.

It serves the same 50 messages for the same bearer token as the governed endpoint
(``GET /v1/threads/{id}/messages``), reading the product's own tables with ``sqlite3`` or
``psycopg`` and no ORM, framework dependencies, decision or obligations, on the fastest server
settings available (an async endpoint on uvloop + httptools, orjson, no access log).

Two variants, chosen with ``--durable``:

* **read-only** (the issue's floor): check the token, fetch the messages, answer;
* **durable**: the same, plus one row per request appended to a table and committed (synced:
  SQLite ``synchronous=FULL``, PostgreSQL's default ``synchronous_commit``) before the answer, with
  group commit — a writer thread commits every row queued while the last commit ran, and each
  request waits for the commit holding its row. That is the guarantee the product gives (its log
  entry is durable before data leaves), done the cheapest way a minimal app can.

Run by ``bench/api.py``; ``prepare`` creates the durable variant's table before any worker starts.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import os
import queue
import sqlite3
import threading
from datetime import UTC, datetime
from typing import Any

import orjson
import psycopg
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

BY_HASH = (
    "SELECT person_id FROM oauth_tokens WHERE access_token_hash = ? AND revoked_at IS NULL"
    " AND access_expires_at > ?"
)
MESSAGES = (
    "SELECT id, thread_id, sender_id, body, sent_at FROM messages WHERE thread_id = ?"
    " AND thread_id IN (SELECT thread_id FROM thread_participants WHERE person_id = ?)"
    " ORDER BY sent_at, id LIMIT ? OFFSET ?"
)
PARTICIPANTS = "SELECT person_id FROM thread_participants WHERE thread_id = ? ORDER BY person_id"
INSERT = "INSERT INTO floor_log (entry) VALUES (?)"
_TABLE = {
    "sqlite": "CREATE TABLE IF NOT EXISTS floor_log (id INTEGER PRIMARY KEY, entry TEXT NOT NULL)",
    "postgresql": "CREATE TABLE IF NOT EXISTS floor_log (id BIGSERIAL PRIMARY KEY, entry TEXT NOT NULL)",
}


def _connect(url: str) -> Any:
    """A raw connection: ``sqlite:///path`` (WAL, synced commits) or a PostgreSQL URL."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(
            url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
        )
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True)


def _sql(conn: Any, query: str) -> str:
    return query if isinstance(conn, sqlite3.Connection) else query.replace("?", "%s")


def prepare(url: str) -> None:
    """Create the durable variant's table (once, before the workers start)."""
    conn = _connect(url)
    conn.execute(_TABLE["sqlite" if isinstance(conn, sqlite3.Connection) else "postgresql"])
    conn.close()


class GroupCommit:
    """One writer thread: commits every queued row in one transaction, then wakes their requests."""

    def __init__(self, url: str, loop: asyncio.AbstractEventLoop) -> None:
        self.conn = _connect(url)
        self.loop = loop
        self.queue: queue.SimpleQueue[tuple[bytes, asyncio.Future[None]]] = queue.SimpleQueue()
        threading.Thread(target=self._run, daemon=True).start()

    async def append(self, entry: bytes) -> None:
        done: asyncio.Future[None] = self.loop.create_future()
        self.queue.put((entry, done))
        await done

    def _run(self) -> None:
        insert = _sql(self.conn, INSERT)
        while True:
            batch = [self.queue.get()]
            while not self.queue.empty():
                batch.append(self.queue.get_nowait())
            cur = self.conn.cursor()
            cur.execute("BEGIN")
            cur.executemany(insert, [(entry.decode(),) for entry, _ in batch])
            cur.execute("COMMIT")
            self.loop.call_soon_threadsafe(_wake, [done for _, done in batch])


def _wake(futures: list[asyncio.Future[None]]) -> None:
    for done in futures:
        if not done.done():
            done.set_result(None)


def create() -> Starlette:
    """The app, configured by ``FLOOR_DATABASE_URL`` and ``FLOOR_DURABLE`` (set by ``main``)."""
    url = os.environ["FLOOR_DATABASE_URL"]
    durable = os.environ.get("FLOOR_DURABLE") == "1"
    conn = _connect(url)
    sqlite = isinstance(conn, sqlite3.Connection)
    token_sql, messages_sql, people_sql = (_sql(conn, q) for q in (BY_HASH, MESSAGES, PARTICIPANTS))
    writer: list[GroupCommit] = []

    async def thread_messages(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        token_hash = hashlib.sha256(header.removeprefix("Bearer ").encode()).hexdigest()
        now = datetime.now(UTC).replace(tzinfo=None)
        row = conn.execute(token_sql, (token_hash, str(now) if sqlite else now)).fetchone()
        if row is None:
            return Response(status_code=401)
        thread_id = int(request.path_params["thread_id"])
        limit = int(request.query_params.get("limit", "50"))
        rows = conn.execute(messages_sql, (thread_id, row[0], limit, 0)).fetchall()
        people = [p for (p,) in conn.execute(people_sql, (thread_id,)).fetchall()]
        records = [
            {
                "id": str(r[0]),
                "thread_id": str(r[1]),
                "sender_id": r[2],
                "body": r[3],
                "sent_at": str(r[4]),
                "participants": people,
            }
            for r in rows
        ]
        if durable:
            if not writer:
                writer.append(GroupCommit(url, asyncio.get_running_loop()))
            entry = {"time": str(now), "token": token_hash[:16], "returned": len(records)}
            await writer[0].append(orjson.dumps(entry))
        return Response(orjson.dumps({"records": records}), media_type="application/json")

    async def healthz(_request: Request) -> Response:
        return Response(b"ok")

    return Starlette(
        routes=[
            Route("/v1/threads/{thread_id:int}/messages", thread_messages),
            Route("/healthz", healthz),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--durable", action="store_true")
    args = parser.parse_args()
    os.environ["FLOOR_DATABASE_URL"] = args.database
    os.environ["FLOOR_DURABLE"] = "1" if args.durable else "0"
    uvicorn.run(
        "api_floor:create",
        factory=True,
        app_dir=os.path.dirname(os.path.abspath(__file__)),
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
