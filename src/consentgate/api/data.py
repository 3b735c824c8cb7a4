"""The data API for partners (``/v1/…``): every call decided, minimized and logged before it answers.

A call names its purpose (one the token carries). The answer carries the log index of the call's
access event, in the ``Log-Index`` header and in the body; a denied call answers 403 with the
reason codes (and is logged too), a used-up quota 429 with ``Retry-After``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from consentgate.api.problems import PROBLEM_RESPONSES, Problem
from consentgate.domain import Category, TokenContext
from consentgate.errors import Unauthenticated
from consentgate.services.access import AccessResult, AccessService
from consentgate.web.state import RunningDep, ServicesDep

router = APIRouter(prefix="/v1", tags=["data"])

#: The largest page a partner may ask for.
MAX_PAGE = 100

PURPOSE = Annotated[
    str,
    Query(
        min_length=2, max_length=64, description="The purpose of this call; the token must carry it"
    ),
]
LIMIT = Annotated[
    int, Query(ge=1, le=MAX_PAGE, description=f"Records per page (at most {MAX_PAGE})")
]
OFFSET = Annotated[int, Query(ge=0, le=10_000_000, description="Records to skip")]

RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    401: {"model": Problem, "description": "Missing, expired or revoked token"},
    403: {
        "model": Problem,
        "description": "Denied by the decision engine (reason codes in `reasons`); logged",
    },
    429: {"model": Problem, "description": "The capability's quota is used up; see Retry-After"},
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


def partner_token(request: Request, services: ServicesDep) -> TokenContext:
    """The bearer token of the calling partner (RFC 6750), or 401."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("send an OAuth access token: Authorization: Bearer <token>")
    context = services.tokens.resolve_bearer(token.strip())
    if context is None:
        raise Unauthenticated("the access token is invalid, expired or revoked")
    return context


def access(running: RunningDep) -> AccessService:
    return running.access


Token = Annotated[TokenContext, Depends(partner_token)]
Access = Annotated[AccessService, Depends(access)]


def _answer(
    result: AccessResult, limit: int | None, offset: int, status_code: int = 200
) -> JSONResponse:
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
    return JSONResponse(body, status_code=status_code, headers=headers)


@router.get("/profile", response_model=Records, responses=RESPONSES)
def read_profile(token: Token, service: Access, purpose: PURPOSE) -> JSONResponse:
    """The person's profile."""
    return _answer(service.read(token, Category.PROFILE, purpose), None, 0)


def _list_endpoint(category: Category, summary: str) -> None:
    """Register ``GET /v1/<category>``: one page of the person's records of that category."""

    def read_page(
        token: Token,
        service: Access,
        purpose: PURPOSE,
        limit: LIMIT = 50,
        offset: OFFSET = 0,
    ) -> JSONResponse:
        result = service.read(token, category, purpose, limit=limit, offset=offset)
        return _answer(result, limit, offset)

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
def read_thread(
    token: Token,
    service: Access,
    purpose: PURPOSE,
    thread_id: Annotated[int, Path(ge=1)],
    limit: LIMIT = 50,
    offset: OFFSET = 0,
) -> JSONResponse:
    """The messages of one thread the person takes part in, oldest first."""
    result = service.read(
        token, Category.MESSAGES, purpose, thread_id=thread_id, limit=limit, offset=offset
    )
    return _answer(result, limit, offset)


@router.post(
    "/threads/{thread_id}/messages", response_model=Records, status_code=201, responses=RESPONSES
)
def send_message(
    token: Token,
    service: Access,
    message: NewMessage,
    thread_id: Annotated[int, Path(ge=1)],
) -> JSONResponse:
    """Send a message into a thread on the person's behalf (the ``messages.write`` capability)."""
    result = service.write_message(token, thread_id, message.body, message.purpose)
    return _answer(result, None, 0, status_code=201)
