"""Authlib grants and endpoints, bound to consentgate's clients, codes and tokens.

- ``CodeGrant``: the authorization code grant (RFC 6749 §4.1). Redirect URIs match exactly
  (RFC 9700 §4.1.3) and must be sent; the request names what it wants with RFC 9396
  authorization details (or ``scope`` plus ``purpose``), and a request wider than the partner's
  agreement fails with ``invalid_authorization_details`` (RFC 9396 §5) before any screen is shown.
- ``S256Challenge``: PKCE (RFC 7636) for every client, ``S256`` only: ``plain`` is refused
  (RFC 9700 §2.1.1).
- ``RotatingRefreshGrant``: refresh (RFC 6749 §6) returning a new refresh token each time; a
  retired refresh token presented again revokes its family (RFC 9700 §4.14.2); a refused refresh
  changes nothing.
- ``Introspection`` (RFC 7662) and ``Revocation`` (RFC 7009): clients authenticate and see or
  revoke only their own tokens. A token is ``active`` only while the data API would honour it:
  its grant unrevoked and unexpired, its agreement in force, its partner active.
"""

from __future__ import annotations

from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import (
    InvalidGrantError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    UnauthorizedClientError,
    grants,
)
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from consentgate.domain import PartnerStatus
from consentgate.domain.details import (
    DETAILS_TYPE,
    requested_scopes,
    to_details,
)
from consentgate.errors import Error
from consentgate.oauth.models import (
    CLIENT_AUTH_METHODS,
    BoundServer,
    CodeModel,
    OAuthClient,
    TokenModel,
)
from consentgate.services.grants import covering_agreement
from consentgate.services.tokens import FoundToken, TokenKind


def error_text(message: str) -> str:
    """``message`` reduced to the characters RFC 6749 §5.2 allows in ``error_description``."""
    allowed = (ch if (0x20 <= ord(ch) <= 0x7E and ch not in {'"', "\\"}) else "-" for ch in message)
    return "".join(allowed)[:300]


class InvalidAuthorizationDetails(OAuth2Error):  # type: ignore[misc]  # Authlib ships no type information
    """RFC 9396 §5: the authorization details are malformed, unknown or wider than allowed."""

    error = "invalid_authorization_details"


def _server(grant: Any) -> BoundServer:
    server: BoundServer = grant.server
    return server


class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]  # Authlib ships no type information
    """The authorization code grant (RFC 6749 §4.1) with authorization details (RFC 9396)."""

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def validate_authorization_request(self) -> str:
        redirect_uri: str = super().validate_authorization_request()
        server = _server(self)
        data = self.request.payload.data
        client: OAuthClient = self.request.client
        try:
            scopes = requested_scopes(
                data.get("authorization_details"), data.get("scope"), data.get("purpose")
            )
            partner = server.services.partners.get_partner(client.row.partner_id)
            if partner.status is not PartnerStatus.ACTIVE:
                raise UnauthorizedClientError(  # named by its reason code, as the data API does
                    f"the partner is {partner.status} (partner.{partner.status})",
                    redirect_uri=redirect_uri,
                )
            agreement = covering_agreement(
                server.services.partners.agreements_of(partner.id),
                scopes,
                server.services.clock(),
            )
        except Error as err:
            reasons = f" ({', '.join(err.reasons)})" if err.reasons else ""
            raise InvalidAuthorizationDetails(
                error_text(err.message + reasons), redirect_uri=redirect_uri
            ) from None
        self.request.scopes = scopes
        self.request.partner = partner
        self.request.agreement = agreement
        return redirect_uri

    def save_authorization_code(self, code: str, request: Any) -> None:
        if request.consent_grant_id is None or request.scopes is None:
            raise InvalidRequestError("no consent was recorded for this request")
        data = request.payload.data
        _server(self).services.tokens.save_code(
            code,
            client_id=request.client.get_client_id(),
            person_id=request.user,
            grant_id=request.consent_grant_id,
            redirect_uri=request.payload.redirect_uri,
            code_challenge=data["code_challenge"],
            code_challenge_method=data["code_challenge_method"],
            scopes=request.scopes,
        )

    def query_authorization_code(self, code: str, client: OAuthClient) -> CodeModel | None:
        row = _server(self).services.tokens.redeem_code(code, client.get_client_id())
        return None if row is None else CodeModel(row)

    def delete_authorization_code(self, authorization_code: CodeModel) -> None:
        """Nothing to do: ``redeem_code`` already retired the code, atomically."""

    def authenticate_user(self, authorization_code: CodeModel) -> str:
        return authorization_code.row.person_id


