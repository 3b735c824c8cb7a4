"""The console's audit trail (``/console/audit``: every write asked of the admin API or the
console, done or refused, and by whom) and the staff member's own API tokens
(``/console/tokens``): create one with a role no higher than theirs and an expiry, see it once,
revoke it. Creating and revoking one's own tokens is open to every role (an auditor gets
auditor tokens only) and is written to the audit trail."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.domain.staff import Role, parse_role
from consentgate.errors import InvalidInput
from consentgate.services.staff import MAX_TOKEN_DAYS
from consentgate.services.wiring import Services
from consentgate.web.console.frame import (
    SignedInStaff,
    StaffDep,
    record_done,
    render,
    staff_form,
)
from consentgate.web.state import ConsoleCookiesDep, ServicesDep

router = APIRouter(include_in_schema=False)
AUDIT_LINES = 200


@router.get("/console/audit")
def audit_page(staff: StaffDep, request: Request, services: ServicesDep) -> Response:
    """The newest lines of the audit trail."""
    lines = services.staff.audit_trail(AUDIT_LINES)
    return render(request, "console/audit.html", staff, services, {"lines": lines})


def _tokens(
    request: Request,
    staff: SignedInStaff,
    services: Services,
    *,
    issued: str | None = None,
    status: int = 200,
) -> Response:
    roles = [r for r in Role if staff.member.role.covers(r)]
    return render(
        request,
        "console/tokens.html",
        staff,
        services,
        {
            "tokens": services.staff.tokens_of(staff.member),
            "roles": roles,
            "issued": issued,
            "max_days": MAX_TOKEN_DAYS,
        },
        status=status,
    )


@router.get("/console/tokens")
def tokens_page(staff: StaffDep, request: Request, services: ServicesDep) -> Response:
    """The signed-in staff member's API tokens, and a form for a new one."""
    return _tokens(request, staff, services)


@router.post("/console/tokens")
async def create_token(
    request: Request, services: ServicesDep, cookies: ConsoleCookiesDep
) -> Response:
    """Create a token; the page shows it once (never stored, never shown again)."""
    posted = await staff_form(request, services, cookies, writes=False)
    form = posted.captured
    days_text = form.form_value("days") or ""
    if not (days_text.isdigit() and 1 <= int(days_text) <= MAX_TOKEN_DAYS):
        raise InvalidInput(f"a token lasts 1 to {MAX_TOKEN_DAYS} days")
    role = parse_role(form.form_value("role") or "")
    name = (form.form_value("name") or "").strip()
    expires = services.clock() + timedelta(days=int(days_text))
    issued = await run_in_threadpool(
        services.staff.create_token, posted.staff.member, name, role, expires
    )
    await run_in_threadpool(record_done, services, posted, request, 201)
    return _tokens(request, posted.staff, services, issued=issued.secret, status=201)


@router.post("/console/tokens/{token_id}/revoke")
async def revoke_token(
    token_id: str, request: Request, services: ServicesDep, cookies: ConsoleCookiesDep
) -> Response:
    """Revoke one of one's own tokens: it stops working at once."""
    posted = await staff_form(request, services, cookies, writes=False)
    await run_in_threadpool(services.staff.revoke_token, posted.staff.member, token_id)
    await run_in_threadpool(record_done, services, posted, request)
    return RedirectResponse("/console/tokens", status_code=303)
