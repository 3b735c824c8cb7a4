"""What the end-to-end suites share: a migrated SQLite file holding the demo population, the
served app, a person's browser that keeps cookies, follows no redirect on its own and reads the
real HTML forms, and a partner's OAuth client starting the authorization code flow."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from fastapi import FastAPI

from consentgate.config import Settings
from consentgate.demo.seed import seed_demo
from consentgate.services.wiring import Running, Services
from consentgate.store import Database
from consentgate.store.migrate import upgrade
from consentgate.web.state import state_of


def demo_site(
    root: Path, origin: str, *, people: int, seed: int, as_of: datetime, **options: Any
) -> tuple[Settings, Database]:
    """A migrated SQLite file under ``root`` holding ``people`` demo people (``consentgate demo
    seed`` with ``seed``, dated ``as_of``), and the settings that serve it: data under
    ``root/data``, the log named ``origin/log``, and any other ``options`` of :class:`Settings`."""
    url = f"sqlite:///{root / 'consentgate.db'}"
    settings = Settings(
        database_url=url, data_dir=root / "data", log_origin=f"{origin}/log", **options
    )
    db = Database.connect(url)
    upgrade(db)
    seed_demo(db, people=people, seed=seed, as_of=as_of)
    return settings, db


@dataclass
class World:
    """The served app: its base URL, its services (to look behind the pages) and the app."""

    base: str
    services: Services
    app: FastAPI

    @property
    def running(self) -> Running:
        """The served app's running parts (its log, its decision index)."""
        return state_of(self.app).lifecycle.running

    def url(self, path: str) -> str:
        return self.base + path


def field(page: str, name: str) -> str:
    """The value of the first hidden input ``name`` in an HTML page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert found, f"no hidden field {name}"
    return html.unescape(found.group(1))


def form_action(page: str) -> str:
    """Where the page's (first) POST form goes."""
    found = re.search(r'<form method="post" action="([^"]*)"', page)
    assert found, "no form"
    return html.unescape(found.group(1))


def query(location: str) -> dict[str, str]:
    """A redirect Location's query parameters (the first value of each)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class Browser:
    """A person's browser: keeps cookies, never follows redirects on its own.

    A suite's subclass names its people's passwords, its sign-in page, where signing in leads when
    no ``next`` is given (``None``: the login page's own default) and how long one request may
    take.
    """

    passwords: ClassVar[Mapping[str, str]] = {}
    login_path: ClassVar[str] = "/login"
    default_next: ClassVar[str | None] = None
    timeout: ClassVar[float] = 10

    def __init__(self, world: World) -> None:
        self.world = world
        self.http = requests.Session()

    def get(self, url: str) -> requests.Response:
        return self.http.get(
            urljoin(self.world.base, url), allow_redirects=False, timeout=self.timeout
        )

    def post(self, url: str, data: dict[str, str] | list[tuple[str, str]]) -> requests.Response:
        return self.http.post(
            urljoin(self.world.base, url), data=data, allow_redirects=False, timeout=self.timeout
        )

    def sign_in(self, handle: str, next_url: str | None = None) -> requests.Response:
        """Post the login form as ``handle``, with the form's own CSRF token and ``next``."""
        target = self.default_next if next_url is None else next_url
        page = self.get(self.login_path + ("?next=" + quote(target, safe="") if target else ""))
        assert page.status_code == 200, page.text
        return self.post(
            self.login_path,
            {
                "csrf_token": field(page.text, "csrf_token"),
                "next": field(page.text, "next"),
                "handle": handle,
                "password": self.passwords[handle],
            },
        )


def partner_client(client_id: str, secret: str, redirect_uri: str) -> OAuth2Session:
    """A partner's OAuth client: confidential, PKCE S256 (RFC 7636), HTTP Basic client
    authentication (RFC 6749 §2.3.1)."""
    return OAuth2Session(
        client_id,
        secret,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )


@dataclass
class Authorization:
    """An authorization request: where the partner sends the person, its PKCE verifier and state."""

    url: str
    verifier: str
    state: str


def authorization_request(
    world: World, client: OAuth2Session, details: Any, **params: str
) -> Authorization:
    """The authorization request URL the partner sends the person to (RFC 6749 §4.1.1), with a
    fresh PKCE verifier and, unless ``details`` is None, its authorization details (RFC 9396)."""
    verifier = generate_token(48)
    extra: dict[str, str] = dict(params)
    if details is not None:
        extra["authorization_details"] = json.dumps(details)
    url, state = client.create_authorization_url(
        world.url("/oauth/authorize"), code_verifier=verifier, **extra
    )
    return Authorization(url, verifier, str(state))