class S256Challenge(CodeChallenge):  # type: ignore[misc]  # Authlib ships no type information
    """PKCE required for every client, with ``S256`` only (RFC 7636 §4.2, RFC 9700 §2.1.1)."""

    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = ["S256"]
    DEFAULT_CODE_CHALLENGE_METHOD = "S256"

    def validate_code_challenge(self, grant: Any, redirect_uri: str) -> None:
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: send code_challenge (RFC 7636)")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("code_challenge_method must be S256; plain is refused")
        super().validate_code_challenge(grant, redirect_uri)


class RotatingRefreshGrant(grants.RefreshTokenGrant):  # type: ignore[misc]  # Authlib ships no type information
    """Refresh with rotation and reuse detection (RFC 6749 §6, RFC 9700 §4.14.2).

    Authlib checks the refresh token before the rest of the request, so checking it must change
    nothing: a refresh refused for its ``scope`` (or anything else) leaves the token usable, and
    the client's corrected retry is not mistaken for reuse. The token is retired only in
    :meth:`authenticate_user`, the first step after every check has passed.
    """

    TOKEN_ENDPOINT_AUTH_METHODS = CLIENT_AUTH_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def validate_token_request(self) -> None:
        super().validate_token_request()
        requested = self.request.payload.scope
        if requested and set(requested.split()) != set(
            self.request.refresh_token.get_scope().split()
        ):
            # The token's authorization details are what the person granted; a narrower
            # scope would not narrow them, so it is refused rather than silently ignored.
            raise InvalidScopeError("a refresh keeps the granted authorization details")

    def authenticate_refresh_token(self, refresh_token: str) -> TokenModel | None:
        server = _server(self)
        row = server.services.tokens.check_refresh(
            refresh_token, self.request.client.get_client_id()
        )
        if row is None:
            return None
        return TokenModel(FoundToken(row, TokenKind.REFRESH, active=True))

    def authenticate_user(self, refresh_token: TokenModel) -> str:
        """Retire the refresh token now that the request is valid; losing a race to a concurrent
        use of the same token is reuse, and refused."""
        if not _server(self).services.tokens.retire_refresh(refresh_token.row):
            raise InvalidGrantError()
        return refresh_token.row.person_id

    def revoke_old_credential(self, refresh_token: TokenModel) -> None:
        """Nothing to do: :meth:`authenticate_user` already retired it, atomically."""


class Introspection(IntrospectionEndpoint):  # type: ignore[misc]  # Authlib ships no type information
    """RFC 7662: a client may introspect the tokens it was issued; any other is ``active: false``."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenModel | None:
        found = _server(self).services.tokens.find(token_string, token_type_hint)
        return None if found is None else TokenModel(found)

    def check_permission(self, token: TokenModel, client: OAuthClient, request: Any) -> bool:
        return token.check_client(client)

    def introspect_token(self, token: TokenModel) -> dict[str, Any]:
        row = token.row
        expires = (
            row.access_expires_at
            if token.found.kind is TokenKind.ACCESS
            else row.refresh_expires_at or row.access_expires_at
        )
        body: dict[str, Any] = {
            "active": True,
            "client_id": row.client_id,
            "scope": token.get_scope(),
            "sub": row.person_id,
            "exp": int(expires.timestamp()),
            "iat": int(row.issued_at.timestamp()),
            "authorization_details": to_details(token.found.scopes),
            "grant_id": row.grant_id,
        }
        if token.found.kind is TokenKind.ACCESS:
            body["token_type"] = "Bearer"  # noqa: S105 - the RFC 6750 token type, not a secret
        return body


class Revocation(RevocationEndpoint):  # type: ignore[misc]  # Authlib ships no type information
    """RFC 7009: revoking either token of a pair revokes its whole family (§2.1 allows it)."""

    CLIENT_AUTH_METHODS = CLIENT_AUTH_METHODS

    def query_token(self, token_string: str, token_type_hint: str | None) -> TokenModel | None:
        found = _server(self).services.tokens.find(token_string, token_type_hint)
        return None if found is None else TokenModel(found)

    def revoke_token(self, token: TokenModel, request: Any) -> None:
        _server(self).services.tokens.revoke_family(token.row)


__all__ = [
    "CLIENT_AUTH_METHODS",
    "DETAILS_TYPE",
    "CodeGrant",
    "Introspection",
    "InvalidAuthorizationDetails",
    "Revocation",
    "RotatingRefreshGrant",
    "S256Challenge",
    "TokenModel",
]
