"""The authorization server: Authlib's ``AuthorizationServer`` bound to consentgate's services.

This is the thin framework integration Authlib leaves to its users (Authlib docs, "OAuth 2.0
Provider — custom framework"): ``query_client``, ``save_token``, the token generator, and the
three framework hooks ``create_oauth2_request``, ``create_json_request`` and ``handle_response``.
Authlib is synchronous; the routes call it in a worker thread with an already-read request.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer
from starlette.responses import JSONResponse, Response

from consentgate.domain.details import load_details, to_details
from consentgate.errors import NotFound
from consentgate.oauth.grants import (
    CodeGrant,
    Introspection,
    Revocation,
    RotatingRefreshGrant,
    S256Challenge,
)
from consentgate.oauth.models import OAuthClient
from consentgate.oauth.requests import (
    CapturedRequest,
    ConsentgateJsonRequest,
    ConsentgateOAuth2Request,
)
from consentgate.services.tokens import new_secret
from consentgate.services.wiring import Services

#: RFC 6749 §5.1: token responses must not be cached.
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class IssuerIntrospection(Introspection):
    """RFC 7662 introspection whose active answers name the issuer (§2.2 ``iss``): the configured
    public URL, the same string as the RFC 8414 metadata's ``issuer``."""

    def introspect_token(self, token: Any) -> dict[str, Any]:
        body: dict[str, Any] = super().introspect_token(token)
        server: ConsentgateAuthorizationServer = self.server
        body["iss"] = server.services.settings.issuer
        return body


#: Where refused OAuth requests are recorded (Python logging; the server's operators read it).
audit = logging.getLogger("consentgate.oauth")


class ConsentgateAuthorizationServer(AuthorizationServer):  # type: ignore[misc]  # Authlib ships no type information
    """Authorization code + PKCE S256, rotating refresh tokens, introspection and revocation."""

    def __init__(self, services: Services) -> None:
        super().__init__(scopes_supported=None)
        self.services = services
        self.register_token_generator("default", self._generate_token)
        self.register_grant(CodeGrant, [S256Challenge(required=True)])
        self.register_grant(RotatingRefreshGrant)
        self.register_endpoint(IssuerIntrospection)
        self.register_endpoint(Revocation)

    # --- storage hooks ----------------------------------------------------------------------------
    def query_client(self, client_id: str) -> OAuthClient | None:
        if not client_id or len(client_id) > 64:
            return None
        try:
            return OAuthClient(self.services.clients.get_client(client_id), self.services)
        except NotFound:
            return None

    def _generate_token(
        self,
        grant_type: str,
        client: OAuthClient,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        """An opaque bearer token (RFC 6750) and, by default, a refresh token."""
        token: dict[str, Any] = {
            "token_type": "Bearer",
            "access_token": new_secret(),
            "expires_in": self.services.tokens.access_token_seconds,
        }
        if scope:
            token["scope"] = scope
        if include_refresh_token:
            token["refresh_token"] = new_secret()
        return token

    def save_token(self, token: dict[str, Any], request: Any) -> None:
        """Store the new pair (hashed) and answer with its authorization details (RFC 9396 §7)."""
        family = None
        if request.refresh_token is not None:
            family = request.refresh_token.row
            person_id, grant_id = family.person_id, family.grant_id
            scopes = load_details(family.authorization_details)
        else:
            code = request.authorization_code.row
            person_id, grant_id = code.person_id, code.grant_id
            scopes = load_details(code.authorization_details)
        self.services.tokens.save_tokens(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            client_id=request.client.get_client_id(),
            person_id=person_id,
            grant_id=grant_id,
            scopes=scopes,
            family=family,
        )
        token["authorization_details"] = to_details(scopes)

    # --- framework hooks --------------------------------------------------------------------------
    def create_oauth2_request(self, request: Any) -> ConsentgateOAuth2Request:
        if isinstance(request, ConsentgateOAuth2Request):
            return request
        if isinstance(request, CapturedRequest):
            return ConsentgateOAuth2Request(request, from_query=request.method == "GET")
        raise TypeError("pass a CapturedRequest or a ConsentgateOAuth2Request")

    def create_json_request(self, request: Any) -> ConsentgateJsonRequest:
        if isinstance(request, CapturedRequest):
            return ConsentgateJsonRequest(request)
        raise TypeError("pass a CapturedRequest")

    def handle_response(self, status: int, body: Any, headers: Any) -> Response:
        merged = dict(headers or [])
        if status >= 400 and isinstance(body, dict):
            # Protocol refusals (a code used twice, a wrong redirect URI, a missing PKCE verifier,
            # a bad client secret) are not access decisions, so they are not log leaves; they
            # are recorded here for operators and audits of the authorization server.
            audit.warning(
                "oauth refused: status=%s error=%s description=%s",
                status,
                body.get("error"),
                body.get("error_description"),
            )
        elif 300 <= status < 400 and "error=" in merged.get("Location", ""):
            audit.warning(
                "oauth refused by redirect: %s", merged["Location"].partition("?")[2][:300]
            )
        if isinstance(body, dict):
            merged.pop("Content-Type", None)
            return JSONResponse(body, status_code=status, headers={**merged, **_NO_STORE})
        return Response(content=body or b"", status_code=status, headers=merged)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """Authlib's signals (after client authentication, after revocation): not used."""
