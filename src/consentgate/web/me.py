"""The privacy center's partners pages: who has access (``/me``), revoking it in two clicks,
the deletions partners owe (``/me/deletions``) and how to check the log (``/me/verify``).

Revoking: the "Revoke" button posts (CSRF-checked) and lands on a confirmation page
(``GET /me/grants/{id}/revoke``); its "Yes, revoke" posts again with ``confirm=yes``, the grant is
revoked, and the person is back on ``/me`` with a done message. The grant service's revocation
reaches the decision index before the answer, so the partner's next request is refused.
A grant id that is not the signed-in person's answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

import contextlib
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import RedirectResponse, Response

from consentgate.errors import Conflict, NotFound
from consentgate.web.people import SignedInDep, not_found, person_form, render
from consentgate.web.state import CookiesDep, RunningDep, ServicesDep

router = APIRouter(include_in_schema=False)
_MAX_ID = 64


@router.get("/me")
def partners_page(
    person: SignedInDep, request: Request, services: ServicesDep, revoked: str | None = None
) -> Response:
    """The partners the person allowed, what each may do, and the ones that ended."""
    views = services.privacy.grants(person.person_id)
    done = next((v for v in views if revoked and v.grant.id == revoked), None)
    return render(
        request,
        "me/partners.html",
        person.session,
        services,
        {
            "person": services.people.get_person(person.person_id),
            "active": [v for v in views if v.active],
            "ended": [v for v in views if not v.active],
            "purposes": services.privacy.purposes(),
            "done": done,
        },
    )


@router.get("/me/grants/{grant_id}/revoke")
def confirm_page(
    grant_id: str, person: SignedInDep, request: Request, services: ServicesDep
) -> Response:
    """Are you sure? What the partner will lose, and one button."""
    session = person.session
    try:
        view = services.privacy.grant(person.person_id, grant_id[:_MAX_ID])
    except NotFound:
        return not_found(request, session, services)
    if not view.active:
        return RedirectResponse("/me", status_code=303)
    return render(
        request,
        "me/revoke.html",
        session,
        services,
        {"view": view, "purposes": services.privacy.purposes()},
    )


@router.post("/me/grants/{grant_id}/revoke")
async def revoke(
    grant_id: str, request: Request, services: ServicesDep, cookies: CookiesDep
) -> Response:
    """The "Revoke" button (to the confirmation) and "Yes, revoke" (``confirm=yes``)."""
    posted = await person_form(request, services, cookies)
    person_id = posted.person_id
    grant_id = grant_id[:_MAX_ID]
    try:
        await run_in_threadpool(services.privacy.grant, person_id, grant_id)
    except NotFound:
        return not_found(request, posted.session, services)
    here = f"/me/grants/{quote(grant_id, safe='')}/revoke"
    if posted.captured.form_value("confirm") != "yes":
        return RedirectResponse(here, status_code=303)
    with contextlib.suppress(Conflict):  # revoked meanwhile (another tab): as the person asked
        await run_in_threadpool(services.grants.revoke_grant, grant_id, by_person=person_id)
    return RedirectResponse(f"/me?revoked={quote(grant_id, safe='')}", status_code=303)


@router.get("/me/deletions")
def deletions_page(person: SignedInDep, request: Request, services: ServicesDep) -> Response:
    """For each ended grant: has the partner confirmed deleting the data, and by when it must."""
    return render(
        request,
        "me/deletions.html",
        person.session,
        services,
        {"deletions": services.privacy.deletions(person.person_id)},
    )


@router.get("/me/verify")
def verify_page(
    person: SignedInDep, request: Request, services: ServicesDep, running: RunningDep
) -> Response:
    """How to check, without this site's help, that an access is in the public log."""
    return render(
        request,
        "me/verify.html",
        person.session,
        services,
        {
            "origin": services.settings.origin,
            "person_ref": running.person_ref(person.person_id),
            "base": str(request.base_url).rstrip("/"),
        },
    )
