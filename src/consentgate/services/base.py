"""What every service shares: the database, the clock, id minting, lookups by id and change
notification."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Protocol, TypeVar, Unpack

from sqlalchemy import Connection

from consentgate.domain.clock import Clock
from consentgate.errors import NotFound
from consentgate.policy.finding_facts import Thresholds
from consentgate.store import Database
from consentgate.store.changes import Change, ChangeRefs, append_change

T = TypeVar("T")


def new_id(prefix: str) -> str:
    """A fresh identifier such as ``grant_3f9c…``: unguessable, readable in logs."""
    return f"{prefix}_{secrets.token_hex(10)}"


def existing(what: str, key: str, found: T | None) -> T:
    """``found``, the ``what`` looked up by ``key``; :class:`NotFound` (404) naming both when
    the lookup found nothing, in the one wording every service uses ("unknown partner 'p1'")."""
    if found is None:
        raise NotFound(f"unknown {what} {key!r}")
    return found


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

    def lookup(self, what: str, key: str, find: Callable[[Connection, str], T | None]) -> T:
        """The ``what`` that ``find`` reads by ``key`` in a read transaction, or
        :class:`NotFound` (see :func:`existing`)."""
        with self.db.read() as conn:
            found = find(conn, key)
        return existing(what, key, found)


class FindingRulesService(Service):
    """Base of the services that apply the findings rules (:mod:`consentgate.policy.findings`):
    both read the same ``thresholds`` (default: the documented ones)."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        listeners: list[ChangeListener],
        thresholds: Thresholds | None = None,
    ) -> None:
        super().__init__(db, clock, listeners)
        self.thresholds = thresholds or Thresholds()


class _Write:
    def __init__(self, conn: Connection, pending: list[Change]) -> None:
        self.conn = conn
        self._pending = pending

    def note(self, kind: str, at: datetime, **refs: Unpack[ChangeRefs]) -> None:
        """Append to the change feed in this transaction (see
        :func:`~consentgate.store.changes.append_change`)."""
        self._pending.append(append_change(self.conn, kind, at, **refs))
