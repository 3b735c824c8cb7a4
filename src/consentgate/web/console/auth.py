"""Staff sign-in and sign-out: ``/console/login``, ``/console/logout``.

The same form handling as people's (:func:`consentgate.web.login.password_sign_in`): CSRF token,
throttling per account and per client address (a staff handle is counted apart from a person's
of the same name), and a fresh server-side session on success, in the console's own cookie.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.oauth.requests import capture
from consentgate.services.staff import STAFF
from consentgate.web.console.frame import LOGIN_PATH
from consentgate.web.login import PasswordLogin, password_sign_in, safe_next
from consentgate.web.pages import templates
from consentgate.web.people import csrf_refused
from consentgate.web.session import current_session, new_session
from consentgate.web.state import ConsoleCookiesDep, ServicesDep

router = APIRouter(include_in_schema=False)
HOME = "/console/partners"


def _page(
    request: Request,
    csrf: str,
    target: str,
    *,
    error: str | None = None,
    handle: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    context = {"csrf_token": csrf, "next": _console_next(target), "error": error, "handle": handle}
    return templates.TemplateResponse(
        request,
        "console/login.html",
        context,
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _console_next(target: str | None) -> str:
    """Where to go after signing in: a console page, else the partners list."""
    safe = safe_next(target)
    return safe if safe.startswith("/console/") else HOME


@router.get("/console")
def console_home() -> Response:
    return RedirectResponse(HOME, status_code=303)


@router.get(LOGIN_PATH)
def login_page(
    request: Request, services: ServicesDep, cookies: ConsoleCookiesDep, next: str | None = None
) -> Response:
    """The staff sign-in form (opens a signed-out session so the form has a CSRF token)."""
    session = current_session(request, cookies, services.sessions, STAFF)
    fresh = session is None
    if session is None:
        session = new_session(services.clock())
    response = _page(request, session.csrf, next or HOME)
    if fresh:
        cookies.set(response, session)
    return response


@router.post(LOGIN_PATH)
async def login(request: Request, services: ServicesDep, cookies: ConsoleCookiesDep) -> Response:
    """Check a staff member's credentials and open a console session."""

    def authenticate(handle: str, password: str) -> str | None:
        member = services.staff.authenticate(handle, password)
        return None if member is None else member.id

    form = PasswordLogin(STAFF, authenticate, _page, account=lambda handle: f"staff:{handle}")
    return await password_sign_in(request, services, cookies, form)


@router.post("/console/logout")
async def logout(request: Request, services: ServicesDep, cookies: ConsoleCookiesDep) -> Response:
    """End this console session on the server (CSRF-checked)."""
    captured = await capture(request)
    session = cookies.read(request, services.clock())
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        return csrf_refused()
    await run_in_threadpool(services.sessions.end, session.sid)
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    cookies.clear(response)
    return response
