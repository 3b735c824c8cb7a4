"""The privacy center in a real browser: Playwright for Python driving Debian's Chromium.

One server for the session (uvicorn on 127.0.0.1) on a migrated SQLite file holding the demo
population (``consentgate demo seed``), and one browser for the session; each test opens its own
browser context (cookies, JavaScript on or off). Helpers:

* :func:`sign_in` — a page signed in as a demo person;
* :func:`partner_token` — the person allows a partner on the real consent screen, and the partner
  redeems the code (RFC 6749 §4.1 with PKCE) for a token;
* :func:`assert_accessible` — axe-core (through axe-playwright-python) finds no serious or critical
  violation;
* :func:`screenshot` — the page at 1280 and 390 px wide, saved to ``CONSENTGATE_SCREENSHOT_DIR``
  (default: a folder under pytest's temporary directory), which CI prints at the end.

The browser build Playwright would download is not used: Debian's Chromium is
(``CONSENTGATE_CHROMIUM``, default ``/usr/bin/chromium``), installed by ``.ci/run``.
"""

from __future__ import annotations

import os
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from tests.e2e.pages import World, authorization_request, demo_site, partner_client

from consentgate.api.app import create_app
from consentgate.demo.clients import register_demo_clients
from consentgate.demo.people import DEMO_PEOPLE
from consentgate.services.wiring import Services
from consentgate.testing import serving

CHROMIUM = os.environ.get("CONSENTGATE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PASSWORDS = {handle: password for handle, password, *_ in DEMO_PEOPLE}
#: The test's own OAuth client for the music partner; redirects to the app's /demo/callback.
CLIENT_ID, CLIENT_SECRET = "tunes-browser", "tunes-browser-secret-0123456789"
#: What the music partner asks for in the tests: alice's friend list, to share a song.
FRIENDS = [
    {
        "type": "consentgate_access",
        "categories": ["friends"],
        "actions": ["read"],
        "purpose": "music.share",
    }
]
WIDTHS = (1280, 390)
#: axe-core impacts that fail a page.
BLOCKING = {"serious", "critical"}


@dataclass
class Demo(World):
    """The served demo (see :class:`World`), and the log reference of any of its people."""

    def person_ref(self, person_id: str) -> str:
        return self.running.person_ref(person_id)

    def partner(self) -> OAuth2Session:
        """The music partner's OAuth client for these tests, redirecting to /demo/callback."""
        return partner_client(CLIENT_ID, CLIENT_SECRET, self.url("/demo/callback"))


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root: Path = tmp_path_factory.mktemp("browser-demo")
    settings, db = demo_site(
        root,
        "browser.example",
        people=20,
        seed=1,
        as_of=datetime.now(UTC),
        checkpoint_interval_seconds=0.5,
    )
    services = Services(settings, db)
    register_demo_clients(services)
    app = create_app(settings, services)
    with serving(app) as base:
        services.clients.register_known_client(
            "tunes",
            CLIENT_ID,
            CLIENT_SECRET,
            "Tunes Music (browser tests)",
            [base + "/demo/callback"],
        )
        yield Demo(base, services, app)
    db.dispose()


# Package scope, not session: Playwright's sync API keeps an asyncio loop running in the main
# thread while it is open, and later tests that call ``asyncio.run`` (the sequencer's async
# callers) would fail. The browser and its demo server end with this package's tests.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"CI must install Debian's chromium ({CHROMIUM}) for the browser tests")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: ``CONSENTGATE_SCREENSHOT_DIR``, or a folder of pytest's tmp dir."""
    chosen = os.environ.get("CONSENTGATE_SCREENSHOT_DIR")
    folder = Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


Contexts = Callable[..., BrowserContext]
#: Contexts opened with JavaScript off: axe-core, itself a script, cannot run in them.
_NO_SCRIPT: weakref.WeakSet[BrowserContext] = weakref.WeakSet()


@pytest.fixture
def new_context(browser: Browser, demo: Demo) -> Iterator[Contexts]:
    """Open browser contexts (a fresh profile each: no cookies), closed after the test."""
    opened: list[BrowserContext] = []

    def open_context(*, javascript: bool = True) -> BrowserContext:
        context = browser.new_context(
            base_url=demo.base,
            java_script_enabled=javascript,
            viewport={"width": WIDTHS[0], "height": 900},
            locale="en-GB",
        )
        context.set_default_timeout(10_000)
        if not javascript:
            _NO_SCRIPT.add(context)
        opened.append(context)
        return context

    yield open_context
    for context in opened:
        context.close()


def sign_in(context: BrowserContext, handle: str, next_path: str = "/me") -> Page:
    """A page of ``context`` signed in as demo person ``handle``, on ``next_path``."""
    page = context.new_page()
    page.goto("/login?next=" + next_path)
    page.fill("input[name=handle]", handle)
    page.fill("input[name=password]", PASSWORDS[handle])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


@pytest.fixture
def signed_in(new_context: Contexts) -> Callable[..., Page]:
    """``signed_in("alice", javascript=False)``: a fresh signed-in page."""

    def open_page(handle: str, *, javascript: bool = True, next_path: str = "/me") -> Page:
        return sign_in(new_context(javascript=javascript), handle, next_path)

    return open_page


@dataclass
class PartnerClient:
    """The music partner, holding a person's access token."""

    demo: Demo
    token: str

    def get(self, path: str, **params: str) -> requests.Response:
        return requests.get(
            self.demo.url(path),
            params=params,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
        )


def partner_token(demo: Demo, page: Page, details: Any = FRIENDS) -> PartnerClient:
    """The signed-in person on ``page`` allows the music partner on the consent screen; the
    partner redeems the code for an access token."""
    client = demo.partner()
    auth = authorization_request(demo, client, details)
    page.goto(auth.url)
    page.click("button[value=allow]")
    page.wait_for_url("**/demo/callback?**")
    token = client.fetch_token(
        demo.url("/oauth/token"), authorization_response=page.url, code_verifier=auth.verifier
    )
    return PartnerClient(demo, str(token["access_token"]))


def assert_accessible(page: Page) -> None:
    """axe-core finds no serious or critical violation on the page as it is now."""
    if page.context in _NO_SCRIPT:
        raise ValueError("axe-core runs as a script: check pages with JavaScript on")
    results = Axe().run(page)
    violations = [v for v in results.response["violations"] if v.get("impact") in BLOCKING]
    report = "\n".join(
        f"{v['impact']}: {v['id']} ({v['help']}) at "
        + ", ".join(str(node["target"]) for node in v["nodes"][:3])
        for v in violations
    )
    assert not violations, f"{page.url} has accessibility violations:\n{report}"


def screenshot(page: Page, folder: Path, name: str) -> list[Path]:
    """Save the whole page at each width in :data:`WIDTHS`; return the files."""
    saved = []
    original = page.viewport_size
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        path = folder / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    if original is not None:
        page.set_viewport_size(original)
    return saved
