"""Real ``consentgate serve`` processes on one database, for the tests of many processes: each is
its own operating-system process on its own port of 127.0.0.1, started the way an operator would,
so it can be addressed alone, killed with ``kill -9`` and replaced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from consentgate.config import Settings
from consentgate.domain import Action, Capability, Category, GrantScope, Quota
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.testing import free_port, issue_token

#: The installed command, beside the interpreter running the tests (the .venv).
EXE = str(Path(sys.executable).parent / "consentgate")
PURPOSE = "profile.show"
SCOPE = GrantScope(Category.PROFILE, Action.READ, PURPOSE)
ORIGIN = "multiproc.example/log"


@dataclass
class Server:
    """One ``consentgate serve`` process (``workers`` processes behind one port)."""

    database_url: str
    data_dir: Path
    workers: int = 1
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        self.port = free_port()
        env = {
            **os.environ,
            "CONSENTGATE_DATABASE_URL": self.database_url,
            "CONSENTGATE_DATA_DIR": str(self.data_dir),
            "CONSENTGATE_LOG_ORIGIN": ORIGIN,
            "CONSENTGATE_ADMIN_TOKEN": "multiproc-admin-token",
            "CONSENTGATE_EXPIRY_SWEEP_SECONDS": "3600",
            **self.env,
        }
        log = (self.data_dir / f"server-{self.port}.log").open("wb")
        self.process = subprocess.Popen(
            [EXE, "serve", "--port", str(self.port), "--workers", str(self.workers)],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with all its workers
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server stopped: {self.output()}")
            try:
                if httpx.get(self.base + "/log/checkpoint", timeout=2).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the server did not start in time: {self.output()}")

    def output(self) -> str:
        return (self.data_dir / f"server-{self.port}.log").read_text(errors="replace")[-4000:]

    def kill(self) -> None:
        """``kill -9`` every process of this server at once: no shutdown, no cleanup."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()


@contextmanager
def two_servers(url: str, data_dir: Path) -> Iterator[tuple[Server, Server]]:
    """Two server processes on one database, started one after the other; stopped after."""
    a, b = Server(url, data_dir).start(), Server(url, data_dir)
    try:
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()


@dataclass(frozen=True)
class World:
    """A partner (``tunes``) with an agreement for people's profiles, and its database."""

    settings: Settings
    services: Services


def make_world(database_url: str, data_dir: Path, *, quota: Quota | None = None) -> World:
    settings = Settings(database_url=database_url, data_dir=data_dir, log_origin=ORIGIN)
    db = Database.connect(database_url)
    upgrade(db)
    services = Services(settings, db)
    now = datetime.now(UTC)
    services.partners.register_purpose(PURPOSE, "Show your profile", "essential.service")
    services.partners.register_partner("tunes", "Tunes Music", "music streamer")
    services.partners.sign_agreement(
        "tunes",
        (Capability(Category.PROFILE, Action.READ, PURPOSE, frozenset({"id"}), quota=quota),),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=30),
    )
    return World(settings, services)


def add_person(world: World, number: int) -> tuple[str, str]:
    """Person ``number``, sharing everything, with a grant to ``tunes`` and its access token."""
    person_id = f"p-{number}"
    world.services.people.register_person(
        f"person{number}", f"Person {number}", person_id=person_id
    )
    world.services.people.set_settings(
        person_id,
        share_with_partners=True,
        categories=frozenset(Category),
        via_others=frozenset(Category),
    )
    token = issue_token(world.services, person_id, "tunes", frozenset({SCOPE}), label=f"t{number}")
    return person_id, token


def read_profile(base: str, token: str) -> httpx.Response:
    """The partner reads a profile, on a connection of its own (no keep-alive)."""
    with httpx.Client(timeout=30) as client:
        return client.get(
            f"{base}/v1/profile",
            params={"purpose": PURPOSE},
            headers={"Authorization": f"Bearer {token}"},
        )
