"""Every page carries a strict Content-Security-Policy and refuses framing; every response
carries ``nosniff`` and a referrer policy; pages need no inline script or style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.testing import serving

from .flow import Browser, World, consent_page, partner, start

PAGES = ["/", "/login", "/login?next=/x", "/demo/callback?code=abc&state=s", "/docs"]
OTHERS = [
    "/healthz",
    "/openapi.json",
    "/log/checkpoint",
    "/v1/me/settings",
    "/no/such/page",
    "/oauth/authorize?response_type=code",
    "/static/consentgate.css",
    "/static/swagger-ui/swagger-ui-bundle.js",
]


def _policy(response: requests.Response) -> dict[str, str]:
    text = response.headers["content-security-policy"]
    return {d.split()[0]: d.strip() for d in text.split(";") if d.strip()}


def _assert_page(response: requests.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    policy = _policy(response)
    assert policy["default-src"] == "default-src 'self'"
    assert policy["frame-ancestors"] == "frame-ancestors 'none'"
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    assert "unsafe-eval" not in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    # Nothing inline that the policy would block: scripts and styles come from files.
    assert not re.search(r"<script(?![^>]*\ssrc=)", response.text)
    assert "<style" not in response.text
    assert not re.search(r"\s(style|on[a-z]+)=", response.text)


def _assert_every_response(response: requests.Response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_a_strict_policy_and_cannot_be_framed(world: World, path: str) -> None:
    response = requests.get(world.url(path), timeout=10)
    assert response.status_code == 200
    _assert_page(response)
    _assert_every_response(response)


def test_the_consent_page_may_post_only_to_itself_and_the_client(world: World) -> None:
    browser = Browser(world)
    page = consent_page(browser, start(world, partner(world)), "alice")
    assert page.status_code == 200
    _assert_page(page)
    assert _policy(page)["form-action"] == "form-action 'self' http://127.0.0.1:9"


@pytest.mark.parametrize("path", OTHERS)
def test_every_other_response_is_not_sniffed_and_sends_no_referrer(world: World, path: str) -> None:
    response = requests.get(world.url(path), timeout=10)
    _assert_every_response(response)
    if not response.headers["content-type"].startswith("text/html"):
        assert _policy(response)["default-src"] == "default-src 'none'"


def test_assets_are_a_fixed_list_not_a_directory(world: World) -> None:
    for path in ("/static/", "/static/../pages.py", "/static/swagger-ui/LICENSE", "/static/x.js"):
        assert requests.get(world.url(path), timeout=10).status_code == 404
    css = requests.get(world.url("/static/swagger-ui/swagger-ui.css"), timeout=10)
    assert css.status_code == 200
    assert css.headers["content-type"].startswith("text/css")


def test_even_an_unexpected_server_error_carries_the_headers(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'cg.db'}",
        data_dir=tmp_path / "data",
        log_origin="e2e.example/log",
    )
    app = create_app(settings)

    def broken() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/broken", broken, include_in_schema=False)
    with serving(app) as base:
        response = requests.get(base + "/broken", timeout=10)
    assert response.status_code == 500
    _assert_every_response(response)
    assert _policy(response)["default-src"] == "default-src 'none'"
