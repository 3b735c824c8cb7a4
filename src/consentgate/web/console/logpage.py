"""The console's log page (``/console/log``): the log's size, its latest signed checkpoint and how
old it is, the last full verification and its result, and (admins only) "verify now", which runs
``consentgate log verify`` on the server's database in the background and shows its progress."""

from __future__ import annotations

import contextlib

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.errors import Conflict
from consentgate.web.console.frame import StaffDep, record_done, render, staff_form
from consentgate.web.state import ConsoleCookiesDep, RunningDep, ServicesDep

router = APIRouter(include_in_schema=False)


@router.get("/console/log")
def log_page(
    staff: StaffDep, request: Request, services: ServicesDep, running: RunningDep
) -> Response:
    """The log's state and its last full verification."""
    status = running.log_checks.status()
    return render(
        request,
        "console/log.html",
        staff,
        services,
        {"status": status, "origin": services.settings.origin},
    )


@router.post("/console/log/verify")
async def verify_now(
    request: Request, services: ServicesDep, cookies: ConsoleCookiesDep, running: RunningDep
) -> Response:
    """Start a full verification of the log in the background (admins only)."""
    posted = await staff_form(request, services, cookies)
    with contextlib.suppress(Conflict):  # one is running: the page shows its progress
        await run_in_threadpool(running.log_checks.start, posted.staff.actor.label)
    await run_in_threadpool(record_done, services, posted, request)
    return RedirectResponse("/console/log", status_code=303)
