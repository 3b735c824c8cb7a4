"""OAuth 2.0 codes and tokens: issued, rotated, resolved, introspected and revoked.

Codes and tokens are 256-bit random strings; only their SHA-256 is stored (like client secrets,
they cannot be guessed from a dictionary, so a fast hash suffices). A token proves who is calling,
nothing more: ``resolve_bearer`` checks only that the token exists, is unexpired and unrevoked. The
grant, the agreement and the settings are decided by the engine on every call.

What the authorization server says about a token must agree with what the data API would do with
it: introspection (RFC 7662 §2.2) and refresh treat a token as inactive as soon as its grant was
revoked or ran out, its agreement is no longer in force, or its partner is not active — the
states in which the engine refuses every call made with it (see :func:`grant_in_force`).

Refresh tokens rotate (RFC 9700 §4.14.2): each use returns a new refresh token of the same
*family* and retires the old one. Presenting a retired refresh token again means two parties hold
it, so the whole family is revoked. A refresh refused for any other reason (a wrong ``scope``, an
ended grant) changes nothing: the token is retired only once the new pair is about to be issued.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import Connection

from consentgate.domain import GrantScope, PartnerStatus, TokenContext
from consentgate.domain.clock import Clock
from consentgate.domain.details import dump_details, load_details
from consentgate.services.base import ChangeListener, Service, new_id
from consentgate.store import Database
from consentgate.store import agreements as agreement_rows
from consentgate.store import grants as grant_rows
from consentgate.store import oauth as oauth_rows
from consentgate.store import partners as partner_rows
from consentgate.store.oauth import CodeRow as CodeRow  # the edges name it through services
from consentgate.store.oauth import TokenRow

#: An authorization code lives this long (RFC 6749 §4.1.2: "a maximum … of 10 minutes").
CODE_SECONDS = 120


def token_hash(value: str) -> str:
    """SHA-256 of a code or token, hex-encoded: what the store keeps."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def new_secret() -> str:
    """A fresh code or token: 256 random bits, URL-safe (RFC 6749 §10.10)."""
    return secrets.token_urlsafe(32)


class TokenKind(StrEnum):
    ACCESS = "access_token"
    REFRESH = "refresh_token"


@dataclass(frozen=True, slots=True)
class FoundToken:
    """A token looked up by its value, with which of the pair it was and whether it still works."""

    row: TokenRow
    kind: TokenKind
    active: bool

    @property
    def scopes(self) -> frozenset[GrantScope]:
        return load_details(self.row.authorization_details)


