"""When the database goes away, the data API answers 503 and no data leaves without its log entry.

PostgreSQL only: the test cuts the server's connections for real (refusing new ones and ending the
open ones), then lets it back in and checks that the log still verifies.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from tests.backends import POSTGRESQL

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.domain import Action, Capability, Category, GrantScope
from consentgate.ledger.entries import decode_entry
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.bulk import insert_rows
from consentgate.store.log import SqlLogStore
from consentgate.testing import issue_token, serving

SCOPE = GrantScope(Category.FRIENDS, Action.READ, "search.social")


def _admin(url: str, sql: str) -> None:
    engine = create_engine(make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(sql))
    engine.dispose()


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str, Services, str]]:
    settings = Settings(
        database_url=database_url, data_dir=tmp_path, log_origin="outage.example/log"
    )
    services = Services(settings, Database.connect(database_url))
    now = datetime.now(UTC)
    services.partners.register_purpose("search.social", "Friends in search", "personalize.content")
    services.partners.register_partner("findit", "FindIt", "search engine")
    services.partners.sign_agreement(
        "findit",
        (
            Capability(
                Category.FRIENDS, Action.READ, "search.social", frozenset({"id", "friend_id"})
            ),
        ),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
    )
    for handle in ("alice", "bob"):
        services.people.register_person(handle, handle.title(), person_id=f"p-{handle}")
        services.people.set_settings(
            f"p-{handle}",
            share_with_partners=True,
            categories=frozenset(Category),
            via_others=frozenset(Category),
        )
    with services.db.begin() as conn:
        insert_rows(
            conn, "friendships", [{"person_id": "p-alice", "friend_id": "p-bob", "since": now}]
        )
    token = issue_token(services, "p-alice", "findit", frozenset({SCOPE}), label="outage")
    name = make_url(database_url).database
    assert name is not None
    try:
        with serving(create_app(settings, services)) as base:
            yield base, token, services, name
    finally:
        _admin(database_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


@pytest.mark.parametrize("database_url", [POSTGRESQL], indirect=True)
def test_a_database_outage_answers_503_and_nothing_leaves_unlogged(
    served: tuple[str, str, Services, str], database_url: str
) -> None:
    base, token, services, name = served
    headers = {"Authorization": f"Bearer {token}"}
    url = f"{base}/v1/friends?purpose=search.social"
    before = httpx.get(url, headers=headers, timeout=10)
    assert before.status_code == 200, before.text
    indexes = [int(before.headers["Log-Index"])]

    _admin(database_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
    _admin(
        database_url,
        f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'",  # noqa: S608 - the test's own database name
    )
    during = httpx.get(url, headers=headers, timeout=60)
    assert during.status_code == 503, during.text
    assert during.headers["content-type"].startswith("application/problem+json")
    assert "records" not in during.json()

    _admin(database_url, f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
    after = httpx.get(url, headers=headers, timeout=10)
    assert after.status_code == 200, after.text
    indexes.append(int(after.headers["Log-Index"]))
    # Every answer that carried data names an entry that is in the log, with what it returned.
    store = SqlLogStore(services.db)
    stored = dict(store.entries(0, store.committed_size()))
    for index in indexes:
        assert decode_entry(stored[index]).type == "access"
