"""Auditors read everything and change nothing; every write, done or refused, is in the audit
trail; a disabled account or an expired token is refused at once.

The write routes are enumerated from the app itself, so a route added later is covered without
touching this file.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import fastapi.routing
import pytest
from fastapi.routing import APIRoute

from consentgate.api.admin import SAFE_METHODS
from consentgate.domain.staff import Role
from consentgate.errors import Forbidden

from .conftest import ADMIN_TOKEN, Console, OpenStaff, Staff

#: Console forms any signed-in staff member may post (their own session and credentials).
_OWN_FORMS = {
    "/console/login",
    "/console/logout",
    "/console/tokens",
    "/console/tokens/{token_id}/revoke",
}


def _routes(console: Console, prefix: str) -> list[tuple[str, str]]:
    """Every (method, path) under ``prefix`` that writes, as the app routes them.

    FastAPI ≥ 0.160 keeps included routers as nodes (``iter_route_contexts`` walks them);
    earlier versions flatten them into ``app.routes``.
    """
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    contexts: list[Any] = list(walk(console.app.routes)) if walk else list(console.app.routes)
    found = []
    for ctx in contexts:
        route = getattr(ctx, "original_route", ctx)
        path = str(getattr(ctx, "path_format", getattr(route, "path", "")))
        if isinstance(route, APIRoute) and path.startswith(prefix):
            found += [(m, path) for m in sorted(set(ctx.methods or ()) - SAFE_METHODS)]
    return found


def _filled(path: str) -> str:
    """A route path with every parameter filled in (the write is refused before it is looked at)."""
    return re.sub(r"\{[^}]+\}", "tunes", path)


def _token(console: Console, handle: str, role: Role, days: int = 30) -> str:
    member = console.services.staff.by_handle(handle)
    expires = console.clock() + timedelta(days=days)
    name = f"t{len(console.services.staff.tokens_of(member))}"
    return console.services.staff.create_token(member, name, role, expires).secret


def test_every_admin_api_write_is_refused_for_an_auditor_token_and_recorded(
    console: Console,
) -> None:
    routes = _routes(console, "/admin")
    # The walk finds the routes (a few known ones stand for all): nothing is skipped unseen.
    assert {
        ("POST", "/admin/partners"),
        ("POST", "/admin/partners/{partner_id}/suspend"),
        ("POST", "/admin/import"),
        ("POST", "/admin/people"),
    } <= set(routes)
    token = _token(console, "audra", Role.AUDITOR)
    partners_before = console.admin("GET", "/admin/partners", token).json()
    trail_before = len(console.services.staff.audit_trail(1000))
    for method, path in routes:
        answer = console.admin(method, _filled(path), token, json={})
        assert answer.status_code == 403, (method, path, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["reasons"] == ["staff.read_only"]
    trail = console.services.staff.audit_trail(1000)
    refused = [(line.method, line.target) for line in trail[: len(trail) - trail_before]]
    assert sorted(refused) == sorted((m, _filled(p)) for m, p in routes)
    assert all(line.outcome == "refused" and line.actor == "token:audra/t0" for line in trail[:3])
    assert console.admin("GET", "/admin/partners", token).json() == partners_before


def test_an_auditor_token_reads_every_admin_list(console: Console) -> None:
    token = _token(console, "audra", Role.AUDITOR)
    for path in ("/admin/partners", "/admin/purposes", "/admin/obligations/overdue"):
        assert console.admin("GET", path, token).status_code == 200, path
    assert console.admin("GET", "/admin/partners/tunes/agreements", token).status_code == 200


def test_an_admin_token_writes_and_the_write_is_in_the_audit_trail(console: Console) -> None:
    token = _token(console, "adam", Role.ADMIN)
    body = {
        "id": "console.test",
        "description": "Test the console",
        "data_use": "essential.service",
    }
    answer = console.admin("POST", "/admin/purposes", token, json=body)
    assert answer.status_code == 201, answer.text
    line = console.services.staff.audit_trail(1)[0]
    assert (line.actor, line.method, line.target, line.outcome, line.status) == (
        "token:adam/t0",
        "POST",
        "/admin/purposes",
        "done",
        201,
    )


def test_the_configured_admin_token_still_works_for_automation(console: Console) -> None:
    answer = console.admin("GET", "/admin/partners", ADMIN_TOKEN)
    assert answer.status_code == 200
    assert console.admin("GET", "/admin/partners", "cgs_not-a-token").status_code == 401


def test_an_expired_token_is_refused_at_once(console: Console) -> None:
    token = _token(console, "ava", Role.AUDITOR, days=1)
    assert console.admin("GET", "/admin/partners", token).status_code == 200
    console.clock.advance(days=1)
    try:
        answer = console.admin("GET", "/admin/partners", token)
        assert answer.status_code == 401
        assert answer.headers["content-type"] == "application/problem+json"
    finally:
        console.clock.advance(days=-1)


def test_an_auditor_cannot_mint_an_admin_token(console: Console) -> None:
    member = console.services.staff.by_handle("audra")
    expires = console.clock() + timedelta(days=1)
    with pytest.raises(Forbidden, match="cannot create a token with the admin role"):
        console.services.staff.create_token(member, "up", Role.ADMIN, expires)


def test_every_console_write_is_refused_for_an_auditor_and_recorded(
    console: Console, staff: OpenStaff
) -> None:
    routes = [(m, p) for m, p in _routes(console, "/console") if p not in _OWN_FORMS]
    assert ("POST", "/console/partners/{partner_id}/suspend") in routes
    audra = staff("audra")
    for method, path in routes:
        answer = audra.form("/console/partners", _filled(path))
        assert method == "POST"
        assert answer.status_code == 403, (path, answer.text)
        assert answer.json()["reasons"] == ["staff.read_only"]
        line = console.services.staff.audit_trail(1)[0]
        assert (line.actor, line.target, line.outcome) == ("staff:audra", _filled(path), "refused")
    assert console.services.partners.get_partner("tunes").status.value == "active"


def test_a_disabled_account_is_refused_at_once_sessions_and_tokens(
    console: Console, staff: OpenStaff
) -> None:
    ava = staff("ava")
    token = _token(console, "ava", Role.AUDITOR)
    assert ava.get("/console/partners").status_code == 200
    console.services.staff.disable("ava")
    page = ava.get("/console/partners")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/console/login?next=")
    assert console.admin("GET", "/admin/partners", token).status_code == 401
    assert Staff(console).sign_in("ava").status_code == 401


def test_a_person_s_cookie_does_not_open_the_console(console: Console, staff: OpenStaff) -> None:
    audra = staff("audra")
    stolen = audra.http.cookies.get("consentgate_console")
    assert stolen
    other = Staff(console)
    other.http.cookies.set("consentgate_session", stolen)
    assert other.get("/console/partners").status_code == 303


def test_signing_out_ends_the_console_session_on_the_server(
    console: Console, staff: OpenStaff
) -> None:
    adam = staff("adam")
    cookie = adam.http.cookies.get("consentgate_console")
    answer = adam.form("/console/partners", "/console/logout")
    assert answer.status_code == 303
    copy = Staff(console)
    copy.http.cookies.set("consentgate_console", cookie, path="/console")
    assert copy.get("/console/partners").status_code == 303


def test_staff_sign_in_is_throttled_like_people_s(console: Console) -> None:
    browser = Staff(console)
    page = browser.get("/console/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf
    form = {"csrf_token": csrf.group(1), "handle": "adam", "password": "wrong-password"}
    answers = [browser.post("/console/login", form).status_code for _ in range(6)]
    assert answers == [401] * 5 + [429]
    # The person "adam" (none exists, but the handle could) is counted apart from the staff one.
    assert console.services.login_throttle.attempt("adam", "127.0.0.9") is not None
    console.clock.advance(minutes=16)  # failures are forgotten 15 minutes after the last


def test_a_form_without_the_session_s_csrf_token_is_refused(
    console: Console, staff: OpenStaff
) -> None:
    adam = staff("adam")
    answer = adam.post("/console/partners/tunes/suspend", {"csrf_token": "forged", "reason": "x"})
    assert answer.status_code == 403
    assert answer.json()["type"].endswith(":csrf")
    assert console.services.partners.get_partner("tunes").status.value == "active"
