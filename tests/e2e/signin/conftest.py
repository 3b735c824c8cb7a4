"""Two consentgate servers (uvicorn on 127.0.0.1) on one SQLite database, as two worker processes
of one deployment would be, sharing a clock the test moves by hand. Sign-in goes through a
``PersonLogin`` that counts password checks, so a test can tell a refusal that cost no argon2."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.domain import Person
from consentgate.services.people import PeopleService
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.testing import FrozenClock, serving

PASSWORDS = {"dana": "dana-test-pass", "erin": "erin-test-pass"}


@dataclass
class CountingLogin:
    """The built-in login, counting how often a password is really checked."""

    people: PeopleService
    checks: int = 0

    def authenticate(self, handle: str, password: str) -> Person | None:
        self.checks += 1
        return self.people.authenticate(handle, password)


@dataclass
class Deployment:
    bases: tuple[str, str]
    clock: FrozenClock
    login: CountingLogin
    services: Services
    browsers: list[requests.Session] = field(default_factory=list)

    def csrf(self, http: requests.Session, base: str, path: str = "/login") -> str:
        page = http.get(base + path, timeout=10)
        found = re.search(r'name="csrf_token" value="([^"]*)"', page.text)
        assert found, page.text
        return html.unescape(found.group(1))

    def try_password(
        self, http: requests.Session, handle: str, password: str, server: int = 0
    ) -> requests.Response:
        base = self.bases[server]
        return http.post(
            base + "/login",
            data={
                "csrf_token": self.csrf(http, base),
                "handle": handle,
                "password": password,
                "next": "/",
            },
            allow_redirects=False,
            timeout=10,
        )

    def signed_in(self, handle: str, server: int = 0) -> requests.Session:
        http = requests.Session()
        answer = self.try_password(http, handle, PASSWORDS[handle], server)
        assert answer.status_code == 303, answer.text
        return http


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    url = f"sqlite:///{tmp_path / 'consentgate.db'}"
    settings = Settings(database_url=url, data_dir=tmp_path / "data", log_origin="e2e.example/log")
    clock = FrozenClock()
    databases = [Database.connect(url), Database.connect(url)]
    upgrade(databases[0])
    first, second = (Services(settings, db, clock=clock) for db in databases)
    for handle, password in PASSWORDS.items():
        first.people.register_person(
            handle, handle.title(), password=password, person_id=f"p-{handle}"
        )
    login = CountingLogin(first.people)
    apps = [create_app(settings, services, person_login=login) for services in (first, second)]
    with serving(apps[0]) as base_a, serving(apps[1]) as base_b:
        yield Deployment((base_a, base_b), clock, login, first)
    for db in databases:
        db.dispose()
