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
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.errors import TooManyAttempts
from consentgate.oauth.requests import capture
from consentgate.services.signin import PERSON
from consentgate.services.wiring import Services
from consentgate.web.pages import templates
from consentgate.web.people import csrf_refused
from consentgate.web.session import (
    SESSION_SECONDS,
    SessionCookies,
    current_session,
    new_session,
)
from consentgate.web.state import CookiesDep, PersonLogin, PersonLoginDep, ServicesDep

__all__ = [
    "PERSON_PAGE",
    "PasswordLogin",
    "PersonLogin",
    "SignInPage",
    "password_sign_in",
    "router",
    "safe_next",
    "sign_in",
]

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


@dataclass(frozen=True, slots=True)
class SignInPage:
    """One sign-in page (the privacy center's, the console's): whose sessions it opens, its
    template, and what the throttle counts failures of.

    Both pages have the same form (``_macros.html``), the same CSRF token from a signed-out
    session, and are never cached.
    """

    #: The session's subject kind (``services/signin.py``).
    kind: str
    template: str
    #: The template's context for where to go after signing in: at least ``next``.
    context: Callable[[str], dict[str, Any]]
    #: What the throttle counts failures of: the handle, in this page's own namespace.
    account: Callable[[str], str] = str

    def render(
        self,
        request: Request,
        csrf: str,
        target: str,
        *,
        error: str | None = None,
        handle: str = "",
        status: int = 200,
        headers: dict[str, str] | None = None,
    ) -> Response:
        """The form, with the last attempt's ``error`` and ``handle`` if any."""
        context = {"csrf_token": csrf, "error": error, "handle": handle, **self.context(target)}
        return templates.TemplateResponse(
            request,
            self.template,
            context,
            status_code=status,
            headers={"Cache-Control": "no-store", **(headers or {})},
        )

    def open(
        self, request: Request, services: Services, cookies: SessionCookies, target: str
    ) -> Response:
        """The form (GET), going on to ``target``: opens a signed-out session if there is none,
        so the form has a CSRF token."""
        session = current_session(request, cookies, services.sessions, self.kind)
        fresh = session is None
        if session is None:
            session = new_session(services.clock())
        response = self.render(request, session.csrf, target)
        if fresh:
            cookies.set(response, session)
        return response


#: People's sign-in. Why the person is asked to sign in: to answer a partner's request (the
#: consent screen sent them here), or to see their own privacy center.
PERSON_PAGE = SignInPage(
    PERSON,
    "login.html",
    lambda target: {"next": target, "for_consent": target.startswith(CONSENT_PATH)},
)


@router.get("/login")
def login_page(
    request: Request, services: ServicesDep, cookies: CookiesDep, next: str | None = None
) -> Response:
    """The sign-in form (:meth:`SignInPage.open`)."""
    # Signing in on its own (no page asked for it) lands on the privacy center.
    return PERSON_PAGE.open(request, services, cookies, safe_next(next) if next else "/me")


@dataclass(frozen=True, slots=True)
class PasswordLogin:
    """One sign-in form: whose accounts it checks and how it answers.

    The privacy center (people) and the console (staff) share :func:`password_sign_in`, so both
    have the same CSRF check, throttling and fresh server-side session.
    """

    #: The page: whose sessions it opens, the form again after a failure, what the throttle counts.
    page: SignInPage
    #: The subject id for these credentials, or None (slow on purpose, and never saying which
    #: part was wrong).
    authenticate: Callable[[str, str], str | None]


async def password_sign_in(
    request: Request, services: Services, cookies: SessionCookies, form: PasswordLogin
) -> Response:
    """Check a posted sign-in form; on success start a new signed-in session of ``form.page.kind``
    and go on to ``next``.

    Throttled per account and per client address (``services/signin.py`` has the limits): a
    throttled attempt gets the form again with ``429`` and ``Retry-After``, before any password
    is checked.
    """
    captured = await capture(request)
    session = await run_in_threadpool(
        current_session, request, cookies, services.sessions, form.page.kind
    )
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        return csrf_refused()
    target = safe_next(captured.form_value("next"))
    handle = (captured.form_value("handle") or "").strip()
    password = captured.form_value("password") or ""
    wrong = "Wrong handle or password."
    if not (0 < len(handle) <= 64 and 0 < len(password) <= 256):
        return form.page.render(
            request, session.csrf, target, error=wrong, handle=handle[:64], status=401
        )
    client = request.client.host if request.client else None
    try:
        attempt = await run_in_threadpool(
            services.login_throttle.attempt, form.page.account(handle), client
        )
    except TooManyAttempts as err:
        wait = err.retry_after_seconds
        return form.page.render(
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
        return form.page.render(
            request, session.csrf, target, error=wrong, handle=handle, status=401
        )
    await run_in_threadpool(services.login_throttle.succeeded, attempt)
    if session.person_id is not None:
        await run_in_threadpool(services.sessions.end, session.sid)
    response = RedirectResponse(target, status_code=303)
    await run_in_threadpool(sign_in, response, cookies, services, subject_id, form.page.kind)
    return response


@router.post("/login")
async def login(
    request: Request, services: ServicesDep, cookies: CookiesDep, people: PersonLoginDep
) -> Response:
    """Check a person's credentials (:func:`password_sign_in`)."""

    def authenticate(handle: str, password: str) -> str | None:
        person = people.authenticate(handle, password)
        return None if person is None else person.id

    form = PasswordLogin(PERSON_PAGE, authenticate)
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
        return csrf_refused()
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
        return csrf_refused()
    if session.person_id is not None:
        await run_in_threadpool(services.sessions.end_all, PERSON, session.person_id)
    response = RedirectResponse("/", status_code=303)
    cookies.clear(response)
    return response
