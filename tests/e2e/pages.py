"""What the end-to-end suites share: the served app, and a person's browser that keeps cookies,
follows no redirect on its own and reads the real HTML forms."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import parse_qs, quote, urljoin, urlsplit

import requests
from fastapi import FastAPI

from consentgate.services.wiring import Running, Services
from consentgate.web.state import state_of


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

    A suite's subclass names its people's passwords, where signing in leads when no ``next`` is
    given (``None``: the login page's own default) and how long one request may take.
    """

    passwords: ClassVar[Mapping[str, str]] = {}
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
        page = self.get("/login" + ("?next=" + quote(target, safe="") if target else ""))
        assert page.status_code == 200
        return self.post(
            "/login",
            {
                "csrf_token": field(page.text, "csrf_token"),
                "next": field(page.text, "next"),
                "handle": handle,
                "password": self.passwords[handle],
            },
        )
