"""The console's partner pages: the list (``/console/partners``), one partner with its agreement
versions and a diff between any two, clients, grants, deletion obligations (overdue first), and
an admin's suspend and reinstate buttons (refused, 403, for an auditor)."""

from __future__ import annotations

import contextlib
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.domain import PartnerStatus
from consentgate.errors import Conflict, InvalidInput, NotFound
from consentgate.services.console import CATEGORIES, PartnerLine
from consentgate.web.console.findings import open_findings_by_partner
from consentgate.web.console.frame import StaffDep, record_done, render, staff_form
from consentgate.web.state import ConsoleCookiesDep, RunningDep, ServicesDep

router = APIRouter(include_in_schema=False)
_MAX_ID = 64
#: How the list may be sorted, and by what.
SORTS = {
    "name": (lambda line: (line.partner.name.lower(),), False),
    "overdue": (lambda line: (line.overdue_deletions, line.partner.name.lower()), True),
    "reach": (lambda line: (line.grantees, line.partner.name.lower()), True),
    "ending": (lambda line: (line.agreement_end is None, line.agreement_end), False),
}


def _sorted(lines: list[PartnerLine], sort: str) -> list[PartnerLine]:
    key, reverse = SORTS.get(sort, SORTS["name"])
    return sorted(lines, key=key, reverse=reverse)


@router.get("/console/partners")
def partners_page(
    staff: StaffDep,
    request: Request,
    services: ServicesDep,
    running: RunningDep,
    sort: Annotated[str, Query(max_length=16)] = "name",
) -> Response:
    """Every partner: status, agreement end, reach per category now, last access, overdue
    deletions, open findings."""
    lines = services.console.partners(running.decisions)
    findings = open_findings_by_partner(services)
    if sort == "findings":
        ordered = sorted(lines, key=lambda line: (-findings[line.partner.id], line.partner.name))
    else:
        ordered = _sorted(lines, sort)
    return render(
        request,
        "console/partners.html",
        staff,
        services,
        {
            "lines": ordered,
            "findings": findings,
            "sort": sort if sort in SORTS or sort == "findings" else "name",
            "categories": CATEGORIES,
        },
    )


def _version(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput("an agreement version is a whole number")
    return int(text)


@router.get("/console/partners/{partner_id}")
def partner_page(
    partner_id: str,
    staff: StaffDep,
    request: Request,
    services: ServicesDep,
    running: RunningDep,
    old: Annotated[str | None, Query(alias="from", max_length=9)] = None,
    new: Annotated[str | None, Query(alias="to", max_length=9)] = None,
) -> Response:
    """One partner: agreement versions (with a diff of two), clients, grants, deletions."""
    try:
        page = services.console.partner(partner_id[:_MAX_ID], running.decisions)
    except NotFound:
        return render(request, "console/not_found.html", staff, services, {}, status=404)
    versions = [a.version for a in page.agreements]
    diff = None
    old_v, new_v = _version(old), _version(new)
    if old_v is None and len(versions) >= 2:
        old_v, new_v = versions[-2], versions[-1]
    if old_v is not None and new_v is not None:
        diff = services.console.diff(page.line.partner.id, old_v, new_v)
    return render(
        request,
        "console/partner.html",
        staff,
        services,
        {
            "page": page,
            "line": page.line,
            "categories": CATEGORIES,
            "versions": versions,
            "diff": diff,
            "suspended": request.query_params.get("done"),
            "findings": services.findings.list(open_only=False, partner_id=page.line.partner.id),
        },
    )


async def _set_status(
    partner_id: str,
    status: PartnerStatus,
    request: Request,
    services: ServicesDep,
    cookies: ConsoleCookiesDep,
) -> Response:
    posted = await staff_form(request, services, cookies)
    partner_id = partner_id[:_MAX_ID]
    reason = (posted.captured.form_value("reason") or "").strip()
    if not 0 < len(reason) <= 500:
        raise InvalidInput("give a reason (at most 500 characters); it is kept in the history")
    # Already so (another admin, another tab): the page shows the current status.
    with contextlib.suppress(Conflict):
        await run_in_threadpool(services.partners.set_status, partner_id, status, reason)
    await run_in_threadpool(record_done, services, posted, request)
    here = f"/console/partners/{quote(partner_id, safe='')}?done={status.value}"
    return RedirectResponse(here, status_code=303)


@router.post("/console/partners/{partner_id}/suspend")
async def suspend(
    partner_id: str, request: Request, services: ServicesDep, cookies: ConsoleCookiesDep
) -> Response:
    """Suspend the partner (admins only): its grants are revoked, deletions opened."""
    return await _set_status(partner_id, PartnerStatus.SUSPENDED, request, services, cookies)


@router.post("/console/partners/{partner_id}/reinstate")
async def reinstate(
    partner_id: str, request: Request, services: ServicesDep, cookies: ConsoleCookiesDep
) -> Response:
    """Make a suspended partner active again (admins only)."""
    return await _set_status(partner_id, PartnerStatus.ACTIVE, request, services, cookies)
