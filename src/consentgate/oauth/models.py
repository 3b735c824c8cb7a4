"""The objects Authlib asks for, made from consentgate's rows: a client, a code, a token.

Authlib's grants and endpoints work on ``ClientMixin``, ``AuthorizationCodeMixin`` and
``TokenMixin`` objects; these adapt the rows the services return. They live apart from the grants
(:mod:`consentgate.oauth.grants`) and the server (:mod:`consentgate.oauth.server`), which both use
them, so neither module needs the other.
"""

from __future__ import annotations

from typing import Protocol

from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, TokenMixin

from consentgate.domain.details import load_details, scope_string
from consentgate.services.clients import ClientRow
from consentgate.services.tokens import CodeRow, FoundToken
from consentgate.services.wiring import Services

#: Grant types every client may use.
GRANT_TYPES = frozenset({"authorization_code", "refresh_token"})
#: Client authentication at the token, introspection and revocation endpoints (RFC 6749 §2.3.1).
CLIENT_AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class BoundServer(Protocol):
    """What a grant or endpoint needs of its authorization server: the services behind it."""

    services: Services


class OAuthClient(ClientMixin):  # type: ignore[misc]  # Authlib ships no type information
    """A partner's registered client as Authlib sees it: confidential, code flow only."""

    def __init__(self, row: ClientRow, services: Services) -> None:
        self.row = row
        self.client_id = row.client_id
        self._services = services

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        """None: the redirect URI must always be sent, and then match exactly."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str:
        # Scopes are checked against the partner's agreement with the authorization details.
        return scope or ""

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        """Exact string comparison with a registered URI (RFC 9700 §4.1.3)."""
        return redirect_uri in self.row.redirect_uris

    def check_client_secret(self, client_secret: str) -> bool:
        return self._services.clients.authenticate(self.row.client_id, client_secret) is not None

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in CLIENT_AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in GRANT_TYPES


class CodeModel(AuthorizationCodeMixin):  # type: ignore[misc]  # Authlib ships no type information
    """A redeemed authorization code as Authlib sees it."""

    def __init__(self, row: CodeRow) -> None:
        self.row = row
        self.code_challenge = row.code_challenge
        self.code_challenge_method = row.code_challenge_method

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return scope_string(load_details(self.row.authorization_details))


class TokenModel(TokenMixin):  # type: ignore[misc]  # Authlib ships no type information
    """An issued token (access or refresh, as it was found) as Authlib sees it."""

    def __init__(self, found: FoundToken) -> None:
        self.found = found
        self.row = found.row

    def check_client(self, client: OAuthClient) -> bool:
        return bool(self.row.client_id == client.get_client_id())

    def get_scope(self) -> str:
        return scope_string(self.found.scopes)

    def get_expires_in(self) -> int:
        return int((self.row.access_expires_at - self.row.issued_at).total_seconds())

    def is_expired(self) -> bool:
        return not self.found.active and self.row.revoked_at is None

    def is_revoked(self) -> bool:
        return self.row.revoked_at is not None
