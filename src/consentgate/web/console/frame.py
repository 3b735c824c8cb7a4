"""What every console page shares: who is signed in (:data:`StaffDep`), the check of its forms
(:func:`staff_form`), refusing writes by read-only roles, and the page frame (:func:`render`).

A console page for a signed-out visitor, or for one whose account was disabled or whose session
was ended, redirects to ``/console/login?next=<this page>``: the account is read again on every
request, so disabling it stops its sessions at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from consentgate.domain.staff import Actor, StaffMember
from consentgate.errors import Forbidden
from consentgate.oauth.requests import CapturedRequest, capture
from consentgate.problems import problem_response
from consentgate.services.staff import STAFF
from consentgate.services.wiring import Services
from consentgate.web.pages import templates
from consentgate.web.people import CsrfRefused, SignInFirst, signed_in_page
from consentgate.web.session import PersonSession, SessionCookies, current_session
from consentgate.web.state import ConsoleCookiesDep, ServicesDep

LOGIN_PATH = "/console/login"


def _number(value: int) -> str:
    """A count with thousands separators: 1,000,004."""
    return f"{value:,}"


def _day(moment: datetime | None) -> Markup:
    """A day in UTC, as a plain ``<time>`` (no ``datetime`` attribute: local-time.js leaves it)."""
    if moment is None:
        return Markup('<span class="muted">none</span>')
    return Markup("<time>{}</time>").format(moment.strftime("%Y-%m-%d"))


# Filters rather than macros: the partners list calls them for every cell of 150+ rows.
templates.env.filters["num"] = _number
templates.env.filters["day"] = _day


@dataclass(frozen=True, slots=True)
class SignedInStaff:
    """The signed-in staff member of a console page: their session and their account."""

    session: PersonSession
    member: StaffMember

    @property
    def actor(self) -> Actor:
        return Actor("staff", self.member.handle, self.member.role, self.member.id)


def signed_in_staff(
    request: Request, services: Services, cookies: SessionCookies
) -> SignedInStaff | None:
    """The browser's staff session, if the server still keeps it and the account is active."""
    session = current_session(request, cookies, services.sessions, STAFF)
    if session is None or session.person_id is None:
        return None
    member = services.staff.active(session.person_id)
    if member is None:
        return None
    return SignedInStaff(session, member)


def staff_page(
    request: Request, services: ServicesDep, cookies: ConsoleCookiesDep
) -> SignedInStaff:
    """The page's signed-in staff member, or :class:`SignInFirst` (to the console's sign-in)."""
    found = signed_in_staff(request, services, cookies)
    if found is None:
        raise SignInFirst(request, LOGIN_PATH)
    return found


StaffDep = Annotated[SignedInStaff, Depends(staff_page)]


def read_only(actor: Actor) -> Forbidden:
    """The refusal of a write by a role that changes nothing (403, reason ``staff.read_only``)."""
    return Forbidden(
        f"{actor.label} has the {actor.role} role, which reads everything and changes nothing",
        reasons=("staff.read_only",),
    )


def role_refused(actor: Actor) -> Response:
    """:func:`read_only` as an answer (RFC 9457 problem, 403)."""
    err = read_only(actor)
    return problem_response(err.status, err.code, err.message, reasons=err.reasons)


@dataclass(frozen=True, slots=True)
class StaffForm:
    """A form posted by a signed-in staff member, carrying their session's CSRF token."""

    captured: CapturedRequest
    staff: SignedInStaff


async def staff_form(
    request: Request, services: Services, cookies: SessionCookies, *, writes: bool = True
) -> StaffForm:
    """Read a posted console form and check it: a live staff session with its CSRF token (else
    :class:`~consentgate.web.people.CsrfRefused`), and, for a form that ``writes``, a role that
    may write (else :func:`read_only`, written to the audit trail). Nothing is acted on before
    these pass."""
    captured = await capture(request)
    staff = await run_in_threadpool(signed_in_staff, request, services, cookies)
    if staff is None or not staff.session.csrf_matches(captured.form_value("csrf_token")):
        raise CsrfRefused()
    if writes and not staff.member.role.may_write:
        await run_in_threadpool(
            services.staff.record, staff.actor, request.method, request.url.path, status=403
        )
        raise read_only(staff.actor)
    return StaffForm(captured, staff)


def record_done(services: Services, form: StaffForm, request: Request, status: int = 303) -> None:
    """Write a console write that was done to the audit trail (synchronous)."""
    services.staff.record(form.staff.actor, request.method, request.url.path, status=status)


def render(
    request: Request,
    template: str,
    staff: SignedInStaff,
    services: Services,
    context: Mapping[str, Any],
    *,
    status: int = 200,
) -> Response:
    """A console page (:func:`consentgate.web.people.signed_in_page`), with who is signed in and the
    section (the template's name, up to its first ``_``)."""
    common: dict[str, Any] = {
        "staff": staff.member,
        "may_write": staff.member.role.may_write,
        "section": template.removeprefix("console/").removesuffix(".html").split("_")[0],
    }
    now = services.clock()
    return signed_in_page(request, template, staff.session.csrf, now, {**common, **context}, status)
