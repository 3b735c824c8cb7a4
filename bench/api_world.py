"""The world of ``consentgate bench api``: one partner, one person with a thread of 60 messages
among four people, a grant and a bearer token; and a fresh PostgreSQL database for it.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from consentgate.config import load_settings
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.testing import MUSIC_SHARE, seed_music_thread

PURPOSE = MUSIC_SHARE
PAGE = 50


def build_world(url: str, data_dir: Path) -> str:
    """A partner, a person with a 60-message thread among four people, a grant and a token."""
    db = Database.connect(url)
    upgrade(db)
    settings = load_settings(database_url=url, data_dir=data_dir, access_token_seconds=86400)
    people = [f"p-bench-{n}" for n in range(4)]
    token = seed_music_thread(Services(settings, db), people, messages=60, label="bench")
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
