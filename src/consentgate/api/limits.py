"""Per-route body limits and the JSON nesting bound, for routes whose bodies need them.

:class:`~consentgate.api.body_limit.BodyLimit` bounds every body before it is read. A route class
made by :func:`limited_route` adds, for its routes:

* a stricter size limit (a deletion confirmation takes 1 KiB, an OAuth form 16 KiB), read at most
  once and handed on, so the route's own parsing never sees more than the limit;
* for JSON bodies, a nesting bound (:data:`~consentgate.services.json_input.MAX_JSON_DEPTH`)
  checked on the raw text before any parser or validator recurses into it: deeper is a 422.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from consentgate.api.body_limit import BODY_LIMIT, too_large_detail
from consentgate.api.problems import problem_response
from consentgate.services.json_input import MAX_JSON_DEPTH, too_deep

#: A JSON request to the API is a few kilobytes; the app-wide limit.
JSON_BODY_LIMIT = BODY_LIMIT


def _too_large(max_bytes: int) -> Response:
    return problem_response(413, "too-large", too_large_detail(max_bytes))


def _is_json(content_type: str) -> bool:
    media = content_type.partition(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _too_deep(body: bytes) -> Response | None:
    try:
        deep = too_deep(body.decode("utf-8"))
    except UnicodeDecodeError:
        return None  # not JSON text at all: the route's parser refuses it
    if not deep:
        return None
    return problem_response(
        422, "invalid-input", f"body: nested deeper than {MAX_JSON_DEPTH} levels"
    )


def limited_route(max_bytes: int) -> type[APIRoute]:
    """An ``APIRoute`` class whose requests carry at most ``max_bytes`` of body, nested (as JSON)
    at most :data:`MAX_JSON_DEPTH` levels deep."""

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
                if _is_json(request.headers.get("content-type", "application/json")):
                    refused = _too_deep(bytes(body))
                    if refused is not None:
                        return refused
                # Starlette's Request caches the body here; the route's parsing reads it back.
                request._body = bytes(body)
                return await handler(request)

            return limited

    LimitedRoute.__name__ = f"LimitedRoute{max_bytes}"
    return LimitedRoute
