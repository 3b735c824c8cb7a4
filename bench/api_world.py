"""The world of ``consentgate bench api``: one partner, one person with a thread of 60 messages
among four people, a grant and a bearer token; and a fresh PostgreSQL database for it.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from consentgate.config import load_settings
from consentgate.domain import Action, Capability, Category, GrantScope
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.bulk import insert_rows
from consentgate.store.migrate import upgrade
from consentgate.testing import issue_token

PURPOSE = "music.share"
PAGE = 50


def build_world(url: str, data_dir: Path) -> str:
    """A partner, a person with a 60-message thread among four people, a grant and a token."""
    db = Database.connect(url)
    upgrade(db)
    settings = load_settings(database_url=url, data_dir=data_dir, access_token_seconds=86400)
    services = Services(settings, db)
    now = datetime.now(UTC)
    services.partners.register_purpose(PURPOSE, "Share a song with a friend", "essential.service")
    services.partners.register_partner("tunes", "Tunes", "music streamer")
    fields = frozenset({"id", "thread_id", "sender_id", "body", "sent_at", "participants"})
    services.partners.sign_agreement(
        "tunes",
        (Capability(Category.MESSAGES, Action.READ, PURPOSE, fields),),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
    )
    people = [f"p-bench-{n}" for n in range(4)]
    for pid in people:
        services.people.register_person(pid.removeprefix("p-"), pid, person_id=pid)
        services.people.set_settings(
            pid,
            share_with_partners=True,
            categories=frozenset(Category),
            via_others=frozenset({Category.MESSAGES}),
        )
    with db.begin() as conn:
        insert_rows(
            conn,
            "threads",
            [{"id": 1, "subject": "bench", "created_at": now, "created_by_partner": None}],
        )
        insert_rows(conn, "thread_participants", [{"thread_id": 1, "person_id": p} for p in people])
        insert_rows(
            conn,
            "messages",
            [
                {
                    "id": n + 1,
                    "thread_id": 1,
                    "sender_id": people[n % 4],
                    "body": f"message {n}: see you at the concert tomorrow, bring the tickets",
                    "sent_at": now - timedelta(minutes=60 - n),
                    "created_by_partner": None,
                }
                for n in range(60)
            ],
        )
    scope = GrantScope(Category.MESSAGES, Action.READ, PURPOSE)
    token = issue_token(services, people[0], "tunes", frozenset({scope}), label="bench")
    db.dispose()
    return token


def postgres_database() -> tuple[str, str] | None:
    """A fresh database on the configured PostgreSQL server: (url, admin url), or None."""
    server = os.environ.get("CONSENTGATE_BENCH_POSTGRES_URL") or os.environ.get(
        "CONSENTGATE_TEST_DATABASE_URL"
    )
    if not server:
        return None
    admin = make_url(server).set(drivername="postgresql+psycopg")
    name = f"cg_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False), admin.render_as_string(
        hide_password=False
    )


def drop_database(url: str, admin: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()
