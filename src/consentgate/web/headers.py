"""Security headers on every response, set in one place: one ASGI middleware around the app.

- Pages (``text/html``) get a Content-Security-Policy whose default is ``'self'``: no inline
  script or style, nothing from another origin (the CSS and the API documentation's Swagger UI
  are served by the app itself, ``web/assets.py``), no plugins, no ``<base>``, forms only to this
  server, and no framing (``frame-ancestors 'none'``, CSP Level 3 §6.4.2; plus
  ``X-Frame-Options: DENY`` for browsers without it, RFC 7034).
- Every other response gets ``default-src 'none'``: a JSON or text answer opened as a document
  can load nothing and run nothing.
- Every response gets ``X-Content-Type-Options: nosniff`` (Fetch §3.5: a script or style is
  used only with its declared type) and ``Referrer-Policy: no-referrer``, so codes and state in
  a consent URL never leak in a ``Referer``.

:class:`SecuredApp` puts the middleware around the whole stack, outside Starlette's
``ServerErrorMiddleware`` and any middleware added later, so even an unexpected 500 carries them.

A route that needs a wider policy (the consent form posts to the partner's redirect URI) sets its
own ``Content-Security-Policy`` from :func:`page_policy`; the middleware keeps it.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import FastAPI
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_PAGE_DIRECTIVES = (
    "default-src 'self'",
    "img-src 'self' data:",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
)
#: The policy of anything that is not a page.
OTHER_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
REFERRER_POLICY = "no-referrer"


def page_policy(form_targets: Iterable[str] = ()) -> str:
    """The pages' Content-Security-Policy; forms may also post to ``form_targets`` (origins)."""
    targets = " ".join(("'self'", *form_targets))
    return "; ".join((*_PAGE_DIRECTIVES, f"form-action {targets}"))


#: The policy of every page that does not set its own.
PAGE_POLICY = page_policy()


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                is_page = headers.get("content-type", "").startswith("text/html")
                headers.setdefault(
                    "Content-Security-Policy", PAGE_POLICY if is_page else OTHER_POLICY
                )
                headers["X-Frame-Options"] = "DENY"
                headers["X-Content-Type-Options"] = "nosniff"
                headers.setdefault("Referrer-Policy", REFERRER_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)


class SecuredApp(FastAPI):
    """FastAPI whose every response, error pages of the outermost layer included, goes through
    :class:`SecurityHeaders` (``app.add_middleware`` would place it inside
    ``ServerErrorMiddleware``, whose 500 answers would then go out without the headers)."""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack())
