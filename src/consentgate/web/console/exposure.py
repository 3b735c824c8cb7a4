"""The console's exposure pages: who can read what right now, by partner × category
(``/console/exposure``), down to the people themselves, a page at a time
(``/console/exposure/{partner}/{category}``). The numbers are the engine's exposure queries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from consentgate.domain import parse_category
from consentgate.errors import NotFound
from consentgate.services.console import CATEGORIES
from consentgate.web.console.frame import StaffDep, render
from consentgate.web.state import RunningDep, ServicesDep

router = APIRouter(include_in_schema=False)
PAGE_SIZE = 100
_MAX_PAGE = 10**6


@router.get("/console/exposure")
def exposure_page(
    staff: StaffDep,
    request: Request,
    services: ServicesDep,
    running: RunningDep,
    partner: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """Partner × category: how many people's data each partner can access now."""
    lines = [line for line in services.console.partners(running.decisions) if line.grantees]
    if partner:
        lines = [line for line in lines if line.partner.id == partner]
    lines.sort(key=lambda line: (-sum(line.reachable.values()), line.partner.id))
    return render(
        request,
        "console/exposure.html",
        staff,
        services,
        {"lines": lines, "categories": CATEGORIES, "partner": partner},
    )


@router.get("/console/exposure/{partner_id}/{category}")
def exposure_people(
    partner_id: str,
    category: str,
    staff: StaffDep,
    request: Request,
    services: ServicesDep,
    running: RunningDep,
    page: Annotated[int, Query(ge=1, le=_MAX_PAGE)] = 1,
) -> Response:
    """One page of the people whose ``category`` data the partner can access now."""
    cat = parse_category(category[:32]).value
    try:
        found = running.decisions.exposure_of_partner(
            partner_id[:64], cat, page=page, limit=PAGE_SIZE
        )
        partner = services.partners.get_partner(partner_id[:64])
    except NotFound:
        return render(request, "console/not_found.html", staff, services, {}, status=404)
    names = services.console.people_named(list(found.person_ids))
    return render(
        request,
        "console/exposure_people.html",
        staff,
        services,
        {"found": found, "partner": partner, "category": cat, "names": names},
    )
