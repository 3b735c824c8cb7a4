"""Sign-in state kept in the database, so every server process sees the same: live sessions,
and the failed sign-in attempts that throttle guessing.

- ``sessions``: one row per signed-in browser session, for any kind of subject (``person`` now,
  staff accounts later), keyed by the SHA-256 of the session id the signed cookie carries. A
  cookie is honoured only while its row exists; signing out deletes the row, signing out
  everywhere deletes every row of the subject.
- ``login_throttle``: failures per account and per client address (``scope`` + ``key``) and the
  time of the last one. The rules (free attempts, backoff, cap) are the service's
  (``services/signin.py``); this module only reads and writes the counts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Connection,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from consentgate.store.tables import login_throttle, sessions


def _id_hash(session_id: str) -> str:
    """What is stored of a session id: its SHA-256, so a copy of the table opens no session."""
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


# --- sessions --------------------------------------------------------------------------------------
def insert_session(
    conn: Connection,
    session_id: str,
    subject_kind: str,
    subject_id: str,
    created_at: datetime,
    expires_at: datetime,
) -> None:
    # The subject's sessions that ran out are removed here, so the table does not grow.
    conn.execute(
        delete(sessions).where(
            sessions.c.subject_kind == subject_kind,
            sessions.c.subject_id == subject_id,
            sessions.c.expires_at <= created_at,
        )
    )
    conn.execute(
        insert(sessions).values(
            id_hash=_id_hash(session_id),
            subject_kind=subject_kind,
            subject_id=subject_id,
            created_at=created_at,
            expires_at=expires_at,
        )
    )


def session_is_live(
    conn: Connection, session_id: str, subject_kind: str, subject_id: str, now: datetime
) -> bool:
    """Whether the session exists, belongs to this subject, and has not run out."""
    found = conn.execute(
        select(sessions.c.id_hash).where(
            sessions.c.id_hash == _id_hash(session_id),
            sessions.c.subject_kind == subject_kind,
            sessions.c.subject_id == subject_id,
            sessions.c.expires_at > now,
        )
    ).first()
    return found is not None


def delete_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.id_hash == _id_hash(session_id)))


def delete_sessions_of(conn: Connection, subject_kind: str, subject_id: str) -> int:
    """Remove every session of a subject; how many there were."""
    done = conn.execute(
        delete(sessions).where(
            sessions.c.subject_kind == subject_kind, sessions.c.subject_id == subject_id
        )
    )
    return int(done.rowcount)


# --- login throttle --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Failures:
    """The failed attempts counted for one account or one client address."""

    count: int
    last_at: datetime


def lock_failures(conn: Connection, scope: str, key: str, now: datetime) -> Failures:
    """The counted failures of ``(scope, key)`` (none yet: a zero count is inserted), with the
    row locked until the transaction ends: ``FOR UPDATE`` on PostgreSQL, where two first
    attempts at once both try the insert and the second waits for the first, then reads its
    count; SQLite write transactions hold the whole database anyway. Lock keys in one order
    (account, then address) so two attempts never wait for each other in a cycle."""
    query = (
        select(login_throttle.c.failures, login_throttle.c.last_failure_at)
        .where(login_throttle.c.scope == scope, login_throttle.c.key == key)
        .with_for_update()
    )
    row = conn.execute(query).first()
    if row is None:
        try:
            with conn.begin_nested():
                conn.execute(
                    insert(login_throttle).values(
                        scope=scope, key=key, failures=0, last_failure_at=now
                    )
                )
        except SQLIntegrityError:
            pass  # another attempt inserted it first: read (and wait for) its count below
        row = conn.execute(query).one()
    return Failures(int(row.failures), row.last_failure_at)


def put_failures(conn: Connection, scope: str, key: str, failures: Failures) -> None:
    """Store the count of a row locked by :func:`lock_failures`."""
    conn.execute(
        update(login_throttle)
        .where(login_throttle.c.scope == scope, login_throttle.c.key == key)
        .values(failures=failures.count, last_failure_at=failures.last_at)
    )


def uncount_one(conn: Connection, scope: str, key: str) -> None:
    """Take one attempt back off the count (it succeeded)."""
    conn.execute(
        update(login_throttle)
        .where(
            login_throttle.c.scope == scope,
            login_throttle.c.key == key,
            login_throttle.c.failures > 0,
        )
        .values(failures=login_throttle.c.failures - 1)
    )


def forget_failures(conn: Connection, scope: str, key: str) -> None:
    conn.execute(
        delete(login_throttle).where(login_throttle.c.scope == scope, login_throttle.c.key == key)
    )


def purge_failures(conn: Connection, before: datetime) -> None:
    """Remove counts whose last failure is older than ``before`` (they no longer count)."""
    conn.execute(delete(login_throttle).where(login_throttle.c.last_failure_at < before))
