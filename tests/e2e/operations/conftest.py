"""A real server (uvicorn on 127.0.0.1) with one partner reading one person's thread: for the
operations endpoints, the request id and the metrics. The same world on a SQLite file for the
tests that start ``consentgate serve`` themselves, and how they wait for it to be ready."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from tests.e2e.pages import World

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.domain import Action, Capability, Category, GrantScope
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.bulk import insert_rows
from consentgate.store.migrate import upgrade
from consentgate.testing import issue_token, serving

PURPOSE = "music.share"


@dataclass
class Served(World):
    """The served app (see :class:`World`) and Ana's access token for Tunes."""

    token: str

    @property
    def thread(self) -> str:
        return f"{self.base}/v1/threads/1/messages?purpose={PURPOSE}&limit=5"

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def seed(services: Services) -> str:
    """Tunes may read messages for music.share; Ana and Ben share a thread of 8 messages; Ana
    granted Tunes. Returns Ana's access token for Tunes."""
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
    for pid in ("p-ana", "p-ben"):
        services.people.register_person(pid.removeprefix("p-"), pid, person_id=pid)
        services.people.set_settings(
            pid,
            share_with_partners=True,
            categories=frozenset(Category),
            via_others=frozenset({Category.MESSAGES}),
        )
    with services.db.begin() as conn:
        insert_rows(
            conn,
            "threads",
            [{"id": 1, "subject": "gig", "created_at": now, "created_by_partner": None}],
        )
        insert_rows(
            conn,
            "thread_participants",
            [{"thread_id": 1, "person_id": p} for p in ("p-ana", "p-ben")],
        )
        insert_rows(
            conn,
            "messages",
            [
                {
                    "id": n + 1,
                    "thread_id": 1,
                    "sender_id": ("p-ana", "p-ben")[n % 2],
                    "body": f"message {n}",
                    "sent_at": now - timedelta(minutes=10 - n),
                    "created_by_partner": None,
                }
                for n in range(8)
            ],
        )
    scope = GrantScope(Category.MESSAGES, Action.READ, PURPOSE)
    return issue_token(services, "p-ana", "tunes", frozenset({scope}), label="ops")


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[Served]:
    settings = Settings(database_url=database_url, data_dir=tmp_path, log_origin="ops.example/log")
    services = Services(settings, Database.connect(database_url))
    token = seed(services)
    app = create_app(settings, services)
    with serving(app) as base:
        yield Served(base, services, app, token)
    services.db.dispose()


def seeded_file(folder: Path) -> tuple[str, str]:
    """A migrated SQLite file in ``folder`` holding :func:`seed`'s world: (its URL, Ana's token)."""
    url = f"sqlite:///{folder / 'consentgate.db'}"
    db = Database.connect(url)
    upgrade(db)
    token = seed(Services(Settings(database_url=url, data_dir=folder), db))
    db.dispose()
    return url, token


def wait_until_ready(base: str, within: float) -> None:
    """Poll ``/readyz`` until the server at ``base`` answers 200, for ``within`` seconds at most."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("the server did not become ready")
