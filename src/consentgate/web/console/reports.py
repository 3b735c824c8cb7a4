"""``/console/reports``: the signed reports for staff (an auditor reads them, as an admin does).

Choose a report — transparency over a period, one partner's record of processing, or one person's
recipients — and the console shows it, computed from the log at its latest checkpoint, with the
signed file to download (``/console/reports/report.{json,csv,html}`` with the same query), which
``consentgate report verify`` checks. Only GET: choosing a report changes nothing. A period that
does not end after it starts, a malformed date, or an unknown partner or person is shown as an
error above the forms (400 or 404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from consentgate.errors import Error, InvalidInput
from consentgate.services.reports.formats import FORMATS, ReportFile
from consentgate.services.wiring import Running
from consentgate.web.console.frame import StaffDep, render
from consentgate.web.people import NO_STORE
from consentgate.web.report_html import MEDIA_TYPES
from consentgate.web.report_html import render as render_file
from consentgate.web.state import RunningDep, ServicesDep

router = APIRouter(include_in_schema=False)
Text = Annotated[str | None, Query(max_length=64)]


def _day(value: str | None, name: str) -> datetime:
    """A date or date-time from a form field; without a zone it is UTC."""
    if not value:
        raise InvalidInput(f"give the {name} of the period")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"the {name} {value!r} is not a date such as 2026-01-31") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class ReportChoice:
    """The report asked for, as the forms send it (the page and its downloads take the same
    query): ``kind``, the period ``from``/``to`` (transparency) or ``who`` (partner, person)."""

    kind: str | None
    start: str | None
    end: str | None
    who: str | None

    def build(self, running: Running) -> ReportFile:
        """The chosen report, signed; an incomplete or unknown choice is refused (400)."""
        reports = running.reports
        if self.kind == "transparency":
            return reports.transparency(_day(self.start, "start"), _day(self.end, "end"))
        if self.kind == "partner":
            return reports.partner(self.who or "")
        if self.kind == "person":
            return reports.person(self.who or "")
        raise InvalidInput("choose a transparency, partner or person report")


def report_choice(
    kind: Text = None,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
    end: Annotated[str | None, Query(alias="to", max_length=40)] = None,
    who: Text = None,
) -> ReportChoice:
    """The choice's query parameters (a dependency of both the page and its downloads)."""
    return ReportChoice(kind, start, end, who)


ReportChoiceDep = Annotated[ReportChoice, Depends(report_choice)]


@router.get("/console/reports")
async def reports_page(
    staff: StaffDep,
    request: Request,
    services: ServicesDep,
    running: RunningDep,
    choice: ReportChoiceDep,
) -> Response:
    """The forms, and the chosen report with its downloads."""
    signed, error, status = None, None, 200
    if choice.kind is not None:
        try:
            signed = await run_in_threadpool(choice.build, running)
        except Error as err:
            error, status = err.message, err.status
    partners = await run_in_threadpool(services.partners.list_partners)
    return render(
        request,
        "console/reports.html",
        staff,
        services,
        {
            "signed": signed,
            "error": error,
            "kind": choice.kind,
            "start": choice.start or "",
            "end": choice.end or "",
            "who": choice.who or "",
            "partners": partners,
            "formats": FORMATS,
            "query": request.url.query,
        },
        status=status,
    )


@router.get("/console/reports/report.{fmt}")
async def report_file(
    fmt: str, staff: StaffDep, running: RunningDep, choice: ReportChoiceDep
) -> Response:
    """The chosen report as a signed file."""
    if fmt not in FORMATS:
        return Response("not found", status_code=404, media_type="text/plain", headers=NO_STORE)
    signed = await run_in_threadpool(choice.build, running)
    name = f"{signed.report.kind}-report.{fmt}"
    headers = {**NO_STORE, "Content-Disposition": f'attachment; filename="{name}"'}
    return Response(render_file(signed, fmt), media_type=MEDIA_TYPES[fmt], headers=headers)
