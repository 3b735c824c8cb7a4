"""The data API for partners (``/v1/…``): every call decided, minimized and logged before it answers.

A call names its purpose (one the token carries). The answer carries the log index of the call's
access event, in the ``Log-Index`` header and in the body; a denied call answers 403 with the
reason codes (and is logged too), a used-up quota 429 with ``Retry-After``.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypedDict, Unpack

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.security import HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from consentgate.api.limits import JSON_BODY_LIMIT, limited_route
from consentgate.api.problems import MEDIA_TYPE, PROBLEM_RESPONSES, Problem
from consentgate.api.responses import FastJSONResponse, request_id_of
from consentgate.domain import Category, TokenContext
from consentgate.errors import Unauthenticated
from consentgate.services.access import AccessResult, AccessService, Outcome
from consentgate.services.wiring import Services
from consentgate.web.state import AppState, RunningDep, ServicesDep, state_of

#: The largest page a partner may ask for, and the page a partner gets without asking.
MAX_PAGE = 100
DEFAULT_PAGE = 50

#: How long a purpose's name may be, in characters.
PURPOSE_LENGTH = range(2, 65)
PURPOSE = Annotated[
    str,
    Query(
        min_length=PURPOSE_LENGTH.start,
        max_length=PURPOSE_LENGTH.stop - 1,
        description="The purpose of this call; the token must carry it",
    ),
]
LIMIT = Annotated[
    int, Query(ge=1, le=MAX_PAGE, description=f"Records per page (at most {MAX_PAGE})")
]
#: The largest offset a partner may ask for.
MAX_OFFSET = 10_000_000
OFFSET = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Records to skip")]
#: Row ids are 64-bit signed integers in both databases (SQLite INTEGER, PostgreSQL BIGINT).
MAX_ROW_ID = (1 << 63) - 1
THREAD_ID = Annotated[int, Path(ge=1, le=MAX_ROW_ID, description="The thread's id")]

RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    401: {
        "model": Problem,
        "description": "Missing, expired or revoked token",
        "content": {MEDIA_TYPE: {}},
    },
    403: {
        "model": Problem,
        "description": "Denied by the decision engine (reason codes in `reasons`); logged",
        "content": {MEDIA_TYPE: {}},
    },
    413: {"model": Problem, "description": "The body is too large", "content": {MEDIA_TYPE: {}}},
    429: {
        "model": Problem,
        "description": "The capability's quota is used up; see Retry-After",
        "content": {MEDIA_TYPE: {}},
    },
}


class Records(BaseModel):
    """Records that left the platform, and the log entry that records it."""

    log_index: int = Field(description="Index of this call's access event in the transparency log")
    records: list[dict[str, Any]]
    filtered: int = Field(
        description="Records or entries taken out because of other people's settings"
    )
    next_offset: int | None = Field(description="Offset of the next page, or null on the last page")


class NewMessage(BaseModel):
    """A message a partner sends on the person's behalf."""

    model_config = ConfigDict(extra="forbid", strict=True)
    purpose: str = Field(min_length=2, max_length=64)
    body: str = Field(min_length=1, max_length=10_000)


def _resolve_token(authorization: str, services: Services) -> TokenContext:
    """The token of an ``Authorization`` header's value (RFC 6750), or :class:`Unauthenticated`."""
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an OAuth access token: Authorization: Bearer <token>")
    context = services.tokens.resolve_bearer(token.strip())
    if context is None:
        raise Unauthenticated("the access token is invalid, expired or revoked")
    return context


_LimitedRoute = limited_route(JSON_BODY_LIMIT)
#: Methods without a request body: their token is checked by the endpoint (see TokenFirstRoute).
_BODILESS = frozenset({"GET", "HEAD"})


