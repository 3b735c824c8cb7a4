"""What every page of the privacy center shares: who is signed in, the CSRF check of its forms,
the page frame (headers, the template's common context) and the not-found page.

A page for a signed-out visitor redirects to ``/login?next=<this page>``. Every form carries the
session's CSRF token (``web/session.py``); a form posted without it, or with another one, is
refused with a 403 problem before anything is read from it, so it changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from consentgate.errors import Forbidden
from consentgate.oauth.requests import CapturedRequest, capture
from consentgate.problems import problem_response
from consentgate.services.wiring import Services
from consentgate.web import words
from consentgate.web.pages import templates
from consentgate.web.session import PersonSession, SessionCookies, current_session
from consentgate.web.state import CookiesDep, ServicesDep

#: Pages about one person are never cached (a shared computer, a back button after sign-out).
NO_STORE = {"Cache-Control": "no-store"}

templates.env.filters["reason"] = words.reason
templates.env.filters["category"] = words.category
templates.env.filters["exact_time"] = words.exact_time
templates.env.filters["iso_time"] = words.iso_time


def signed_in(
    request: Request, services: Services, cookies: SessionCookies
) -> PersonSession | None:
    """The browser's session if someone is signed in in it and the server still keeps that
    session (not signed out here or everywhere), else None. Reads the database: async routes
    call it in a worker thread."""
    session = current_session(request, cookies, services.sessions)
    if session is None or session.person_id is None:
        return None
    return session


def to_login(request: Request, login_path: str = "/login") -> Response:
    """Send a signed-out visitor to sign in (at ``login_path``), and back here afterwards."""
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{login_path}?next=" + quote(here, safe=""), status_code=303)


class SignInFirst(Exception):
    """A page needs someone signed in: the visitor is sent to sign in (a person at ``/login``,
    staff at ``/console/login``), and back here after."""

    def __init__(self, request: Request, login_path: str = "/login") -> None:
        super().__init__("sign in first")
        self.response = to_login(request, login_path)


async def sign_in_first(_request: Request, exc: SignInFirst) -> Response:
    """The app's handler of :class:`SignInFirst` (installed by ``create_app``)."""
    return exc.response


@dataclass(frozen=True, slots=True)
class SignedIn:
    """The signed-in person of a privacy-center page: their session and their id."""

    session: PersonSession
    person_id: str


def signed_in_person(request: Request, services: ServicesDep, cookies: CookiesDep) -> SignedIn:
    """The page's signed-in person, or :class:`SignInFirst`. A dependency: a signed-out visitor
    is redirected before any of the page's own parameters is looked at."""
    session = signed_in(request, services, cookies)
    if session is None or session.person_id is None:
        raise SignInFirst(request)
    return SignedIn(session, session.person_id)


SignedInDep = Annotated[SignedIn, Depends(signed_in_person)]


class CsrfRefused(Forbidden, code="csrf", status=403):
    """A form posted without this session's CSRF token, or with another one: refused (an
    RFC 9457 problem, 403) before any of its fields is acted on, so it changes nothing."""

    def __init__(self) -> None:
        super().__init__("the form's CSRF token is missing or wrong; open the page again")


def csrf_refused() -> Response:
    """:class:`CsrfRefused` as an answer, for a handler that returns it rather than raising."""
    err = CsrfRefused()
    return problem_response(err.status, err.code, err.message)


@dataclass(frozen=True, slots=True)
class PersonForm:
    """A form posted by a signed-in person, carrying that session's CSRF token."""

    captured: CapturedRequest
    session: PersonSession
    person_id: str


async def person_form(request: Request, services: Services, cookies: SessionCookies) -> PersonForm:
    """Read a posted form and check it: from a signed-in person, with the session's CSRF token.
    Anything else is refused (:class:`CsrfRefused`) before any field is acted on."""
    captured = await capture(request)
    session = await run_in_threadpool(signed_in, request, services, cookies)
    if session is None or not session.csrf_matches(captured.form_value("csrf_token")):
        raise CsrfRefused()
    assert session.person_id is not None  # signed_in() returns only signed-in sessions
    return PersonForm(captured, session, session.person_id)


def signed_in_page(
    request: Request,
    template: str,
    csrf: str,
    now: datetime,
    context: Mapping[str, Any],
    status: int,
) -> Response:
    """A signed-in page (the privacy center's or the console's), never cached (:data:`NO_STORE`),
    with the context every such page shares: the session's CSRF token for its forms, the time,
    and the word helpers."""
    common: dict[str, Any] = {
        "csrf_token": csrf,
        "now": now,
        "ago": lambda moment: words.relative_time(moment, now),
        "words": words,
    }
    return templates.TemplateResponse(
        request, template, {**common, **context}, status_code=status, headers=NO_STORE
    )


def render(
    request: Request,
    template: str,
    session: PersonSession,
    services: Services,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> Response:
    """A privacy-center page (:func:`signed_in_page`), its section named after the template."""
    section = template.removeprefix("me/").removesuffix(".html")
    return signed_in_page(
        request, template, session.csrf, services.clock(), {"section": section, **context}, status
    )


def not_found(request: Request, session: PersonSession, services: Services) -> Response:
    """The same page for an id that does not exist and one that is someone else's."""
    return render(request, "me/not_found.html", session, services, {}, status=404)
