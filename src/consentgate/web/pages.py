"""Pages people open in a browser. They work without JavaScript."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> HTMLResponse:
    """What consentgate is, and where to go next."""
    return templates.TemplateResponse(request, "home.html", {})


@router.get("/demo/callback", response_class=HTMLResponse)
def demo_callback(request: Request) -> HTMLResponse:
    """Where the demo's partner apps get the person back: shows the code (or the error) so a
    newcomer can finish the flow by hand with curl (README, "Try the flow")."""
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
