"""The privacy team's use cases, on a real database: agreements that end, grants that follow them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consentgate.domain import Action, Capability, Category, GrantScope, PartnerStatus, RecordScope
from consentgate.errors import Conflict, InvalidInput, NotCovered, NotFound
from consentgate.services.wiring import Services
from consentgate.store import grants as grant_rows
from consentgate.store import partners as partner_rows
from consentgate.store.changes import changes_after
from consentgate.testing import FrozenClock

READ_MESSAGES = GrantScope(Category.MESSAGES, Action.READ, "music.share")


@pytest.fixture
def world(services: Services, clock: FrozenClock) -> Services:
    services.partners.register_purpose(
        "music.share", "Share a song with a friend", "essential.service"
    )
    services.partners.register_partner("tunes", "Tunes Music", "music streamer")
    services.partners.sign_agreement(
        "tunes",
        (
            Capability(
                Category.MESSAGES,
                Action.READ,
                "music.share",
                frozenset({"id", "body"}),
                RecordScope.CREATED_BY_PARTNER,
            ),
        ),
        valid_from=clock.now - timedelta(days=10),
        valid_until=clock.now + timedelta(days=365),
        retention_days=14,
    )
    services.people.register_person("alice", "Alice", person_id="p-alice")
    return services


def test_a_grant_is_recorded_under_the_agreement_that_covers_it(world: Services) -> None:
    grant = world.grants.record_grant(
        "p-alice", "tunes", frozenset({READ_MESSAGES}), receipt_text="Tunes may read …"
    )
    assert world.grants.get_grant(grant.id) == grant
    assert grant.agreement_id == world.partners.agreements_of("tunes")[0].id
    assert len(grant.receipt_hash) == 64


def test_a_grant_wider_than_the_agreement_is_refused_and_nothing_is_written(
    world: Services,
) -> None:
    wider = frozenset({READ_MESSAGES, GrantScope(Category.CONTACTS, Action.READ, "music.share")})
    with pytest.raises(NotCovered, match=r"contacts\.read:music\.share"):
        world.grants.record_grant("p-alice", "tunes", wider, receipt_text="…")
    assert world.grants.grants_of_person("p-alice") == []


def test_unknown_people_partners_and_purposes_are_named(world: Services) -> None:
    with pytest.raises(NotFound, match="p-nobody"):
        world.grants.record_grant("p-nobody", "tunes", frozenset({READ_MESSAGES}), receipt_text="…")
    with pytest.raises(NotFound, match="ghost"):
        world.grants.record_grant("p-alice", "ghost", frozenset({READ_MESSAGES}), receipt_text="…")
    with pytest.raises(NotFound, match="ads"):
        world.partners.sign_agreement(
            "tunes",
            (Capability(Category.FRIENDS, Action.READ, "ads", frozenset({"id"})),),
            valid_from=datetime(2026, 1, 1, tzinfo=UTC),
            valid_until=datetime(2027, 1, 1, tzinfo=UTC),
        )


def test_an_agreement_without_an_end_or_ending_before_it_starts_is_refused(
    world: Services, clock: FrozenClock
) -> None:
    cap = (Capability(Category.MESSAGES, Action.READ, "music.share", frozenset({"id"})),)
    with pytest.raises(InvalidInput, match="every agreement ends"):
        world.partners.sign_agreement("tunes", cap, valid_from=clock.now, valid_until=None)
    with pytest.raises(InvalidInput, match="before it starts"):
        world.partners.sign_agreement(
            "tunes", cap, valid_from=clock.now, valid_until=clock.now - timedelta(days=1)
        )
    assert [a.version for a in world.partners.agreements_of("tunes")] == [1]


def test_a_new_version_leaves_the_old_one_as_it_was(world: Services, clock: FrozenClock) -> None:
    first = world.partners.agreements_of("tunes")[0]
    second = world.partners.sign_agreement(
        "tunes",
        (Capability(Category.MESSAGES, Action.READ, "music.share", frozenset({"id"})),),
        valid_from=clock.now,
        valid_until=clock.now + timedelta(days=30),
    )
    assert second.version == 2
    assert world.partners.get_agreement(first.id) == first


def test_ending_an_agreement_revokes_its_grants_and_opens_deletions(
    world: Services, clock: FrozenClock
) -> None:
    grant = world.grants.record_grant(
        "p-alice", "tunes", frozenset({READ_MESSAGES}), receipt_text="…"
    )
    clock.advance(days=1)
    ended = world.partners.end_agreement(grant.agreement_id)
    assert ended.ended_at == clock.now
    assert world.grants.get_grant(grant.id).revoked_at == clock.now
    [obligation] = world.grants.obligations_of_partner("tunes")
    assert obligation.category is Category.MESSAGES
    assert obligation.due_at == clock.now + timedelta(days=14)
    with pytest.raises(Conflict, match="already ended"):
        world.partners.end_agreement(grant.agreement_id)


def test_suspending_a_partner_revokes_every_grant_and_keeps_the_history(
    world: Services, clock: FrozenClock
) -> None:
    grant = world.grants.record_grant(
        "p-alice", "tunes", frozenset({READ_MESSAGES}), receipt_text="…"
    )
    world.partners.set_status("tunes", PartnerStatus.SUSPENDED, "reading messages it should not")
    assert world.grants.get_grant(grant.id).revoked_at == clock.now
    assert len(world.grants.obligations_of_partner("tunes", open_only=True)) == 1
    with world.db.read() as conn:
        assert grant_rows.unrevoked_grants_of_partner(conn, "tunes") == []
    with pytest.raises(Conflict, match="suspended"):
        world.grants.record_grant("p-alice", "tunes", frozenset({READ_MESSAGES}), receipt_text="…")


def test_a_person_revokes_only_their_own_grant(world: Services) -> None:
    world.people.register_person("bob", "Bob", person_id="p-bob")
    grant = world.grants.record_grant(
        "p-alice", "tunes", frozenset({READ_MESSAGES}), receipt_text="…"
    )
    with pytest.raises(NotFound):
        world.grants.revoke_grant(grant.id, by_person="p-bob")
    assert world.grants.revoke_grant(grant.id, by_person="p-alice").revoked_at is not None


def test_the_partner_confirms_a_deletion_once(world: Services) -> None:
    grant = world.grants.record_grant(
        "p-alice", "tunes", frozenset({READ_MESSAGES}), receipt_text="…"
    )
    world.grants.revoke_grant(grant.id)
    [obligation] = world.grants.obligations_of_partner("tunes", open_only=True)
    confirmed = world.grants.confirm_deletion(obligation.id, partner_id="tunes")
    assert confirmed.confirmed_at is not None
    assert world.grants.obligations_of_partner("tunes", open_only=True) == []
    with pytest.raises(Conflict):
        world.grants.confirm_deletion(obligation.id, partner_id="tunes")


def test_every_write_lands_in_the_change_feed(world: Services) -> None:
    world.people.set_settings("p-alice", share_with_partners=True)
    with world.db.read() as conn:
        kinds = [c.kind for c in changes_after(conn, 0)]
    assert kinds == ["purpose", "partner", "agreement", "person", "settings"]


def test_settings_default_to_sharing_nothing(world: Services) -> None:
    settings = world.people.get_settings("p-alice")
    assert not settings.share_with_partners
    assert settings.categories == frozenset()
    assert settings.via_others == frozenset()


def test_an_expired_grant_opens_its_deletion_obligations_once(
    world: Services, clock: FrozenClock
) -> None:
    grant = world.grants.record_grant(
        "p-alice", "tunes", frozenset({READ_MESSAGES}), receipt_text="…", days=1
    )
    assert world.grants.sweep_expired() == []  # not expired yet
    clock.advance(days=2)
    [obligation] = world.grants.sweep_expired()
    assert (obligation.grant_id, obligation.reason.value) == (grant.id, "grant.expired")
    assert obligation.due_at == clock.now + timedelta(days=14)
    assert world.grants.sweep_expired() == []  # opened once


def test_a_partners_status_changes_are_kept_with_their_reasons(world: Services) -> None:
    world.partners.set_status("tunes", PartnerStatus.SUSPENDED, "reading messages it should not")
    world.partners.set_status("tunes", PartnerStatus.ACTIVE, "finding resolved")
    with world.db.read() as conn:
        history = partner_rows.status_history(conn, "tunes")
    assert [(status, reason) for status, reason, _ in history] == [
        (PartnerStatus.ACTIVE, "registered"),
        (PartnerStatus.SUSPENDED, "reading messages it should not"),
        (PartnerStatus.ACTIVE, "finding resolved"),
    ]
