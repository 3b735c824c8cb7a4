"""The data API's hot reads on the raw path (store.raw) give what the SQLAlchemy path gives, and
a connection that fails is an error once, never a wrong answer (real SQLite, and PostgreSQL when
set)."""

from __future__ import annotations

import pytest

from consentgate.domain import Action, Category, GrantScope
from consentgate.errors import Unavailable
from consentgate.services.tokens import token_hash
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store import oauth as oauth_rows
from consentgate.store.records import StoreDataSource, _messages
from consentgate.testing import issue_token

from .conftest import MUSIC


@pytest.mark.parametrize(("limit", "offset"), [(50, 0), (2, 1), (1, 5), (100, 100)])
@pytest.mark.parametrize("person", ["p-alice", "p-bob", "p-carol", "p-nobody"])
def test_a_thread_page_is_the_same_on_both_paths(
    world: Services, person: str, limit: int, offset: int
) -> None:
    source = StoreDataSource(world.db)
    for thread in (1, 2, 3):
        raw = source.fetch(person, Category.MESSAGES, thread_id=thread, limit=limit, offset=offset)
        with world.db.read() as conn:
            core = _messages(conn, person, thread, limit, offset)
        assert raw == core
        assert all(r.created_at.tzinfo is not None for r in raw)


def test_a_token_row_is_the_same_on_both_paths(world: Services) -> None:
    scope = GrantScope(Category.MESSAGES, Action.READ, MUSIC)
    hashed = token_hash(issue_token(world, "p-alice", "tunes", frozenset({scope}), label="raw"))
    with world.db.read() as conn:
        core = oauth_rows.token_by_access_hash(conn, hashed)
    lookup = oauth_rows.TokenLookup(world.db)
    assert core is not None
    assert core.access_expires_at.tzinfo is not None
    assert lookup.by_access_hash(hashed) == core
    assert lookup.by_access_hash(token_hash("not a token")) is None


def test_a_failed_connection_is_unavailable_once_then_replaced(world: Services) -> None:
    source = StoreDataSource(world.db)
    expected = source.fetch("p-alice", Category.MESSAGES, thread_id=1)
    assert expected
    for conn in world.db.raw._idle:  # the database went away under the kept connections
        conn.close()
    with pytest.raises(Unavailable):
        source.fetch("p-alice", Category.MESSAGES, thread_id=1)
    # Every kept connection failed the same way; each is dropped when it fails.
    for _ in range(len(world.db.raw._idle)):
        with pytest.raises(Unavailable):
            source.fetch("p-alice", Category.MESSAGES, thread_id=1)
    assert source.fetch("p-alice", Category.MESSAGES, thread_id=1) == expected


def test_a_database_that_cannot_be_reached_is_unavailable() -> None:
    # Nothing listens on port 1: the raw path's own connect fails, as during a restart.
    db = Database.connect("postgresql+psycopg://consentgate@127.0.0.1:1/none?connect_timeout=2")
    try:
        with pytest.raises(Unavailable), db.raw.snapshot():
            pass
    finally:
        db.dispose()
