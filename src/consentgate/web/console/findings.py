"""The console's findings: the list (``/console/findings``, open ones, most severe first), one
finding with its evidence (``/console/findings/{id}``: counts, the log entries themselves as
stored, deletion obligations and other references, the suggested action), and an admin's
acknowledgement with a note (refused, 403, for an auditor; an unknown finding answers 404)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.domain.findings import FindingRule
from consentgate.errors import InvalidInput, NotFound
from consentgate.services.wiring import Services
from consentgate.web.console.frame import StaffDep, record_done, render, staff_form
from consentgate.web.state import ConsoleCookiesDep, ServicesDep

router = APIRouter(include_in_schema=False)
_MAX_ID = 64
#: How many of a finding's log entries its page shows (the counts say how many in all).
SHOWN_ENTRIES = 20


def open_findings_by_partner(services: Services) -> Counter[str]:
    """How many open findings each partner has (for the partners list)."""
    return Counter(f.partner_id for f in services.findings.list())


@router.get("/console/findings")
def findings_page(
    staff: StaffDep,
    request: Request,
    services: ServicesDep,
    partner: Annotated[str | None, Query(max_length=64)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    show: Annotated[str, Query(max_length=8)] = "open",
) -> Response:
    """Findings, most severe first; filtered by partner, rule, open or all."""
    try:
        chosen = FindingRule(rule) if rule else None
    except ValueError:
        raise InvalidInput(f"unknown rule {rule!r}") from None
    found = services.findings.list(open_only=show != "all", partner_id=partner or None, rule=chosen)
    names = services.privacy.partner_names()
    return render(
        request,
        "console/findings.html",
        staff,
        services,
        {
            "findings": found,
            "names": names,
            "rules": list(FindingRule),
            "partner": partner or "",
            "rule": rule or "",
            "show": "all" if show == "all" else "open",
            "last_evaluated": services.findings.last_evaluated(),
        },
    )


@router.get("/console/findings/{finding_id}")
def finding_page(
    finding_id: str, staff: StaffDep, request: Request, services: ServicesDep
) -> Response:
    """One finding and its evidence."""
    try:
        finding = services.findings.get(finding_id[:_MAX_ID])
    except NotFound:
        return render(request, "console/not_found.html", staff, services, {}, status=404)
    evidence = finding.observation.evidence
    entries = services.console.log_entries(list(evidence.log_indexes[:SHOWN_ENTRIES]))
    partner = services.partners.get_partner(finding.partner_id)
    return render(
        request,
        "console/finding.html",
        staff,
        services,
        {
            "finding": finding,
            "o": finding.observation,
            "entries": entries,
            "partner": partner,
            "acknowledged": request.query_params.get("done") == "acknowledged",
        },
    )


@router.post("/console/findings/{finding_id}/acknowledge")
async def acknowledge(
    finding_id: str, request: Request, services: ServicesDep, cookies: ConsoleCookiesDep
) -> Response:
    """Acknowledge a finding with a note (admins only); the acknowledgement is logged."""
    posted = await staff_form(request, services, cookies)
    finding_id = finding_id[:_MAX_ID]
    note = posted.captured.form_value("note") or ""
    await run_in_threadpool(
        services.findings.acknowledge, finding_id, note, posted.staff.actor.label
    )
    await run_in_threadpool(record_done, services, posted, request)
    here = f"/console/findings/{quote(finding_id, safe='')}?done=acknowledged"
    return RedirectResponse(here, status_code=303)
