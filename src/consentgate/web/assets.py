"""Files the pages load, served by the app itself: the pages' stylesheet, the access history's
in-browser verification (``verify.js``, our own code, WebCrypto only), the dates in the
reader's locale (``local-time.js``, our own, ``Intl`` only) and, for ``/docs``, the
Swagger UI (npm ``swagger-ui-dist``, vendored unchanged in ``static/swagger-ui``, see its
``SOURCE.md``). Nothing comes from a CDN, so ``/docs`` works offline and under the pages'
``default-src 'self'`` policy (``web/headers.py``).

Only the files listed here are served: a fixed table, not a directory, so no path from a request
ever reaches the file system.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from consentgate.problems import problem_response
from consentgate.web.pages import templates

#: The vendored Swagger UI release (``static/swagger-ui/SOURCE.md``).
SWAGGER_UI_VERSION = "5.35.0"
_STATIC = Path(__file__).parent / "static"
_CSS = "text/css; charset=utf-8"
_JS = "text/javascript; charset=utf-8"
#: URL path under ``/static/`` -> (file under ``static/``, media type).
ASSETS: dict[str, tuple[str, str]] = {
    "consentgate.css": ("consentgate.css", _CSS),
    "docs.js": ("docs.js", _JS),
    # The access history's check of each entry against the log, in the browser (WebCrypto).
    "verify.js": ("verify.js", _JS),
    # The privacy center's dates rewritten in the reader's locale and time zone (Intl).
    "local-time.js": ("local-time.js", _JS),
    "swagger-ui/swagger-ui.css": ("swagger-ui/swagger-ui.css", _CSS),
    "swagger-ui/swagger-ui-bundle.js": ("swagger-ui/swagger-ui-bundle.js", _JS),
}
#: Assets are not fingerprinted, so browsers keep them for an hour, not forever.
_CACHE = {"Cache-Control": "public, max-age=3600"}

router = APIRouter(include_in_schema=False)


@router.get("/static/{name:path}")
def asset(name: str) -> Response:
    """One of :data:`ASSETS`, or a 404 problem."""
    found = ASSETS.get(name)
    if found is None:
        return problem_response(404, "not-found", "no such file")
    file, media_type = found
    return FileResponse(_STATIC / file, media_type=media_type, headers=_CACHE)


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """The OpenAPI document in Swagger UI, every file served from this app."""
    return templates.TemplateResponse(
        request,
        "docs.html",
        {"openapi_url": request.app.openapi_url, "version": SWAGGER_UI_VERSION},
    )
