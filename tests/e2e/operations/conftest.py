"""A real server (uvicorn on 127.0.0.1) with one partner reading one person's thread: for the
operations endpoints, the request id and the metrics. The same world on a SQLite file for the
tests that start ``consentgate serve`` themselves, and how they wait for it to be ready."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from tests.e2e.pages import World

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.testing import MUSIC_SHARE, seed_music_thread, serving

PURPOSE = MUSIC_SHARE


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
    return seed_music_thread(services, ["p-ana", "p-ben"], messages=8, label="ops")


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