class TokenFirstRoute(_LimitedRoute):  # type: ignore[valid-type, misc]  # made by limited_route
    """Checks the bearer token before the body is read, then bounds the body's size and nesting.

    FastAPI resolves a route's body before its dependencies, so without this an anonymous caller
    could make the server read and parse (and validate) a body it will refuse anyway. A read
    (GET, HEAD) has no body: its endpoint checks the token in the same step as the decision and
    the fetch (:func:`read`: on the event loop on SQLite, in one worker-thread hop on
    PostgreSQL).
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def token_first(request: Request) -> Response:
            if request.method not in _BODILESS:
                services = state_of(request.app).services
                authorization = request.headers.get("authorization", "")
                token = await run_in_threadpool(_resolve_token, authorization, services)
                request.state.partner_token = token
            response: Response = await handler(request)
            return response

        return token_first


async def partner_token(request: Request, services: ServicesDep) -> TokenContext:
    """The bearer token of the calling partner (RFC 6750), or 401; checked by the route class."""
    context = getattr(request.state, "partner_token", None)
    if isinstance(context, TokenContext):
        return context
    authorization = request.headers.get("authorization", "")
    return await run_in_threadpool(_resolve_token, authorization, services)


class _DeclaredBearer(HTTPBearer):
    """The partner security scheme, declared for OpenAPI only: TokenFirstRoute and the read
    endpoints check the token themselves, so this dependency does nothing per call (FastAPI's
    own ``HTTPBearer`` would parse the header into a model on every call, for nothing)."""

    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


_bearer = _DeclaredBearer(
    auto_error=False, scheme_name="partner", description="An OAuth access token (RFC 6750)"
)
router = APIRouter(
    prefix="/v1",
    tags=["data"],
    route_class=TokenFirstRoute,
    dependencies=[Depends(_bearer)],
)


async def access(running: RunningDep) -> AccessService:
    return running.access


Token = Annotated[TokenContext, Depends(partner_token)]
Access = Annotated[AccessService, Depends(access)]


def _answer(
    result: AccessResult, limit: int | None, offset: int, status_code: int = 200
) -> Response:
    """The records as JSON, shaped as :class:`Records` (built directly: the records are already
    plain JSON values, so a second validation pass would only cost time on the hot path)."""
    full = (
        limit is not None and len(result.records) + result.out_of_scope + result.filtered >= limit
    )
    body = {
        "log_index": result.log_index,
        "records": list(result.records),
        "filtered": result.filtered,
        "next_offset": offset + limit if full and limit is not None else None,
    }
    headers = {"Log-Index": str(result.log_index)}
    return FastJSONResponse(body, status_code=status_code, headers=headers)


class Page(TypedDict, total=False):
    """Which records of a read (see :func:`read`)."""

    thread_id: int | None
    limit: int | None
    offset: int


async def _read(
    request: Request, category: Category, purpose: str, **page: Unpack[Page]
) -> Response:
    return await read(
        state_of(request.app),
        request.headers.get("authorization", ""),
        request_id_of(request),
        category,
        purpose,
        **page,
    )


async def read(
    state: AppState,
    authorization: str,
    request_id: str | None,
    category: Category,
    purpose: str,
    *,
    thread_id: int | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Response:
    """A read of the data API, its parameters already valid: check the token, decide, fetch and
    minimize, then await the durable log append on the event loop, then answer. (Called by the
    routes below, and by :mod:`consentgate.api.reads` for the plainest requests.)

    Measured (docs/benchmarks.md): on SQLite the token check, decision and fetch are a few reads
    of local pages, cheaper than a hop to a worker thread and the GIL hand-offs that come with
    it, so they run on the event loop (as the benchmark's floor does); on PostgreSQL each query
    is a round trip, which a worker thread waits out while the loop serves others. Awaiting the
    append on the loop means no thread waits for the commit. The app's state is read directly,
    not through dependencies: each dependency costs FastAPI a resolution step on every call.
    """
    service = state.lifecycle.running.access

    def prepare() -> Outcome:
        token = _resolve_token(authorization, state.services)
        return service.prepare_read(
            token,
            category,
            purpose,
            thread_id=thread_id,
            limit=limit or DEFAULT_PAGE,
            offset=offset,
            request_id=request_id,
        )

    if state.services.db.dialect == "sqlite":
        outcome = prepare()
    else:
        outcome = await run_in_threadpool(prepare)
    result = await service.commit_async(outcome)
    return _answer(result, limit, offset)


@router.get("/profile", response_model=Records, responses=RESPONSES)
async def read_profile(request: Request, purpose: PURPOSE) -> Response:
    """The person's profile."""
    return await _read(request, Category.PROFILE, purpose)


def _list_endpoint(category: Category, summary: str) -> None:
    """Register ``GET /v1/<category>``: one page of the person's records of that category."""

    async def read_page(
        request: Request, purpose: PURPOSE, limit: LIMIT = DEFAULT_PAGE, offset: OFFSET = 0
    ) -> Response:
        return await _read(request, category, purpose, limit=limit, offset=offset)

    read_page.__doc__ = summary
    router.add_api_route(
        f"/{category.value}",
        read_page,
        methods=["GET"],
        name=f"read_{category.value}",
        response_model=Records,
        responses=RESPONSES,
    )


_list_endpoint(
    Category.CONTACTS,
    "The person's contacts (contacts who are platform people appear only if they allow it).",
)
_list_endpoint(
    Category.FRIENDS, "The person's friends (each friend appears only if they allow it)."
)
_list_endpoint(Category.MESSAGES, "The person's messages across their threads, oldest first.")
_list_endpoint(
    Category.CALENDAR,
    "The person's calendar events (attendees who are platform people appear only if they allow it).",
)


@router.get("/threads/{thread_id}/messages", response_model=Records, responses=RESPONSES)
async def read_thread(
    request: Request,
    purpose: PURPOSE,
    thread_id: THREAD_ID,
    limit: LIMIT = DEFAULT_PAGE,
    offset: OFFSET = 0,
) -> Response:
    """The messages of one thread the person takes part in, oldest first."""
    return await _read(
        request, Category.MESSAGES, purpose, thread_id=thread_id, limit=limit, offset=offset
    )


@router.post(
    "/threads/{thread_id}/messages", response_model=Records, status_code=201, responses=RESPONSES
)
def send_message(
    request: Request,
    token: Token,
    service: Access,
    message: NewMessage,
    thread_id: THREAD_ID,
) -> Response:
    """Send a message into a thread on the person's behalf (the ``messages.write`` capability)."""
    result = service.write_message(
        token, thread_id, message.body, message.purpose, request_id=request_id_of(request)
    )
    return _answer(result, None, 0, status_code=201)
