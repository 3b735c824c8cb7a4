"""Person sign-in: the built-in accounts (argon2 passwords), or a platform's own login.

The built-in login checks ``PeopleService.authenticate``. A platform with its own accounts passes
any object with the :class:`~consentgate.web.state.PersonLogin` shape to ``create_app``
(``person_login=``); a platform with single
sign-on instead starts the session itself with :func:`sign_in` once it knows who the person is.
Either way the rest of consentgate only ever sees a person id in a signed session.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.oauth.requests import capture
from consentgate.problems import problem_response
from consentgate.services.wiring import Services
from consentgate.web.pages import templates
from consentgate.web.session import SessionCookies, new_session
from consentgate.web.state import CookiesDep, PersonLogin, PersonLoginDep, ServicesDep

__all__ = ["PersonLogin", "router", "safe_next", "sign_in"]

router = APIRouter(include_in_schema=False)
_MAX_NEXT = 4096


def safe_next(target: str | None) -> str:
    """A local path to go to after sign-in; anything else (another site, a scheme) becomes ``/``."""
    if (
        not target
        or len(target) > _MAX_NEXT
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 0x20 for ch in target)
    ):
        return "/"
    return target


def sign_in(
    response: Response, cookies: SessionCookies, services: Services, person_id: str
) -> None:
    """Start a new signed-in session (new id and CSRF token) for ``person_id`` on ``response``."""
    cookies.set(response, new_session(services.clock(), person_id))


def _page(
    request: Request,
    csrf: str,
    target: str,
    *,
    error: str | None = None,
    handle: str = "",
    status: int = 200,
) -> Response:
    context = {"csrf_token": csrf, "next": target, "error": error, "handle": handle}
    return templates.TemplateResponse(
        request,
        "login.html",
        context,
        status_code=status,
        headers={"Cache-Control": "no-store", "X-Frame-Options": "DENY"},
    )


@router.get("/login")
def login_page(
    request: Request, services: ServicesDep, cookies: CookiesDep, next: str | None = None
) -> Response:
    """The sign-in form. Opens a (signed-out) session so the form has a CSRF token."""
    session = cookies.read(request, services.clock())
    fresh = session is None
    if session is None:
        session = new_session(services.clock())
    response = _page(request, session.csrf, safe_next(next))
    if fresh:
        cookies.set(response, session)
    return response


@router.post("/login")
async def login(
    request: Request, services: ServicesDep, cookies: CookiesDep, people: PersonLoginDep
) -> Response:
    """Check the credentials; on success start a new signed-in session and go on to ``next``."""
    captured = await capture(request)
    session = cookies.read(request, services.clock())
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        return problem_response(
            403, "csrf", "the form's CSRF token is missing or wrong; open the page again"
        )
    target = safe_next(captured.form_value("next"))
    handle = (captured.form_value("handle") or "").strip()
    password = captured.form_value("password") or ""
    person = None
    if 0 < len(handle) <= 64 and 0 < len(password) <= 256:
        person = await run_in_threadpool(people.authenticate, handle, password)
    if person is None:
        return _page(
            request,
            session.csrf,
            target,
            error="Wrong handle or password.",
            handle=handle[:64],
            status=401,
        )
    response = RedirectResponse(target, status_code=303)
    sign_in(response, cookies, services, person.id)
    return response


@router.post("/logout")
async def logout(request: Request, services: ServicesDep, cookies: CookiesDep) -> Response:
    """End the session (CSRF-checked, so no other site can sign a person out)."""
    captured = await capture(request)
    session = cookies.read(request, services.clock())
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        return problem_response(403, "csrf", "the form's CSRF token is missing or wrong")
    response = RedirectResponse("/", status_code=303)
    cookies.clear(response)
    return response
