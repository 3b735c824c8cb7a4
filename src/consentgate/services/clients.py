"""OAuth clients of partners: created and rotated by admins, authenticated on every token call."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from consentgate.errors import Conflict, InvalidInput, NotFound
from consentgate.services.base import Service, new_id
from consentgate.store import clients as client_rows
from consentgate.store import partners as partner_rows
from consentgate.store.clients import ClientRow as ClientRow  # the edges name it through services


def secret_hash(secret: str) -> str:
    """SHA-256 of a client secret. Secrets are 256-bit random strings, so a fast hash suffices
    (unlike passwords, they cannot be guessed from a dictionary)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_redirect(uri: str) -> str:
    parts = urlsplit(uri)
    local = parts.hostname in {"127.0.0.1", "localhost", "::1"}
    if parts.scheme not in {"https", "http"} or (parts.scheme == "http" and not local):
        raise InvalidInput(f"redirect URI {uri!r} must be https (http only for loopback)")
    if parts.fragment:
        raise InvalidInput(f"redirect URI {uri!r} must not have a fragment (RFC 6749 §3.1.2)")
    return uri


@dataclass(frozen=True, slots=True)
class IssuedClient:
    """A client and its secret. The secret is shown once, at creation or rotation."""

    client: ClientRow
    secret: str


class ClientService(Service):
    """Create partners' OAuth clients, rotate their secrets, and authenticate them."""

    def create_client(self, partner_id: str, name: str, redirect_uris: list[str]) -> IssuedClient:
        if not redirect_uris:
            raise InvalidInput("a client needs at least one redirect URI")
        uris = tuple(_check_redirect(u) for u in redirect_uris)
        if not name.strip():
            raise InvalidInput("a client needs a name")
        secret = secrets.token_urlsafe(32)
        with self.write() as w:
            if partner_rows.get_partner(w.conn, partner_id) is None:
                raise NotFound(f"unknown partner {partner_id!r}")
            client = ClientRow(
                client_id=new_id("client"),
                partner_id=partner_id,
                name=name,
                secret_hash=secret_hash(secret),
                redirect_uris=uris,
                created_at=self.clock(),
                secret_rotated_at=None,
            )
            client_rows.insert_client(w.conn, client)
        return IssuedClient(client, secret)

    def get_client(self, client_id: str) -> ClientRow:
        return self.lookup("client", client_id, client_rows.get_client)

    def rotate_secret(self, client_id: str) -> IssuedClient:
        """A new secret; the old one stops working at once."""
        secret = secrets.token_urlsafe(32)
        with self.write() as w:
            if client_rows.get_client(w.conn, client_id) is None:
                raise NotFound(f"unknown client {client_id!r}")
            client_rows.set_secret(w.conn, client_id, secret_hash(secret), self.clock())
            client = client_rows.get_client(w.conn, client_id)
        assert client is not None
        return IssuedClient(client, secret)

    def authenticate(self, client_id: str, secret: str) -> ClientRow | None:
        """The client if ``secret`` is its current secret, else None (constant-time compare)."""
        with self.db.read() as conn:
            client = client_rows.get_client(conn, client_id)
        if client is None or not hmac.compare_digest(client.secret_hash, secret_hash(secret)):
            return None
        return client

    def register_known_client(
        self, partner_id: str, client_id: str, secret: str, name: str, redirect_uris: list[str]
    ) -> ClientRow:
        """Create a client with a given id and secret (the demo's documented clients)."""
        uris = tuple(_check_redirect(u) for u in redirect_uris)
        with self.write() as w:
            if client_rows.get_client(w.conn, client_id) is not None:
                raise Conflict(f"client {client_id!r} already exists")
            client = ClientRow(
                client_id, partner_id, name, secret_hash(secret), uris, self.clock(), None
            )
            client_rows.insert_client(w.conn, client)
        return client
