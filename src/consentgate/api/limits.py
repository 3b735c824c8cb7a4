"""Request body limits: an oversized body is refused with a 413 problem before it is parsed.

FastAPI reads and parses a JSON body before any dependency runs, so a limit has to sit in the route
itself. :func:`limited_route` makes a route class that reads at most ``max_bytes`` of the body
(trusting neither ``Content-Length`` nor chunked encoding) and hands the bytes on, so the route's
own parsing never sees more than the limit.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from consentgate.api.problems import problem_response

#: A JSON request to the admin API is a few kilobytes; this leaves room and stops abuse.
JSON_BODY_LIMIT = 64 * 1024


def _too_large(max_bytes: int) -> Response:
    return problem_response(
        413, "too-large", f"the request body is larger than {max_bytes} bytes; nothing was written"
    )


def limited_route(max_bytes: int) -> type[APIRoute]:
    """An ``APIRoute`` class whose requests carry at most ``max_bytes`` of body."""

    class LimitedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def limited(request: Request) -> Response:
                declared = request.headers.get("content-length")
                if declared is not None and (not declared.isdigit() or int(declared) > max_bytes):
                    return _too_large(max_bytes)
                body = bytearray()
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > max_bytes:
                        return _too_large(max_bytes)
                # Starlette's Request caches the body here; the route's parsing reads it back.
                request._body = bytes(body)
                return await handler(request)

            return limited

    LimitedRoute.__name__ = f"LimitedRoute{max_bytes}"
    return LimitedRoute
