"""What the privacy center tells a person about their grants, on a real database: why each ended
grant ended, and that another person's grant is not theirs to see."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consentgate.domain import Action, Capability, Category, GrantScope, PartnerStatus
from consentgate.errors import NotFound
from consentgate.services.privacy import EndReason
from consentgate.services.wiring import Services
from consentgate.testing import FrozenClock

READ_FRIENDS = GrantScope(Category.FRIENDS, Action.READ, "music.share")


@pytest.fixture
def world(services: Services, clock: FrozenClock) -> Services:
    services.partners.register_purpose("music.share", "Share a song", "essential.service")
    for partner_id in ("tunes", "reelview", "findit", "handset"):
        services.partners.register_partner(partner_id, partner_id.title(), "app")
        services.partners.sign_agreement(
            partner_id,
            (Capability(Category.FRIENDS, Action.READ, "music.share", frozenset({"id"})),),
            valid_from=clock.now - timedelta(days=10),
            valid_until=clock.now + timedelta(days=365),
            retention_days=14,
        )
    services.people.register_person("alice", "Alice", person_id="p-alice")
    services.people.register_person("bob", "Bob", person_id="p-bob")
    return services


def _grant(world: Services, partner_id: str, days: int = 90, person: str = "p-alice") -> str:
    scopes = frozenset({READ_FRIENDS})
    return world.grants.record_grant(person, partner_id, scopes, receipt_text="…", days=days).id


def test_each_ended_grant_says_why_it_ended(world: Services, clock: FrozenClock) -> None:
    working = _grant(world, "tunes")
    revoked = _grant(world, "tunes", days=30)
    suspended = _grant(world, "reelview")
    ended = _grant(world, "findit")
    expired = _grant(world, "handset", days=1)
    world.grants.revoke_grant(revoked, by_person="p-alice")
    world.partners.set_status("reelview", PartnerStatus.SUSPENDED, "investigation")
    world.partners.end_agreement(world.partners.agreements_of("findit")[0].id)
    clock.advance(days=2)
    why = {v.grant.id: v.ended_because for v in world.privacy.grants("p-alice")}
    assert why == {
        working: None,
        revoked: EndReason.REVOKED,
        suspended: EndReason.PARTNER_SUSPENDED,
        ended: EndReason.AGREEMENT_ENDED,
        expired: EndReason.EXPIRED,
    }
    views = world.privacy.grants("p-alice")
    assert views[0].grant.id == working, "working grants come first"
    assert views[0].receipt_text == "…"
    assert views[0].agreement is not None
    assert views[0].agreement.version == 1


def test_another_persons_grant_is_not_found(world: Services) -> None:
    bobs = _grant(world, "tunes", person="p-bob")
    with pytest.raises(NotFound):
        world.privacy.grant("p-alice", bobs)
    assert world.privacy.grant("p-bob", bobs).grant.id == bobs
    assert world.privacy.deletions("p-alice") == []
