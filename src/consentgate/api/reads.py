"""The data API's reads in their plainest form, answered without FastAPI's routing and parameter
solving; every other request goes on to the routes of :mod:`consentgate.api.data`.

Measured (docs/benchmarks.md): on the partner path's hottest read, FastAPI's route matching,
dependency solving and parameter validation cost 0.6–0.75 ms of CPU per read, against 0.29–0.33
ms when this middleware answers it. The routes stay the contract (OpenAPI, validation errors,
every unusual request); this middleware answers only a ``GET`` whose path and query already satisfy them, in a
canonical form it checks strictly: the path of a read route, no body, each known query parameter
at most once and no other, ``purpose`` of an allowed length, ``limit``, ``offset`` and the thread
id as plain decimal numbers in range. It then calls the very function the routes call
(:func:`consentgate.api.data.read`), so the decision, the log entry and the answer are the same;
what it does not take, the routes answer, with their own errors.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from starlette.types import ASGIApp, Receive, Scope, Send

from consentgate.api import data
from consentgate.api.problems import error_response
from consentgate.domain import Category
from consentgate.errors import Error
from consentgate.web.state import AppState

#: A number as the routes' validation would take it, in its plainest spelling (no sign, no
#: leading zero, no spaces): anything else goes to the routes, which decide.
_NUMBER = re.compile(r"0|[1-9][0-9]{0,18}")
_PAGED = frozenset({"purpose", "limit", "offset"})
#: ``/v1/…`` path → (category, the query parameters its route knows); the thread's is apart.
_LISTS: dict[str, tuple[Category, frozenset[str]]] = {
    f"/v1/{c.value}": (c, _PAGED)
    for c in (Category.CONTACTS, Category.FRIENDS, Category.MESSAGES, Category.CALENDAR)
}
_LISTS["/v1/profile"] = (Category.PROFILE, frozenset({"purpose"}))
_THREAD = re.compile(r"/v1/threads/(0|[1-9][0-9]{0,18})/messages")
#: The routes by name (their templates label the request counts).
_ROUTES = {route.name: route for route in data.router.routes if isinstance(route, APIRoute)}


def _number(text: str | None, low: int, high: int) -> int | None:
    if text is None or not _NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if low <= value <= high else None


class _Read:
    """A read the middleware answers: its category and valid parameters."""

    __slots__ = ("category", "limit", "offset", "purpose", "route_name", "thread_id")

    def __init__(self, category: Category, route_name: str, thread_id: int | None) -> None:
        self.category = category
        self.route_name = route_name
        self.thread_id = thread_id
        self.purpose = ""
        self.limit: int | None = None
        self.offset = 0


def plain_read(scope: Scope) -> _Read | None:
    """The read ``scope`` asks for when it is in the plainest form (see the module docstring);
    ``None`` for anything else, which the routes answer."""
    if scope["method"] != "GET" or scope.get("root_path"):
        return None
    path: str = scope["path"]
    listed = _LISTS.get(path)
    if listed is not None:
        category, known = listed
        read = _Read(category, f"read_{category.value}", None)
    else:
        thread = _THREAD.fullmatch(path)
        thread_id = _number(thread.group(1), 1, data.MAX_ROW_ID) if thread else None
        if thread_id is None:
            return None
        read, known = _Read(Category.MESSAGES, "read_thread", thread_id), _PAGED
    for name, _ in scope["headers"]:
        if name in (b"content-length", b"transfer-encoding"):  # a body: the routes bound it
            return None
    return read if _parameters(read, scope["query_string"], known) else None


def _parameters(read: _Read, query_string: bytes, known: frozenset[str]) -> bool:
    """Set ``read``'s parameters from the query; whether they are all plain and valid."""
    query = dict(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
    if not query.keys() <= known or len(query) != query_string.count(b"&") + 1:
        return False  # an unknown or repeated parameter (or an empty one): the routes decide
    purpose = query.get("purpose")
    if purpose is None or len(purpose) not in data.PURPOSE_LENGTH:
        return False
    read.purpose = purpose
    if known is _PAGED:
        limit = _number(query.get("limit", str(data.DEFAULT_PAGE)), 1, data.MAX_PAGE)
        offset = _number(query.get("offset", "0"), 0, data.MAX_OFFSET)
        if limit is None or offset is None:
            return False
        read.limit, read.offset = limit, offset
    return True


class PlainReads:
    """ASGI middleware: answers the plainest reads of the data API (module docstring) and hands
    every other request on. It sits inside :class:`~consentgate.api.operations.Operations`, so a
    read it answers carries its request id, is counted under its route and gets the security
    headers like any other."""

    def __init__(self, app: ASGIApp, state: AppState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        read = plain_read(scope) if scope["type"] == "http" else None
        if read is None:
            await self.app(scope, receive, send)
            return
        scope["route"] = _ROUTES[read.route_name]  # counted under its route, as the routes are
        authorization = ""
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value.decode("latin-1")
                break
        request_id = scope.get("state", {}).get("request_id")
        try:
            response = await data.read(
                self.state,
                authorization,
                request_id,
                read.category,
                read.purpose,
                thread_id=read.thread_id,
                limit=read.limit,
                offset=read.offset,
            )
        except Error as err:
            response = error_response(err)
        await response(scope, receive, send)
