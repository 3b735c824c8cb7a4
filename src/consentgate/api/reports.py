"""``GET /admin/reports/…``: the signed reports of ``consentgate report``, over HTTP.

* ``/admin/reports/transparency?from=&to=`` — the period ``[from, to)``;
* ``/admin/reports/partner/{partner_id}`` — a record of processing;
* ``/admin/reports/person/{person_id}`` — every recipient of one person's data.

Each takes ``format=json|csv|html`` (JSON by default) and answers the report file, signed with the
log's key and bound to its latest checkpoint; ``consentgate report verify`` checks it. The admin
bearer token is required, as on every admin route. A period that does not end after it starts is
a 400, an unknown partner or person a 404 (RFC 9457 problems).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.responses import Response

from consentgate.api.admin import ADMIN_RESPONSES, admin_docs, admin_route
from consentgate.services.reports.formats import ReportFile
from consentgate.web.report_html import MEDIA_TYPES, render
from consentgate.web.state import RunningDep

router = APIRouter(
    prefix="/admin/reports",
    tags=["admin"],
    responses=ADMIN_RESPONSES,
    dependencies=admin_docs,
    route_class=admin_route,
)
Format = Annotated[Literal["json", "csv", "html"], Query(description="json (default), csv or html")]
_OK: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The signed report file",
        "content": {media: {} for media in MEDIA_TYPES.values()},
    }
}


def _answer(signed: ReportFile, fmt: str, name: str) -> Response:
    return Response(
        render(signed, fmt),
        media_type=MEDIA_TYPES[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}.{fmt}"',
            "Cache-Control": "no-store",
        },
    )


@router.get("/transparency", response_class=Response, responses=_OK)
def transparency(
    running: RunningDep,
    start: Annotated[datetime, Query(alias="from", description="start, with a time zone")],
    to: Annotated[datetime, Query(description="end (excluded), with a time zone")],
    format: Format = "json",
) -> Response:
    """Per partner × category × action in ``[from, to)``: decisions, records, people; totals."""
    return _answer(running.reports.transparency(start, to), format, "transparency")


@router.get("/partner/{partner_id}", response_class=Response, responses=_OK)
def partner(partner_id: str, running: RunningDep, format: Format = "json") -> Response:
    """A partner's record of processing (GDPR Art. 30 style)."""
    return _answer(running.reports.partner(partner_id), format, "partner")


@router.get("/person/{person_id}", response_class=Response, responses=_OK)
def person(person_id: str, running: RunningDep, format: Format = "json") -> Response:
    """Every recipient of one person's data (GDPR Art. 15(1)(c)); names nobody else."""
    return _answer(running.reports.person(person_id), format, "person")
