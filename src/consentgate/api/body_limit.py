"""Request body limits for every route, enforced before the body is read.

An ASGI middleware in front of the whole app, so no route (JSON, form, JSON Lines, or one added
later) can be made to buffer or parse more than its limit:

* a ``Content-Length`` above the limit is answered at once with a 413 problem (RFC 9110 §15.5.14,
  RFC 9457 body) and ``Connection: close``; the app is not called and the body is never read;
* a body without a length (``Transfer-Encoding: chunked``) is counted while the app reads it, and
  the read that crosses the limit stops the request with the same 413.

The limits (bytes):

* :data:`BODY_LIMIT`, 64 KiB, for every route: a JSON request to this API is a few kilobytes;
* :data:`IMPORT_BODY_LIMIT`, 16 MiB, for ``POST /admin/import`` (JSON Lines reference data).

Routes may be stricter (a deletion confirmation takes 1 KiB, an OAuth form 16 KiB), never looser.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentgate.api.problems import problem_response

#: The largest request body any route accepts, unless :data:`PATH_LIMITS` names its path.
BODY_LIMIT = 64 * 1024
#: The largest JSON Lines import one request may carry.
IMPORT_BODY_LIMIT = 16 * 1024 * 1024
#: Paths with a limit of their own (exact paths).
PATH_LIMITS: Mapping[str, int] = {"/admin/import": IMPORT_BODY_LIMIT}


def too_large_detail(limit: int) -> str:
    return f"the request body is larger than {limit} bytes; nothing was read or written"


class BodyTooLarge(HTTPException):
    """The body crossed its limit while the app read it.

    An ``HTTPException``, so FastAPI's body parsing passes it on unchanged and the app's one error
    mapping (:mod:`consentgate.api.problems`) answers 413, whichever layer was reading.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_detail(limit), headers={"Connection": "close"})


def _declared_length(scope: Scope) -> int | None:
    """The request's ``Content-Length`` (the server has already refused malformed ones)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class BodyLimit:
    """Refuse request bodies over their limit with a 413 problem, reading no more than the limit."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        default: int = BODY_LIMIT,
        paths: Mapping[str, int] = PATH_LIMITS,
    ) -> None:
        self.app = app
        self.default = default
        self.paths = dict(paths)

    def limit_for(self, path: str) -> int:
        return self.paths.get(path, self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return

        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise BodyTooLarge(limit)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracked_send)
        except BodyTooLarge:
            # Reached only when no layer inside turned it into a response (FastAPI does).
            if started:
                raise
            await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem_response(
            413, "too-large", too_large_detail(limit), headers={"Connection": "close"}
        )
        await response(scope, receive, send)
