"""Person sign-in: the built-in accounts (argon2 passwords), or a platform's own login.

The built-in login checks ``PeopleService.authenticate``. A platform with its own accounts passes
any object with the :class:`~consentgate.web.state.PersonLogin` shape to ``create_app``
(``person_login=``); a platform with single
sign-on instead starts the session itself with :func:`sign_in` once it knows who the person is.
Either way the rest of consentgate only ever sees a person id in a signed session.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.errors import TooManyAttempts
from consentgate.oauth.requests import capture
from consentgate.problems import problem_response
from consentgate.services.signin import PERSON
from consentgate.services.wiring import Services
from consentgate.web.pages import templates
from consentgate.web.session import (
    SESSION_SECONDS,
    SessionCookies,
    current_session,
    new_session,
)
from consentgate.web.state import CookiesDep, PersonLogin, PersonLoginDep, ServicesDep

__all__ = ["PasswordLogin", "PersonLogin", "password_sign_in", "router", "safe_next", "sign_in"]

router = APIRouter(include_in_schema=False)
_MAX_NEXT = 4096
#: Where the consent screen lives: a sign-in that goes on there is a partner asking.
CONSENT_PATH = "/oauth/authorize"


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
    response: Response,
    cookies: SessionCookies,
    services: Services,
    person_id: str,
    kind: str = PERSON,
) -> None:
    """Start a new signed-in session (new id and CSRF token) for ``person_id`` (a subject of
    ``kind``) on ``response``, kept by the server until sign-out (synchronous: it writes to the
    database)."""
    session = new_session(services.clock(), person_id)
    services.sessions.start(session.sid, kind, person_id, timedelta(seconds=SESSION_SECONDS))
    cookies.set(response, session)


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
    context = {
        "csrf_token": csrf,
        "next": target,
        "error": error,
        "handle": handle,
        # Why the person is asked to sign in: to answer a partner's request (the consent screen
        # sent them here), or to see their own privacy center.
        "for_consent": target.startswith(CONSENT_PATH),
    }
    return templates.TemplateResponse(
        request,
        "login.html",
        context,
        status_code=status,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def _csrf_refused() -> Response:  # the same answer as web.people.csrf_refused
    return problem_response(
        403, "csrf", "the form's CSRF token is missing or wrong; open the page again"
    )


@router.get("/login")
def login_page(
    request: Request, services: ServicesDep, cookies: CookiesDep, next: str | None = None
) -> Response:
    """The sign-in form. Opens a (signed-out) session so the form has a CSRF token."""
    session = current_session(request, cookies, services.sessions)
    fresh = session is None
    if session is None:
        session = new_session(services.clock())
    # Signing in on its own (no page asked for it) lands on the privacy center.
    response = _page(request, session.csrf, safe_next(next) if next else "/me")
    if fresh:
        cookies.set(response, session)
    return response


@dataclass(frozen=True, slots=True)
class PasswordLogin:
    """One sign-in form: whose accounts it checks and how it answers.

    The privacy center (people) and the console (staff) share :func:`password_sign_in`, so both
    have the same CSRF check, throttling and fresh server-side session.
    """

    #: The session's subject kind (``services/signin.py``).
    kind: str
    #: The subject id for these credentials, or None (slow on purpose, and never saying which
    #: part was wrong).
    authenticate: Callable[[str, str], str | None]
    #: The form again, with an error: ``(request, csrf, next, error, handle, status, headers)``.
    page: Callable[..., Response]
    #: What the throttle counts failures of: the handle, in this form's own namespace.
    account: Callable[[str], str] = str


async def password_sign_in(
    request: Request, services: Services, cookies: SessionCookies, form: PasswordLogin
) -> Response:
    """Check a posted sign-in form; on success start a new signed-in session of ``form.kind``
    and go on to ``next``.

    Throttled per account and per client address (``services/signin.py`` has the limits): a
    throttled attempt gets the form again with ``429`` and ``Retry-After``, before any password
    is checked.
    """
    captured = await capture(request)
    session = await run_in_threadpool(
        current_session, request, cookies, services.sessions, form.kind
    )
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        return _csrf_refused()
    target = safe_next(captured.form_value("next"))
    handle = (captured.form_value("handle") or "").strip()
    password = captured.form_value("password") or ""
    wrong = "Wrong handle or password."
    if not (0 < len(handle) <= 64 and 0 < len(password) <= 256):
        return form.page(request, session.csrf, target, error=wrong, handle=handle[:64], status=401)
    client = request.client.host if request.client else None
    try:
        attempt = await run_in_threadpool(
            services.login_throttle.attempt, form.account(handle), client
        )
    except TooManyAttempts as err:
        wait = err.retry_after_seconds
        return form.page(
            request,
            session.csrf,
            target,
            error=f"Too many failed attempts. Try again in {wait} seconds.",
            handle=handle,
            status=429,
            headers={"Retry-After": str(wait)},
        )
    subject_id = await run_in_threadpool(form.authenticate, handle, password)
    if subject_id is None:
        return form.page(request, session.csrf, target, error=wrong, handle=handle, status=401)
    await run_in_threadpool(services.login_throttle.succeeded, attempt)
    if session.person_id is not None:
        await run_in_threadpool(services.sessions.end, session.sid)
    response = RedirectResponse(target, status_code=303)
    await run_in_threadpool(sign_in, response, cookies, services, subject_id, form.kind)
    return response


@router.post("/login")
async def login(
    request: Request, services: ServicesDep, cookies: CookiesDep, people: PersonLoginDep
) -> Response:
    """Check a person's credentials (:func:`password_sign_in`)."""

    def authenticate(handle: str, password: str) -> str | None:
        person = people.authenticate(handle, password)
        return None if person is None else person.id

    form = PasswordLogin(PERSON, authenticate, _page)
    return await password_sign_in(request, services, cookies, form)


@router.post("/logout")
async def logout(request: Request, services: ServicesDep, cookies: CookiesDep) -> Response:
    """End this session, on the server too, so no copy of the cookie works any more
    (CSRF-checked, so no other site can sign a person out)."""
    captured = await capture(request)
    # The signed cookie alone proves the form came from this browser; the session may already
    # have been ended elsewhere, and signing out again must still clear the cookie.
    session = cookies.read(request, services.clock())
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        return _csrf_refused()
    await run_in_threadpool(services.sessions.end, session.sid)
    response = RedirectResponse("/", status_code=303)
    cookies.clear(response)
    return response


@router.post("/logout/everywhere")
async def logout_everywhere(
    request: Request, services: ServicesDep, cookies: CookiesDep
) -> Response:
    """End every session of the signed-in person, on every device (CSRF-checked; needs a live
    session, so a copy of an ended cookie cannot sign the person out elsewhere)."""
    captured = await capture(request)
    session = await run_in_threadpool(current_session, request, cookies, services.sessions)
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        return _csrf_refused()
    if session.person_id is not None:
        await run_in_threadpool(services.sessions.end_all, PERSON, session.person_id)
    response = RedirectResponse("/", status_code=303)
    cookies.clear(response)
    return response
