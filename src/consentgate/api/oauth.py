"""OAuth 2.0 endpoints: metadata, authorization, token, introspection and revocation.

These answer in their RFCs' own formats, not RFC 9457 problems: errors are
``{"error": …, "error_description": …}`` (RFC 6749 §5.2), or a redirect back to the client with
``error`` in the query once the client and its redirect URI are known (RFC 6749 §4.1.2.1).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from authlib.oauth2.rfc6749 import OAuth2Error
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.types import DecoratedCallable
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse, Response

from consentgate.api.limits import limited_route
from consentgate.api.problems import Problem
from consentgate.domain import Action, Category
from consentgate.domain.details import DETAILS_TYPE
from consentgate.errors import InvalidInput
from consentgate.oauth.grants import error_text
from consentgate.oauth.models import CLIENT_AUTH_METHODS, GRANT_TYPES
from consentgate.oauth.requests import CapturedRequest, ConsentgateOAuth2Request, capture
from consentgate.oauth.server import ConsentgateAuthorizationServer
from consentgate.web import consent
from consentgate.web.state import AuthorizationDep, State

#: An OAuth request is a few hundred bytes; a form body above this is refused (413).
FORM_BODY_LIMIT = 16 * 1024

router = APIRouter(tags=["oauth"], route_class=limited_route(FORM_BODY_LIMIT))


class OAuthErrorBody(BaseModel):
    """RFC 6749 §5.2 error response."""

    error: str = Field(description="invalid_request, invalid_client, invalid_grant, …")
    error_description: str | None = None


class TokenBody(BaseModel):
    """RFC 6749 §5.1 token response, with the granted RFC 9396 authorization details (§7)."""

    access_token: str
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type, not a secret
    expires_in: int
    refresh_token: str | None = None
    scope: str | None = None
    authorization_details: list[dict[str, Any]]


class IntrospectionBody(BaseModel):
    """RFC 7662 §2.2 introspection response; only ``active`` when the token is not active."""

    active: bool
    iss: str | None = Field(default=None, description="The issuer (RFC 8414), as in the metadata")
    client_id: str | None = None
    scope: str | None = None
    sub: str | None = None
    exp: int | None = None
    iat: int | None = None
    token_type: str | None = None
    grant_id: str | None = None
    authorization_details: list[dict[str, Any]] | None = None


class ServerMetadata(BaseModel):
    """RFC 8414 §2 authorization server metadata."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    introspection_endpoint: str
    revocation_endpoint: str
    response_types_supported: list[str]
    response_modes_supported: list[str]
    grant_types_supported: list[str]
    token_endpoint_auth_methods_supported: list[str]
    introspection_endpoint_auth_methods_supported: list[str]
    revocation_endpoint_auth_methods_supported: list[str]
    code_challenge_methods_supported: list[str]
    authorization_details_types_supported: list[str]
    scopes_supported: list[str]
    service_documentation: str


_OAUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": OAuthErrorBody, "description": "RFC 6749 §5.2 error"},
    401: {"model": OAuthErrorBody, "description": "Client authentication failed"},
    413: {"description": "The form body is too large"},
}
_FORM = {
    "requestBody": {
        "required": True,
        "content": {"application/x-www-form-urlencoded": {"schema": {"type": "object"}}},
    }
}


def _form_endpoint(
    path: str, body: type[BaseModel] | None = None
) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """Route a POST of an OAuth form endpoint (token, introspection, revocation): a form body in,
    ``body`` (None: no JSON body) or an RFC 6749 §5.2 error out, as the OpenAPI document says."""
    return router.post(path, response_model=body, responses=_OAUTH_ERRORS, openapi_extra=_FORM)


def _oauth_error(status: int, error: str, description: str) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": error_text(description)},
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


async def _captured(request: Request) -> CapturedRequest | JSONResponse:
    try:
        return await capture(request)
    except InvalidInput as err:
        return _oauth_error(400, "invalid_request", err.message)


def _oauth_request(captured: CapturedRequest) -> ConsentgateOAuth2Request | Response:
    try:
        return ConsentgateOAuth2Request(captured, from_query=False)
    except OAuth2Error as err:  # e.g. insecure_transport: plain HTTP to a non-loopback host
        return _oauth_error(400, str(err.error), str(err.description))


@router.get(
    "/.well-known/oauth-authorization-server",
    response_model=ServerMetadata,
    # The document takes no input, so the only client error is using another method.
    responses={405: {"model": Problem, "description": "Only GET is allowed"}},
)
def metadata(state: State) -> ServerMetadata:
    """Authorization server metadata (RFC 8414 §3).

    Every URL is built on the configured public URL (``CONSENTGATE_PUBLIC_URL``), never on the
    request's ``Host`` header: a client that chose the header would otherwise choose the issuer
    that partners compare with (RFC 8414 §3.3, RFC 9207).
    """
    base = state.settings.issuer
    methods = list(CLIENT_AUTH_METHODS)
    return ServerMetadata(
        issuer=base,
        authorization_endpoint=f"{base}/oauth/authorize",
        token_endpoint=f"{base}/oauth/token",
        introspection_endpoint=f"{base}/oauth/introspect",
        revocation_endpoint=f"{base}/oauth/revoke",
        response_types_supported=["code"],
        response_modes_supported=["query"],
        grant_types_supported=sorted(GRANT_TYPES),
        token_endpoint_auth_methods_supported=methods,
        introspection_endpoint_auth_methods_supported=methods,
        revocation_endpoint_auth_methods_supported=methods,
        code_challenge_methods_supported=["S256"],
        authorization_details_types_supported=[DETAILS_TYPE],
        scopes_supported=[f"{c.value}.{a.value}" for c in Category for a in Action],
        service_documentation=f"{base}/docs",
    )


