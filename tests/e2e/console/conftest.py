"""A real consentgate server (uvicorn on 127.0.0.1) on a migrated SQLite file holding a small demo
population, two staff accounts (an admin and an auditor) and a clock the test moves by hand.
A fresh server per test module.

:class:`Staff` is a staff member's browser on the console: it keeps cookies, follows no redirect
on its own and posts the real forms with their CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import ClassVar

import pytest
import requests
from tests.e2e.pages import Browser, World, demo_site, field

from consentgate.api.app import create_app
from consentgate.domain.staff import Role
from consentgate.services.wiring import Services
from consentgate.testing import FrozenClock, serving

PASSWORDS = {"adam": "adam-test-pass", "audra": "audra-test-pass", "ava": "ava-test-pass"}
ROLES = {"adam": Role.ADMIN, "audra": Role.AUDITOR, "ava": Role.AUDITOR}
ADMIN_TOKEN = "console-tests-admin-token-0123456789"


@dataclass
class Console(World):
    """The served app, its frozen clock and the admin token."""

    clock: FrozenClock

    def admin(self, method: str, path: str, token: str, **kwargs: object) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"}
        return requests.request(method, self.url(path), headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


class Staff(Browser):
    """A staff member's browser on the console."""

    passwords: ClassVar[dict[str, str]] = PASSWORDS
    login_path = "/console/login"
    default_next = "/console/partners"

    def form(self, page_path: str, action: str, **fields: str) -> requests.Response:
        """Open ``page_path`` and post to ``action`` with that page's CSRF token."""
        page = self.get(page_path)
        assert page.status_code == 200, page.text
        return self.post(action, {"csrf_token": field(page.text, "csrf_token"), **fields})


@pytest.fixture(scope="module")
def console(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    root: Path = tmp_path_factory.mktemp("console")
    clock = FrozenClock()
    settings, db = demo_site(
        root,
        "console.example",
        people=30,
        seed=3,
        as_of=clock.now - timedelta(days=1),
        admin_token=ADMIN_TOKEN,
    )
    services = Services(settings, db, clock=clock)
    for handle, password in PASSWORDS.items():
        services.staff.create(handle, ROLES[handle], password)
    app = create_app(settings, services)
    with serving(app) as base:
        yield Console(base, services, app, clock)
    db.dispose()


OpenStaff = Callable[[str], Staff]


@pytest.fixture
def staff(console: Console) -> Iterator[OpenStaff]:
    """``staff("audra")``: a signed-in staff browser."""
    opened: list[Staff] = []

    def open_browser(handle: str) -> Staff:
        browser = Staff(console)
        answer = browser.sign_in(handle)
        assert answer.status_code == 303, answer.text
        opened.append(browser)
        return browser

    yield open_browser
    for browser in opened:
        browser.http.close()
