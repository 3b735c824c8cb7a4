"""Codes and tokens in the store (SQLite and PostgreSQL): hashed, short-lived, single-use, rotating."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from consentgate.domain import Action, Capability, Category, Grant, GrantScope, PartnerStatus
from consentgate.services.tokens import CODE_SECONDS, TokenKind, new_secret, token_hash
from consentgate.services.wiring import Services
from consentgate.store.tables import oauth_codes, oauth_tokens, partners
from consentgate.testing import FrozenClock

SCOPES = frozenset({GrantScope(Category.FRIENDS, Action.READ, "music.share")})


@pytest.fixture
def grant(services: Services, clock: FrozenClock) -> Grant:
    services.partners.register_purpose("music.share", "Share a song", "essential.service")
    services.partners.register_partner("tunes", "Tunes Music", "music streamer")
    services.partners.sign_agreement(
        "tunes",
        (Capability(Category.FRIENDS, Action.READ, "music.share", frozenset({"id", "friend_id"})),),
        valid_from=clock.now - timedelta(days=1),
        valid_until=clock.now + timedelta(days=100),
    )
    services.people.register_person("alice", "Alice", person_id="p-alice")
    services.clients.register_known_client(
        "tunes", "tunes-app", "a-secret-of-the-test", "Tunes", ["https://tunes.example/cb"]
    )
    return services.grants.record_grant(
        "p-alice",
        "tunes",
        SCOPES,
        receipt_text="Tunes asks to read your friends.",
        client_id="tunes-app",
    )


def _save_code(services: Services, grant: Grant) -> str:
    code = new_secret()
    services.tokens.save_code(
        code,
        client_id="tunes-app",
        person_id=grant.person_id,
        grant_id=grant.id,
        redirect_uri="https://tunes.example/cb",
        code_challenge="c" * 43,
        code_challenge_method="S256",
        scopes=SCOPES,
    )
    return code


def _issue(services: Services, grant: Grant) -> tuple[str, str]:
    access, refresh = new_secret(), new_secret()
    services.tokens.save_tokens(
        access_token=access,
        refresh_token=refresh,
        client_id="tunes-app",
        person_id=grant.person_id,
        grant_id=grant.id,
        scopes=SCOPES,
    )
    return access, refresh


def test_only_hashes_of_codes_and_tokens_are_stored(services: Services, grant: Grant) -> None:
    code = _save_code(services, grant)
    access, refresh = _issue(services, grant)
    with services.db.read() as conn:
        codes = conn.execute(select(oauth_codes.c.code_hash)).scalars().all()
        tokens = conn.execute(
            select(oauth_tokens.c.access_token_hash, oauth_tokens.c.refresh_token_hash)
        ).all()
    assert codes == [token_hash(code)]
    assert tokens == [(token_hash(access), token_hash(refresh))]


def test_a_code_is_redeemed_once_by_its_own_client_before_it_expires(
    services: Services, grant: Grant, clock: FrozenClock
) -> None:
    code = _save_code(services, grant)
    assert services.tokens.redeem_code(code, "other-client") is None
    redeemed = services.tokens.redeem_code(code, "tunes-app")
    assert redeemed is not None
    assert redeemed.grant_id == grant.id
    assert services.tokens.redeem_code(code, "tunes-app") is None
    late = _save_code(services, grant)
    clock.advance(seconds=CODE_SECONDS)
    assert services.tokens.redeem_code(late, "tunes-app") is None


def test_a_replayed_code_revokes_the_tokens_of_its_grant(services: Services, grant: Grant) -> None:
    code = _save_code(services, grant)
    assert services.tokens.redeem_code(code, "tunes-app") is not None
    access, _refresh = _issue(services, grant)
    assert services.tokens.resolve_bearer(access) is not None
    assert services.tokens.redeem_code(code, "tunes-app") is None
    assert services.tokens.resolve_bearer(access) is None


def test_an_access_token_works_for_ten_minutes(
    services: Services, grant: Grant, clock: FrozenClock
) -> None:
    access, _refresh = _issue(services, grant)
    context = services.tokens.resolve_bearer(access)
    assert context is not None
    assert (context.partner_id, context.person_id, context.grant_id) == (
        "tunes",
        "p-alice",
        grant.id,
    )
    assert context.scopes == SCOPES
    assert context.expires_at == clock.now + timedelta(seconds=600)
    clock.advance(seconds=599)
    assert services.tokens.resolve_bearer(access) is not None
    clock.advance(seconds=1)
    assert services.tokens.resolve_bearer(access) is None
    assert services.tokens.resolve_bearer("") is None
    assert services.tokens.resolve_bearer("x" * 5000) is None


def test_a_refresh_token_rotates_once_and_its_reuse_revokes_the_family(
    services: Services, grant: Grant
) -> None:
    first_access, first_refresh = _issue(services, grant)
    assert services.tokens.check_refresh(first_refresh, "other-client") is None
    old = services.tokens.check_refresh(first_refresh, "tunes-app")
    assert old is not None
    # Checking retires nothing: only the rotation itself does, once.
    assert services.tokens.check_refresh(first_refresh, "tunes-app") == old
    assert services.tokens.retire_refresh(old)
    second_access, second_refresh = new_secret(), new_secret()
    services.tokens.save_tokens(
        access_token=second_access,
        refresh_token=second_refresh,
        client_id="tunes-app",
        person_id="p-alice",
        grant_id=grant.id,
        scopes=SCOPES,
        family=old,
    )
    found = services.tokens.find(second_refresh, "refresh_token")
    assert found is not None
    assert found.kind is TokenKind.REFRESH
    assert found.row.family_id == old.family_id
    assert found.row.refresh_expires_at == old.refresh_expires_at
    assert services.tokens.check_refresh(first_refresh, "tunes-app") is None
    assert services.tokens.resolve_bearer(second_access) is None
    assert services.tokens.resolve_bearer(first_access) is None
    assert services.tokens.check_refresh(second_refresh, "tunes-app") is None


def test_two_rotations_of_one_refresh_token_race_and_the_loser_revokes_the_family(
    services: Services, grant: Grant
) -> None:
    access, refresh = _issue(services, grant)
    one = services.tokens.check_refresh(refresh, "tunes-app")
    two = services.tokens.check_refresh(refresh, "tunes-app")
    assert one is not None
    assert two is not None
    assert services.tokens.retire_refresh(one)
    assert not services.tokens.retire_refresh(two)
    assert services.tokens.resolve_bearer(access) is None


def _state(services: Services, access: str, refresh: str) -> tuple[bool, bool]:
    """Whether introspection (RFC 7662) would call the access and the refresh token active."""
    found_access = services.tokens.find(access)
    found_refresh = services.tokens.find(refresh, "refresh_token")
    assert found_access is not None
    assert found_refresh is not None
    return found_access.active, found_refresh.active


def test_a_revoked_grant_revokes_its_tokens_and_its_refresh_token_mints_nothing(
    services: Services, grant: Grant
) -> None:
    access, refresh = _issue(services, grant)
    assert _state(services, access, refresh) == (True, True)
    services.grants.revoke_grant(grant.id, by_person="p-alice")
    assert _state(services, access, refresh) == (False, False)
    with services.db.read() as conn:
        revoked = conn.execute(select(oauth_tokens.c.revoked_at)).scalars().all()
    assert revoked
    assert None not in revoked
    assert services.tokens.check_refresh(refresh, "tunes-app") is None
    # The data API still names the caller, so the engine refuses it (grant.revoked) and logs it.
    context = services.tokens.resolve_bearer(access)
    assert context is not None
    assert context.grant_id == grant.id


def test_a_token_of_an_ended_agreement_is_inactive(services: Services, grant: Grant) -> None:
    access, refresh = _issue(services, grant)
    services.partners.end_agreement(grant.agreement_id)
    assert _state(services, access, refresh) == (False, False)
    assert services.tokens.check_refresh(refresh, "tunes-app") is None


def test_a_token_of_a_suspended_partner_is_inactive_also_after_reinstatement(
    services: Services, grant: Grant
) -> None:
    access, refresh = _issue(services, grant)
    services.partners.set_status("tunes", PartnerStatus.SUSPENDED, "investigation")
    assert _state(services, access, refresh) == (False, False)
    services.partners.set_status("tunes", PartnerStatus.ACTIVE, "cleared")
    assert _state(services, access, refresh) == (False, False)
    assert services.tokens.check_refresh(refresh, "tunes-app") is None


def test_a_refresh_token_is_inactive_once_its_agreement_runs_out(
    services: Services, grant: Grant, clock: FrozenClock
) -> None:
    """The agreement ends at valid_until with nobody acting: no revocation, only time."""
    _access, refresh = _issue(services, grant)
    clock.advance(days=29)
    assert services.tokens.check_refresh(refresh, "tunes-app") is not None
    agreement = services.partners.get_agreement(grant.agreement_id)
    clock.now = agreement.valid_until
    found = services.tokens.find(refresh, "refresh_token")
    assert found is not None
    assert found.active is False
    assert services.tokens.check_refresh(refresh, "tunes-app") is None


def test_a_token_is_inactive_when_its_partner_is_suspended_behind_the_services_back(
    services: Services, grant: Grant
) -> None:
    """Introspection reads the partner's status itself, not only the tokens' revocation."""
    access, refresh = _issue(services, grant)
    with services.db.begin() as conn:
        conn.execute(update(partners).where(partners.c.id == "tunes").values(status="suspended"))
    assert _state(services, access, refresh) == (False, False)
