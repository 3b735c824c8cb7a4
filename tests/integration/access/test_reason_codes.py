"""One vocabulary: the same state gets the same reason code on every path that refuses it (the
engine, ``explain``, the data API's denial, the consent screen's refusal), and a code that does
not fail (``quota.unchecked``) is never given as a reason."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consentgate.domain import Action, Capability, Category, GrantScope
from consentgate.errors import Denied, NotCovered
from consentgate.policy.reasons import CODES
from consentgate.services.wiring import Running, Services
from consentgate.testing import FrozenClock

from .conftest import token_for

PURPOSE = "fitness.share"
FRIENDS = GrantScope(Category.FRIENDS, Action.READ, PURPOSE)


def test_an_agreement_that_reached_its_end_is_expired_for_the_data_api_explain_and_consent(
    world: Services, running: Running, clock: FrozenClock
) -> None:
    world.partners.register_purpose(PURPOSE, "Show friends who run", "essential.service")
    world.partners.register_partner("oneday", "One Day", "fitness app")
    world.partners.sign_agreement(
        "oneday",
        (Capability(Category.FRIENDS, Action.READ, PURPOSE, frozenset({"id", "friend_id"})),),
        valid_from=clock.now - timedelta(days=2),
        valid_until=clock.now + timedelta(days=1),
    )
    grant = world.grants.record_grant(
        "p-alice", "oneday", frozenset({FRIENDS}), receipt_text="Show friends who run"
    )
    token = token_for(world, grant.id)
    running.access.read(token, Category.FRIENDS, PURPOSE)
    clock.advance(days=2)  # the agreement reached valid_until; the grant ended with it

    with pytest.raises(Denied) as denied:  # the data API
        running.access.read(token, Category.FRIENDS, PURPOSE)
    assert denied.value.reasons == ("agreement.expired", "grant.expired")

    explained = running.decisions.explain("oneday", "p-alice", "friends", "read", PURPOSE)
    assert explained.reason == "agreement.expired"
    assert [(x.code, x.fails) for x in explained.rules][1] == ("agreement.expired", True)
    assert [(x.code, x.ok, x.fails) for x in explained.rules][-1] == (
        "quota.unchecked",
        False,
        False,
    )

    with pytest.raises(NotCovered) as refused:  # the consent screen asks for the same scope
        world.grants.record_grant(
            "p-alice", "oneday", frozenset({FRIENDS}), receipt_text="Show friends who run"
        )
    assert refused.value.reasons == ("agreement.expired",)
    assert set(denied.value.reasons) | set(refused.value.reasons) <= CODES
