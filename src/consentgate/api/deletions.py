"""Deletion obligations, as the partner sees them, under ``/v1/partner/deletions``.

* ``GET /v1/partner/deletions[?state=open|all]`` — the calling partner's obligations (open ones by
  default): which person's data of which category to delete, and by when.
* ``POST /v1/partner/deletions/{id}/confirm`` — the partner confirms it deleted that data.

The partner authenticates with its OAuth client credentials (HTTP Basic ``client_id:secret``,
RFC 6749 §2.3.1), so a suspended or terminated partner can still see and confirm what it owes.

Once a confirmation is committed, the journal (:mod:`consentgate.services.journal`) appends it to
the transparency log, as it does grants and revocations. Its log index is not known when the
response is sent, so ``log_index`` in the response is null.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, Literal
from urllib.parse import unquote

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.routing import APIRoute
from fastapi.security.http import HTTPBase
from pydantic import BaseModel

from consentgate.api.admin_models import ObligationOut
from consentgate.api.limits import limited_route
from consentgate.api.problems import endpoint_problems, problem_response
from consentgate.services.clients import ClientRow
from consentgate.web.state import ServicesDep

#: Confirmations carry no body; anything more than a little is refused.
_BODY_LIMIT = 1024
_REALM = 'Basic realm="consentgate-partner", charset="UTF-8"'

RESPONSES = endpoint_problems(
    {
        401: "No or wrong client credentials",
        403: "The obligation belongs to another partner",
    }
)


class Unauthorized(Exception):
    """Client authentication failed; rendered as a 401 problem with a ``WWW-Authenticate``."""


class ConfirmedOut(BaseModel):
    obligation: ObligationOut
    log_index: int | None = None


def _credentials(header: str) -> tuple[str, str] | None:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, sep, secret = decoded.partition(":")
    if not sep or not client_id or not secret:
        return None
    # RFC 6749 §2.3.1: both parts are form-urlencoded before Basic encoding.
    return unquote(client_id.replace("+", " ")), unquote(secret.replace("+", " "))


def authenticated_client(request: Request, services: ServicesDep) -> ClientRow:
    """The OAuth client whose HTTP Basic credentials the request carries, or 401."""
    pair = _credentials(request.headers.get("authorization", ""))
    client = services.clients.authenticate(*pair) if pair else None
    if client is None:
        raise Unauthorized
    return client


def partner_route_class(body_limit: int = _BODY_LIMIT) -> type[APIRoute]:
    """Routes of the partner API under client credentials: a small body, and a 401 problem
    with ``WWW-Authenticate`` when the credentials are wrong."""
    base = limited_route(body_limit)

    class PartnerRoute(base):  # type: ignore[valid-type, misc]  # a class made by limited_route
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def handle(request: Request) -> Response:
                try:
                    response: Response = await handler(request)
                except Unauthorized:
                    return problem_response(
                        401,
                        "unauthenticated",
                        "authenticate with the partner's OAuth client id and secret (HTTP Basic)",
                        headers={"WWW-Authenticate": _REALM},
                    )
                return response

            return handle

    return PartnerRoute


# Declared for OpenAPI (the security scheme); authenticated_client does the actual check.
partner_scheme = HTTPBase(
    scheme="basic",
    scheme_name="partner_client",
    description="The partner's OAuth client id and secret (RFC 6749 §2.3.1)",
    auto_error=False,
)
router = APIRouter(
    prefix="/v1/partner/deletions",
    tags=["partner"],
    responses=RESPONSES,
    route_class=partner_route_class(),
    dependencies=[Depends(partner_scheme)],
)
ClientDep = Annotated[ClientRow, Depends(authenticated_client)]


@router.get("")
def list_deletions(
    services: ServicesDep,
    client: ClientDep,
    state: Annotated[
        Literal["open", "all"], Query(description="open (the default) or all obligations")
    ] = "open",
) -> list[ObligationOut]:
    """The calling partner's deletion obligations, each with the person, category and due date."""
    found = services.grants.obligations_of_partner(client.partner_id, open_only=state == "open")
    return [ObligationOut.of(o) for o in found]


@router.post("/{obligation_id}/confirm")
def confirm_deletion(obligation_id: str, services: ServicesDep, client: ClientDep) -> ConfirmedOut:
    """Confirm the data of this obligation is deleted. Confirming twice is a 409."""
    confirmed = services.grants.confirm_deletion(obligation_id, partner_id=client.partner_id)
    return ConfirmedOut(obligation=ObligationOut.of(confirmed))