_OAUTH_ERROR_JSON = {
    "application/json": {"schema": {"$ref": "#/components/schemas/OAuthErrorBody"}}
}
_PROBLEM_JSON = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_REDIRECT = {"description": "Back to the client's redirect URI with a code or an RFC 6749 error"}
#: The authorization endpoint answers pages, redirects, and OAuth errors as JSON when the client or
#: its redirect URI cannot be trusted with a redirect (RFC 6749 §4.1.2.1).
_AUTHORIZE_RESPONSES: dict[int | str, dict[str, Any]] = {
    302: _REDIRECT,
    303: {"description": "To the sign-in page first"},
    400: {"description": "RFC 6749 §5.2 error, not redirected", "content": _OAUTH_ERROR_JSON},
    413: {"description": "The request is too large", "content": _PROBLEM_JSON},
}
_DECISION_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "application/x-www-form-urlencoded": {
                "schema": {
                    "type": "object",
                    "required": ["csrf_token", "decision"],
                    "properties": {
                        "csrf_token": {"type": "string"},
                        "decision": {"type": "string", "enum": ["allow", "deny"]},
                        "receipt_digest": {"type": "string"},
                    },
                }
            }
        },
    }
}


@router.get("/oauth/authorize", response_class=HTMLResponse, responses=_AUTHORIZE_RESPONSES)
async def authorize(request: Request, state: State) -> Response:
    """Authorization endpoint (RFC 6749 §4.1.1): sign-in, then the consent screen.

    Requires ``response_type=code``, ``client_id``, an exactly registered ``redirect_uri``,
    ``code_challenge`` with ``code_challenge_method=S256`` (RFC 7636), and either
    ``authorization_details`` of type ``consentgate_access`` (RFC 9396) or ``scope`` with ``purpose``.
    """
    captured = await _captured(request)
    if isinstance(captured, Response):
        return captured
    response: Response = await run_in_threadpool(consent.authorize_page, request, captured, state)
    return response


@router.post(
    "/oauth/authorize",
    response_class=HTMLResponse,
    openapi_extra=_DECISION_FORM,
    responses={
        **_AUTHORIZE_RESPONSES,
        400: {
            "description": "An RFC 6749 §5.2 error, or a decision other than allow or deny",
            "content": {**_OAUTH_ERROR_JSON, **_PROBLEM_JSON},
        },
        403: {"description": "The form's CSRF token is missing or wrong", "content": _PROBLEM_JSON},
        409: {"description": "What is asked changed since the page was shown: shown again"},
    },
)
async def authorize_decision(request: Request, state: State) -> Response:
    """The consent form's Allow / Deny: the same query as the GET, and the form the consent screen
    posts (its CSRF token, the decision and the digest of the receipt the person read)."""
    captured = await _captured(request)
    if isinstance(captured, Response):
        return captured
    response: Response = await run_in_threadpool(
        consent.authorize_decision, request, captured, state
    )
    return response


@_form_endpoint("/oauth/token", TokenBody)
async def token(request: Request, server: AuthorizationDep) -> Response:
    """Token endpoint (RFC 6749 §3.2): ``authorization_code`` with ``code_verifier``, or ``refresh_token``."""
    return await _endpoint(request, server, None)


async def _endpoint(
    request: Request, server: ConsentgateAuthorizationServer, name: str | None
) -> Response:
    """Answer a form POST with Authlib: the token endpoint (``name`` None) or a named endpoint."""
    captured = await _captured(request)
    if isinstance(captured, Response):
        return captured
    oauth_request = _oauth_request(captured)
    if isinstance(oauth_request, Response):
        return oauth_request
    response: Response
    if name is None:
        response = await run_in_threadpool(server.create_token_response, oauth_request)
    else:
        response = await run_in_threadpool(server.create_endpoint_response, name, oauth_request)
    return response


@_form_endpoint("/oauth/introspect", IntrospectionBody)
async def introspect(request: Request, server: AuthorizationDep) -> Response:
    """Token introspection (RFC 7662 §2): a client learns whether its own token is active."""
    return await _endpoint(request, server, "introspection")


@_form_endpoint("/oauth/revoke")
async def revoke(request: Request, server: AuthorizationDep) -> Response:
    """Token revocation (RFC 7009 §2): revokes the token and every token of its family."""
    return await _endpoint(request, server, "revocation")
