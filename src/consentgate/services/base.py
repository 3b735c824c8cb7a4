"""What every service shares: the database, the clock, id minting and change notification."""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol

from sqlalchemy import Connection

from consentgate.domain.clock import Clock
from consentgate.store import Database
from consentgate.store.changes import Change, append_change


def new_id(prefix: str) -> str:
    """A fresh identifier such as ``grant_3f9c…``: unguessable, readable in logs."""
    return f"{prefix}_{secrets.token_hex(10)}"


class ChangeListener(Protocol):
    """Told about every committed write that can change a decision, in commit order: once per
    transaction, with all of its changes (so a suspension that revokes many grants is one call)."""

    def apply_changes(self, changes: Iterable[Change]) -> None: ...


class ChangeKind:
    """The kinds of rows in the change feed."""

    PARTNER = "partner"
    AGREEMENT = "agreement"
    PURPOSE = "purpose"
    SETTINGS = "settings"
    PERSON = "person"
    GRANT = "grant"
    OBLIGATION = "obligation"
    FINDING = "finding"
    CERTIFICATION = "certification"


class Service:
    """Base of the services: a write opens a transaction, collects changes, notifies after commit."""

    def __init__(self, db: Database, clock: Clock, listeners: list[ChangeListener]) -> None:
        self.db = db
        self.clock = clock
        self.listeners = listeners

    @contextmanager
    def write(self) -> Iterator[_Write]:
        """A write transaction. Changes noted on it reach listeners only once it has committed."""
        pending: list[Change] = []
        with self.db.begin() as conn:
            yield _Write(conn, pending)
        if pending:
            for listener in self.listeners:
                listener.apply_changes(pending)


class _Write:
    def __init__(self, conn: Connection, pending: list[Change]) -> None:
        self.conn = conn
        self._pending = pending

    def note(
        self,
        kind: str,
        at: datetime,
        *,
        person_id: str | None = None,
        partner_id: str | None = None,
        ref_id: str | None = None,
    ) -> None:
        """Append to the change feed in this transaction."""
        change = append_change(
            self.conn, kind, at, person_id=person_id, partner_id=partner_id, ref_id=ref_id
        )
        self._pending.append(change)
