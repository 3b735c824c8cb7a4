"""Response helpers shared by the JSON routes: orjson bodies and the request id."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import JSONResponse


class FastJSONResponse(JSONResponse):
    """A JSON response encoded by orjson: the same compact UTF-8 JSON as Starlette's
    ``JSONResponse`` (no insignificant whitespace, non-ASCII kept), several times faster for the
    data API's pages of records (measured in docs/benchmarks.md)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def request_id_of(request: Request) -> str | None:
    """The id of this request (see ``api.requestid``), or None outside the app's middleware."""
    value = getattr(request.state, "request_id", None)
    return value if isinstance(value, str) else None
