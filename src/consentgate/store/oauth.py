"""Authorization codes and tokens of the OAuth 2.0 server. Only hashes of codes and tokens are kept.

Every state change that must happen at most once (redeeming a code, using a refresh token) is a
conditional ``UPDATE … WHERE used_at IS NULL`` whose row count says whether this caller won, so
two concurrent requests can never both succeed (RFC 6749 §4.1.2, §10.5; RFC 9700 §4.14.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, select, update

from consentgate.store.db import Database
from consentgate.store.rows import from_row, revoke
from consentgate.store.tables import oauth_clients, oauth_codes, oauth_tokens

#: Grant ids per statement when revoking the tokens of many grants at once.
_CHUNK = 500


@dataclass(frozen=True, slots=True)
class CodeRow:
    """An authorization code, as stored (its hash, never the code)."""

    code_hash: str
    client_id: str
    person_id: str
    grant_id: str
    redirect_uri: str
    code_challenge: str
    code_challenge_method: str
    authorization_details: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True, slots=True)
class TokenRow:
    """One issued access token and (optionally) its refresh token, with the client's partner."""

    id: str
    family_id: str
    client_id: str
    partner_id: str
    person_id: str
    grant_id: str
    authorization_details: str
    issued_at: datetime
    access_expires_at: datetime
    refresh_expires_at: datetime | None
    refresh_used_at: datetime | None
    revoked_at: datetime | None


def insert_code(conn: Connection, code: CodeRow) -> None:
    conn.execute(insert(oauth_codes).values(**asdict(code)))


def get_code(conn: Connection, code_hash: str) -> CodeRow | None:
    row = (
        conn.execute(select(oauth_codes).where(oauth_codes.c.code_hash == code_hash))
        .mappings()
        .first()
    )
    return None if row is None else CodeRow(**dict(row))


def claim_code(conn: Connection, code_hash: str, at: datetime) -> bool:
    """Mark the code used. True only for the one caller that marked it first."""
    result = conn.execute(
        update(oauth_codes)
        .where(oauth_codes.c.code_hash == code_hash, oauth_codes.c.used_at.is_(None))
        .values(used_at=at)
    )
    return result.rowcount == 1


def insert_token(
    conn: Connection,
    *,
    token_id: str,
    access_token_hash: str,
    refresh_token_hash: str | None,
    family_id: str,
    client_id: str,
    person_id: str,
    grant_id: str,
    authorization_details: str,
    issued_at: datetime,
    access_expires_at: datetime,
    refresh_expires_at: datetime | None,
) -> None:
    conn.execute(
        insert(oauth_tokens).values(
            id=token_id,
            access_token_hash=access_token_hash,
            refresh_token_hash=refresh_token_hash,
            family_id=family_id,
            client_id=client_id,
            person_id=person_id,
            grant_id=grant_id,
            authorization_details=authorization_details,
            issued_at=issued_at,
            access_expires_at=access_expires_at,
            refresh_expires_at=refresh_expires_at,
            refresh_used_at=None,
            revoked_at=None,
        )
    )


_TOKEN_QUERY = select(oauth_tokens, oauth_clients.c.partner_id).join(
    oauth_clients, oauth_clients.c.client_id == oauth_tokens.c.client_id
)


# Built once: the data API looks a token up on every call.
_BY_ACCESS_HASH = _TOKEN_QUERY.where(oauth_tokens.c.access_token_hash == bindparam("hash"))


def token_by_access_hash(conn: Connection, access_hash: str) -> TokenRow | None:
    row = conn.execute(_BY_ACCESS_HASH, {"hash": access_hash}).mappings().first()
    return None if row is None else from_row(TokenRow, row)


class TokenLookup:
    """:func:`token_by_access_hash` for the data API, which asks on every call: the same query
    on the raw path (``store.raw``)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._query = db.raw.compile(_BY_ACCESS_HASH)
        self._fields = frozenset(f.name for f in fields(TokenRow))

    def by_access_hash(self, access_hash: str) -> TokenRow | None:
        with self._db.raw.snapshot() as cursor:
            rows = self._query.run(cursor, {"hash": access_hash})
        if not rows:
            return None
        pairs = zip(self._query.columns, rows[0], strict=True)
        return TokenRow(**{name: value for name, value in pairs if name in self._fields})


def token_by_refresh_hash(conn: Connection, refresh_hash: str) -> TokenRow | None:
    query = _TOKEN_QUERY.where(oauth_tokens.c.refresh_token_hash == refresh_hash)
    row = conn.execute(query).mappings().first()
    return None if row is None else from_row(TokenRow, row)


def use_refresh(conn: Connection, token_id: str, at: datetime) -> bool:
    """Mark a refresh token used (rotated). True only for the one caller that marked it first,
    and never for a revoked token."""
    result = conn.execute(
        update(oauth_tokens)
        .where(
            oauth_tokens.c.id == token_id,
            oauth_tokens.c.refresh_used_at.is_(None),
            oauth_tokens.c.revoked_at.is_(None),
        )
        .values(refresh_used_at=at)
    )
    return result.rowcount == 1


def revoke_token(conn: Connection, token_id: str, at: datetime) -> None:
    revoke(conn, oauth_tokens, at, oauth_tokens.c.id == token_id)


def revoke_family(conn: Connection, family_id: str, at: datetime) -> int:
    """Revoke every token descended from one authorization; the number newly revoked."""
    return revoke(conn, oauth_tokens, at, oauth_tokens.c.family_id == family_id)


def revoke_tokens_of_grant(conn: Connection, grant_id: str, client_id: str, at: datetime) -> int:
    """Revoke every token a client holds for one grant (a replayed code, RFC 6749 §4.1.2)."""
    where = (oauth_tokens.c.grant_id == grant_id, oauth_tokens.c.client_id == client_id)
    return revoke(conn, oauth_tokens, at, *where)


def revoke_tokens_of_grants(conn: Connection, grant_ids: Sequence[str], at: datetime) -> int:
    """Revoke every token issued under ``grant_ids`` (the grants were revoked); the number newly
    revoked. In chunks, so that a partner's suspension stays under any bound-parameter limit."""
    revoked = 0
    for start in range(0, len(grant_ids), _CHUNK):
        chunk = grant_ids[start : start + _CHUNK]
        revoked += revoke(conn, oauth_tokens, at, oauth_tokens.c.grant_id.in_(chunk))
    return revoked
