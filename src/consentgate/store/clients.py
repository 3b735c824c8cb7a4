"""OAuth clients: each belongs to one partner. Secrets are stored only as hashes."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from consentgate.store.rows import from_row
from consentgate.store.tables import oauth_clients


@dataclass(frozen=True, slots=True)
class ClientRow:
    client_id: str
    partner_id: str
    name: str
    secret_hash: str
    redirect_uris: tuple[str, ...]
    created_at: datetime
    secret_rotated_at: datetime | None


def insert_client(conn: Connection, client: ClientRow) -> None:
    """Store a client; its redirect URIs are one column, a URI a line."""
    values = asdict(client) | {"redirect_uris": "\n".join(client.redirect_uris)}
    conn.execute(insert(oauth_clients).values(**values))


def get_client(conn: Connection, client_id: str) -> ClientRow | None:
    row = (
        conn.execute(select(oauth_clients).where(oauth_clients.c.client_id == client_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    uris = tuple(u for u in row["redirect_uris"].split("\n") if u)
    return from_row(ClientRow, row, redirect_uris=uris)


def clients_of_partner(conn: Connection, partner_id: str) -> list[str]:
    query = select(oauth_clients.c.client_id).where(oauth_clients.c.partner_id == partner_id)
    return [r for (r,) in conn.execute(query.order_by(oauth_clients.c.client_id))]


def set_secret(conn: Connection, client_id: str, secret_hash: str, at: datetime) -> None:
    conn.execute(
        update(oauth_clients)
        .where(oauth_clients.c.client_id == client_id)
        .values(secret_hash=secret_hash, secret_rotated_at=at)
    )
