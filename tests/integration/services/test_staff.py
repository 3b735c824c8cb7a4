"""Staff accounts and their API tokens on each backend: passwords, roles, expiry, disabling,
and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consentgate.domain.staff import Role
from consentgate.errors import Conflict, Forbidden, InvalidInput
from consentgate.services.staff import STAFF
from consentgate.services.wiring import Services
from consentgate.testing import FrozenClock


def test_a_staff_member_signs_in_with_their_password_only(services: Services) -> None:
    made = services.staff.create("ines", Role.AUDITOR, "ines-pass-123")
    assert services.staff.authenticate("ines", "ines-pass-123") == made
    assert services.staff.authenticate("ines", "wrong-pass-123") is None
    assert services.staff.authenticate("nobody", "ines-pass-123") is None
    with pytest.raises(Conflict):
        services.staff.create("ines", Role.ADMIN, "other-pass-123")


def test_disabling_ends_sessions_and_stops_tokens(services: Services, clock: FrozenClock) -> None:
    member = services.staff.create("olek", Role.ADMIN, "olek-pass-123")
    services.sessions.start("sid-1", STAFF, member.id, timedelta(hours=8))
    token = services.staff.create_token(member, "ci", Role.AUDITOR, clock() + timedelta(days=3))
    assert services.staff.authenticate_token(token.secret) is not None
    services.staff.disable("olek")
    assert not services.sessions.is_live("sid-1", STAFF, member.id)
    assert services.staff.active(member.id) is None
    assert services.staff.authenticate_token(token.secret) is None
    assert services.staff.authenticate("olek", "olek-pass-123") is None


def test_a_token_works_until_it_expires_or_is_revoked(
    services: Services, clock: FrozenClock
) -> None:
    member = services.staff.create("ines", Role.ADMIN, "ines-pass-123")
    token = services.staff.create_token(member, "ci", Role.ADMIN, clock() + timedelta(days=1))
    actor = services.staff.authenticate_token(token.secret)
    assert actor is not None
    assert (actor.kind, actor.name, actor.role) == ("token", "ines/ci", Role.ADMIN)
    clock.advance(days=1)
    assert services.staff.authenticate_token(token.secret) is None
    other = services.staff.create_token(member, "ops", Role.AUDITOR, clock() + timedelta(days=1))
    services.staff.revoke_token(member, other.token.id)
    assert services.staff.authenticate_token(other.secret) is None


@pytest.mark.parametrize(
    ("name", "role", "days", "error"),
    [
        ("ci", Role.ADMIN, 1, Forbidden),  # above the auditor's own role
        ("ci", Role.AUDITOR, 0, InvalidInput),  # already expired
        ("ci", Role.AUDITOR, 400, InvalidInput),  # too long
        ("no spaces", Role.AUDITOR, 1, InvalidInput),
    ],
)
def test_a_bad_token_request_makes_no_token(
    services: Services, clock: FrozenClock, name: str, role: Role, days: int, error: type
) -> None:
    member = services.staff.create("ava", Role.AUDITOR, "ava-pass-1234")
    with pytest.raises(error):
        services.staff.create_token(member, name, role, clock() + timedelta(days=days))
    assert services.staff.tokens_of(member) == []


def test_the_audit_trail_says_who_asked_what_and_what_became_of_it(services: Services) -> None:
    member = services.staff.create("ava", Role.AUDITOR, "ava-pass-1234")
    token = services.staff.create_token(
        member, "ci", Role.AUDITOR, services.clock() + timedelta(days=1)
    )
    actor = services.staff.authenticate_token(token.secret)
    assert actor is not None
    services.staff.record(actor, "POST", "/admin/partners", status=403)
    services.staff.record(actor, "POST", "/admin/purposes", status=201)
    newest, older = services.staff.audit_trail(2)
    assert (older.actor, older.target, older.outcome) == (
        "token:ava/ci",
        "/admin/partners",
        "refused",
    )
    assert (newest.target, newest.outcome, newest.status) == ("/admin/purposes", "done", 201)


def test_a_new_password_ends_every_console_session(services: Services) -> None:
    member = services.staff.create("pia", Role.AUDITOR, "pia-pass-1234")
    services.sessions.start("sid-a", STAFF, member.id, timedelta(hours=8))
    services.sessions.start("sid-b", STAFF, member.id, timedelta(hours=8))
    services.staff.reset_password("pia", "pia-pass-5678")
    assert not services.sessions.is_live("sid-a", STAFF, member.id)
    assert not services.sessions.is_live("sid-b", STAFF, member.id)
    assert services.staff.authenticate("pia", "pia-pass-5678") == member
