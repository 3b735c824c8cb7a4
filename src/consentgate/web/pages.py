"""Pages people open in a browser. They work without JavaScript."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from consentgate.web.session import current_session
from consentgate.web.state import CookiesDep, ServicesDep

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, services: ServicesDep, cookies: CookiesDep) -> HTMLResponse:
    """What consentgate is, and where to go next; signed in, who you are and how to sign out."""
    context: dict[str, str] = {}
    session = current_session(request, cookies, services.sessions)
    if session is not None and session.person_id is not None:
        context["person_name"] = services.people.get_person(session.person_id).display_name
        context["csrf_token"] = session.csrf
    return templates.TemplateResponse(
        request, "home.html", context, headers={"Cache-Control": "no-store"}
    )


@router.get("/demo/callback", response_class=HTMLResponse)
def demo_callback(request: Request) -> HTMLResponse:
    """Where the demo's partner apps get the person back: shows the code (or the error) so a
    newcomer can finish the flow by hand, exchanging the code at ``/oauth/token``."""
    params = request.query_params
    return templates.TemplateResponse(
        request,
        "demo_callback.html",
        {
            "code": params.get("code"),
            "error": params.get("error"),
            "description": params.get("error_description"),
            "state": params.get("state"),
        },
    )