class TokenService(Service):
    """The server side of codes and tokens. The only code that mints or checks them."""

    def __init__(
        self,
        db: Database,
        clock: Clock,
        listeners: list[ChangeListener],
        *,
        access_token_seconds: int,
        refresh_token_days: int,
    ) -> None:
        super().__init__(db, clock, listeners)
        self.access_token_seconds = access_token_seconds
        self.refresh_token_days = refresh_token_days
        self._lookup = oauth_rows.TokenLookup(db)

    # --- authorization codes (RFC 6749 §4.1.2, RFC 7636 §4.4) -----------------------------------
    def save_code(
        self,
        code: str,
        *,
        client_id: str,
        person_id: str,
        grant_id: str,
        redirect_uri: str,
        code_challenge: str,
        code_challenge_method: str,
        scopes: frozenset[GrantScope],
    ) -> None:
        row = CodeRow(
            code_hash=token_hash(code),
            client_id=client_id,
            person_id=person_id,
            grant_id=grant_id,
            redirect_uri=redirect_uri,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            authorization_details=dump_details(scopes),
            expires_at=self.clock() + timedelta(seconds=CODE_SECONDS),
            used_at=None,
        )
        with self.write() as w:
            oauth_rows.insert_code(w.conn, row)

    def redeem_code(self, code: str, client_id: str) -> CodeRow | None:
        """The code's row if ``client_id`` may redeem it now; it can never be redeemed again.

        A code presented a second time revokes every token issued from it (RFC 6749 §4.1.2).
        """
        with self.write() as w:
            row = oauth_rows.get_code(w.conn, token_hash(code))
            if row is None or row.client_id != client_id:
                return None
            now = self.clock()
            if not oauth_rows.claim_code(w.conn, row.code_hash, now):
                oauth_rows.revoke_tokens_of_grant(w.conn, row.grant_id, row.client_id, now)
                return None
            return row if now < row.expires_at else None

    # --- tokens ---------------------------------------------------------------------------------
    def save_tokens(
        self,
        *,
        access_token: str,
        refresh_token: str | None,
        client_id: str,
        person_id: str,
        grant_id: str,
        scopes: frozenset[GrantScope],
        family: TokenRow | None = None,
    ) -> TokenRow:
        """Store a newly issued pair; ``family`` is the token it rotates, if any."""
        now = self.clock()
        refresh_expires = None
        if refresh_token is not None:
            refresh_expires = (
                family.refresh_expires_at
                if family is not None and family.refresh_expires_at is not None
                else now + timedelta(days=self.refresh_token_days)
            )
        token_id = new_id("tok")
        with self.write() as w:
            oauth_rows.insert_token(
                w.conn,
                token_id=token_id,
                access_token_hash=token_hash(access_token),
                refresh_token_hash=None if refresh_token is None else token_hash(refresh_token),
                family_id=family.family_id if family is not None else new_id("fam"),
                client_id=client_id,
                person_id=person_id,
                grant_id=grant_id,
                authorization_details=dump_details(scopes),
                issued_at=now,
                access_expires_at=now + timedelta(seconds=self.access_token_seconds),
                refresh_expires_at=refresh_expires,
            )
            row = oauth_rows.token_by_access_hash(w.conn, token_hash(access_token))
        assert row is not None
        return row

    def check_refresh(self, refresh_token: str, client_id: str) -> TokenRow | None:
        """The token row ``client_id`` may rotate now, or None; nothing is retired yet.

        A refresh token used before revokes its whole family (reuse detection, RFC 9700
        §4.14.2): that is the only write. A refresh token that expired, or whose grant is no longer
        in force, is refused and left as it is: a grant that ended mints nothing new.
        """
        now = self.clock()
        with self.db.read() as conn:
            row = oauth_rows.token_by_refresh_hash(conn, token_hash(refresh_token))
            if row is None or row.client_id != client_id or row.revoked_at is not None:
                return None
            if row.refresh_used_at is None:
                live = row.refresh_expires_at is not None and now < row.refresh_expires_at
                return row if live and grant_in_force(conn, row.grant_id, now) else None
        with self.write() as w:
            oauth_rows.revoke_family(w.conn, row.family_id, now)
        return None

    def retire_refresh(self, row: TokenRow) -> bool:
        """Retire ``row``'s refresh token just before its successor is issued; True if this
        caller won. A loser (a concurrent use of the same token) revokes the family."""
        with self.write() as w:
            now = self.clock()
            if oauth_rows.use_refresh(w.conn, row.id, now):
                return True
            oauth_rows.revoke_family(w.conn, row.family_id, now)
            return False

    def find(self, token: str, hint: str | None = None) -> FoundToken | None:
        """Look a token up by value: access token first unless ``hint`` says refresh (RFC 7009 §2.1)."""
        digest = token_hash(token)
        now = self.clock()
        with self.db.read() as conn:
            order = [TokenKind.REFRESH, TokenKind.ACCESS]
            if hint != TokenKind.REFRESH:
                order.reverse()
            for kind in order:
                if kind is TokenKind.ACCESS:
                    row = oauth_rows.token_by_access_hash(conn, digest)
                else:
                    row = oauth_rows.token_by_refresh_hash(conn, digest)
                if row is not None:
                    active = _active(row, kind, now) and grant_in_force(conn, row.grant_id, now)
                    return FoundToken(row, kind, active)
        return None

    def resolve_bearer(self, token: str) -> TokenContext | None:
        """Who calls with this access token (RFC 6750 §2.1), or None if it is unknown, expired or revoked.

        The grant's own state is not checked here: the decision engine does, on every call. So a
        token revoked *with its grant* (by the person, an ended agreement or a suspension) still
        names its caller: the engine refuses the call with the grant's reason code, and the
        attempt is in the log like every other refusal. A token revoked on its own (RFC 7009, a
        replayed code, a reused refresh token) is simply invalid.
        """
        if not token or len(token) > 512:
            return None
        now = self.clock()
        row = self._lookup.by_access_hash(token_hash(token))
        if row is None or now >= row.access_expires_at:
            return None
        if row.revoked_at is not None:
            with self.db.read() as conn:
                grant = grant_rows.get_grant(conn, row.grant_id)
            if grant is None or grant.revoked_at is None:
                return None
        return TokenContext(
            token_id=row.id,
            client_id=row.client_id,
            partner_id=row.partner_id,
            person_id=row.person_id,
            grant_id=row.grant_id,
            scopes=load_details(row.authorization_details),
            expires_at=row.access_expires_at,
        )

    def revoke_family(self, row: TokenRow) -> None:
        """Revoke the token and every token rotated from the same authorization (RFC 7009 §2.1)."""
        with self.write() as w:
            oauth_rows.revoke_family(w.conn, row.family_id, self.clock())


def grant_in_force(conn: Connection, grant_id: str, now: datetime) -> bool:
    """Whether a token of ``grant_id`` may still be honoured at ``now``.

    False when the grant was revoked or ran out, when the agreement it was issued under is no
    longer in force (ended early or past ``valid_until``), or when its partner is suspended or
    terminated: in each of these states the engine denies every call made with the token
    (``grant.*``, ``agreement.*``, ``partner.*`` reasons), so introspection must not call it active.
    """
    grant = grant_rows.get_grant(conn, grant_id)
    if grant is None or not grant.active(now):
        return False
    partner = partner_rows.get_partner(conn, grant.partner_id)
    if partner is None or partner.status is not PartnerStatus.ACTIVE:
        return False
    agreement = agreement_rows.get_agreement(conn, grant.agreement_id)
    return agreement is not None and agreement.in_force(now)


def _active(row: TokenRow, kind: TokenKind, now: datetime) -> bool:
    if row.revoked_at is not None:
        return False
    if kind is TokenKind.ACCESS:
        return now < row.access_expires_at
    return (
        row.refresh_used_at is None
        and row.refresh_expires_at is not None
        and now < row.refresh_expires_at
    )
