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
from consentgate.web.login import PasswordLogin, SignInPage, password_sign_in, safe_next
from consentgate.web.people import csrf_refused
from consentgate.web.state import ConsoleCookiesDep, ServicesDep

router = APIRouter(include_in_schema=False)
HOME = "/console/partners"


def _console_next(target: str | None) -> str:
    """Where to go after signing in: a console page, else the partners list."""
    safe = safe_next(target)
    return safe if safe.startswith("/console/") else HOME


@router.get("/console")
def console_home() -> Response:
    return RedirectResponse(HOME, status_code=303)


#: Staff sign-in: failures are counted apart from a person's of the same handle.
STAFF_PAGE = SignInPage(
    STAFF,
    "console/login.html",
    lambda target: {"next": _console_next(target)},
    account=lambda handle: f"staff:{handle}",
)


@router.get(LOGIN_PATH)
def login_page(
    request: Request, services: ServicesDep, cookies: ConsoleCookiesDep, next: str | None = None
) -> Response:
    """The staff sign-in form (:meth:`~consentgate.web.login.SignInPage.open`)."""
    return STAFF_PAGE.open(request, services, cookies, next or HOME)


@router.post(LOGIN_PATH)
async def login(request: Request, services: ServicesDep, cookies: ConsoleCookiesDep) -> Response:
    """Check a staff member's credentials and open a console session."""

    def authenticate(handle: str, password: str) -> str | None:
        member = services.staff.authenticate(handle, password)
        return None if member is None else member.id

    form = PasswordLogin(STAFF_PAGE, authenticate)
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
