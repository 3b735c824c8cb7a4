"""``/me/report``: the signed-in person's own report — every recipient of their data (GDPR
Art. 15(1)(c)), their grants and receipts, deletions, and accesses through other people's grants —
computed from the public log, and the same report to download as a signed file
(``/me/report.json``, ``.csv``, ``.html``) that ``consentgate report verify`` checks.

Only the signed-in person's own report is ever shown; it names nobody else.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from consentgate.services.reports.formats import FORMATS
from consentgate.web.people import NO_STORE, SignedInDep, render
from consentgate.web.report_html import MEDIA_TYPES
from consentgate.web.report_html import render as render_file
from consentgate.web.state import RunningDep, ServicesDep

router = APIRouter(include_in_schema=False)


@router.get("/me/report")
async def report_page(
    person: SignedInDep, request: Request, services: ServicesDep, running: RunningDep
) -> Response:
    """The person's report as a page, with the signed file to download."""
    signed = await run_in_threadpool(running.reports.person, person.person_id)
    return render(
        request,
        "me/report.html",
        person.session,
        services,
        {"report": signed.report, "signature": signed.signature, "formats": FORMATS},
    )


@router.get("/me/report.{fmt}")
async def report_file(fmt: str, person: SignedInDep, running: RunningDep) -> Response:
    """The person's signed report as a file (json, csv or html)."""
    if fmt not in FORMATS:
        return Response("not found", status_code=404, media_type="text/plain", headers=NO_STORE)
    signed = await run_in_threadpool(running.reports.person, person.person_id)
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="my-report.{fmt}"'}
    return Response(render_file(signed, fmt), media_type=MEDIA_TYPES[fmt], headers=headers)
