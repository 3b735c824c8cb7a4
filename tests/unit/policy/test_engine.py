"""The engine's rules, one story each: every rule can deny, and an allow names every rule."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consentgate.domain import Category, PartnerStatus, Quota
from consentgate.policy import ALLOWED, RULES, DecisionRequest
from consentgate.policy import reasons as r
from consentgate.policy.decision import ERROR

from .world import NOW, OTHER_PURPOSE, agreement, ask, grant, sharing, world


def test_a_granted_request_under_an_agreement_in_force_is_allowed_and_names_every_rule() -> None:
    decision = world().decide(ask(), NOW)
    assert decision.allowed
    assert decision.outcomes is ALLOWED
    assert [o.rule for o in decision.outcomes] == list(RULES)
    assert decision.grant_id == "g1"
    assert decision.agreement_id == "device-maker-v1"
    assert decision.obligations is not None
    assert decision.obligations.fields == frozenset({"id", "name"})


def test_a_device_maker_cannot_read_contacts_of_a_person_who_switched_sharing_off() -> None:
    decision = world(settings=(sharing(share=False),)).decide(ask(), NOW)
    assert not decision.allowed
    assert decision.reason == "settings.sharing_off"
    assert decision.obligations is None


def test_a_category_switched_off_is_denied() -> None:
    engine = world(settings=(sharing(categories=(Category.MESSAGES,)),))
    assert engine.decide(ask(), NOW).reason == "settings.category_off"


def test_a_person_who_never_opened_the_privacy_center_shares_nothing() -> None:
    engine = world(settings=())
    assert engine.decide(ask(), NOW).reason == "settings.unknown_person"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (PartnerStatus.SUSPENDED, "partner.suspended"),
        (PartnerStatus.TERMINATED, "partner.terminated"),
    ],
)
def test_a_partner_that_is_not_active_is_denied(status: PartnerStatus, code: str) -> None:
    decision = world(status=status).decide(ask(), NOW)
    assert not decision.allowed
    assert decision.reason == code
    # every other rule still holds, and the decision says so
    assert [o.code for o in decision.outcomes[1:]] == [o.code for o in ALLOWED[1:]]


def test_an_unknown_partner_is_denied() -> None:
    assert world().decide(ask(partner_id="nobody"), NOW).reason == "partner.unknown"


def test_an_agreement_from_2010_is_not_in_force_in_2017() -> None:
    old = agreement(start=NOW - timedelta(days=7 * 365), days=365)
    decision = world(agreements=(old,)).decide(ask(), NOW)
    assert decision.codes[1] == "agreement.expired"
    # No capability in force, so no quota to count: listed with the rules, but not a reason.
    assert decision.codes[-1] == "quota.unchecked"
    assert decision.failed == ("agreement.expired",)
    assert decision.reason == "agreement.expired"


@pytest.mark.parametrize(
    ("made", "code"),
    [
        (lambda: (), "agreement.none"),
        (lambda: (agreement(start=NOW + timedelta(days=1)),), "agreement.not_started"),
        (lambda: (agreement(ended_at=NOW - timedelta(days=1)),), "agreement.ended"),
        (lambda: (agreement(categories=(Category.MESSAGES,)),), "agreement.not_covered"),
    ],
)
def test_agreement_outcomes(made: object, code: str) -> None:
    engine = world(agreements=made())  # type: ignore[operator]
    decision = engine.decide(ask(), NOW)
    assert not decision.allowed
    assert decision.codes[1] == code


@pytest.mark.parametrize(
    ("grants", "code"),
    [
        ((), "grant.missing"),
        ((grant(revoked_at=NOW - timedelta(hours=1)),), "grant.revoked"),
        ((grant(issued=NOW - timedelta(days=100), days=90),), "grant.expired"),
        ((grant(issued=NOW + timedelta(days=1)),), "grant.not_started"),
        ((grant(categories=(Category.MESSAGES,)),), "grant.not_covered"),
        ((grant(client_id="other-app"),), "grant.wrong_client"),
    ],
)
def test_grant_outcomes(grants: tuple[object, ...], code: str) -> None:
    engine = world(grants=grants)  # type: ignore[arg-type]
    decision = engine.decide(ask(client_id="device-app"), NOW)
    assert not decision.allowed
    assert decision.codes[2] == code


def test_the_tokens_grant_must_be_the_persons_grant() -> None:
    engine = world(
        grants=(grant(), grant("bob", grant_id="g2")), settings=(sharing(), sharing("bob"))
    )
    assert engine.decide(ask(grant_id="g1"), NOW).allowed
    assert engine.decide(ask(grant_id="g2"), NOW).codes[2] == "grant.wrong_client"


def test_a_purpose_the_person_did_not_consent_to_is_a_mismatch() -> None:
    engine = world(
        agreements=(agreement(), agreement(version=2, purpose=OTHER_PURPOSE)),
    )
    decision = engine.decide(ask(purpose=OTHER_PURPOSE), NOW)
    assert not decision.allowed
    assert decision.codes[2:4] == ("grant.not_covered", "purpose.mismatch")


def test_a_purpose_the_agreement_does_not_name_is_a_mismatch() -> None:
    decision = world().decide(ask(purpose=OTHER_PURPOSE), NOW)
    assert decision.codes[1] == "agreement.not_covered"
    assert decision.codes[3] == "purpose.mismatch"


def test_an_unregistered_purpose_is_denied() -> None:
    assert world().decide(ask(purpose="whatever.else"), NOW).codes[3] == "purpose.unknown"


def test_unknown_category_and_action_are_denied_not_raised() -> None:
    engine = world()
    decision = engine.decide(DecisionRequest("device-maker", "alice", "dna", "read", "x"), NOW)
    assert not decision.allowed
    decision = engine.decide(DecisionRequest("device-maker", "alice", "contacts", "sell", "x"), NOW)
    assert not decision.allowed


def test_the_quota_is_enforced_per_window_and_explained() -> None:
    engine = world(agreements=(agreement(quota=Quota(max_requests=2, window_seconds=60)),))
    assert [engine.decide(ask(), NOW).allowed for _ in range(3)] == [True, True, False]
    assert engine.decide(ask(), NOW).reason == "quota.exceeded"
    assert engine.decide(ask(), NOW + timedelta(seconds=61)).allowed


def test_looking_without_consuming_does_not_use_quota() -> None:
    engine = world(agreements=(agreement(quota=Quota(max_requests=1, window_seconds=60)),))
    for _ in range(3):
        assert engine.decide(ask(), NOW, consume=False).allowed
    assert engine.decide(ask(), NOW).allowed


def test_a_request_that_could_not_be_evaluated_is_a_deny_named_engine_error() -> None:
    # What the decision service answers when the engine raises (see the service's tests).
    assert not ERROR.allowed
    assert ERROR.reason == r.ENGINE_ERROR
    assert ERROR.failed == (r.ENGINE_ERROR,)


def test_a_shared_denial_cannot_be_turned_into_an_allow_by_a_caller() -> None:
    engine = world(settings=(sharing(share=False),))
    denied = engine.decide(ask(), NOW)
    with pytest.raises(AttributeError):  # frozen: dataclasses.FrozenInstanceError
        denied.allowed = True  # type: ignore[misc]  # the very thing a frozen decision forbids
    with pytest.raises(AttributeError):
        denied.outcomes = ALLOWED  # type: ignore[misc]
    again = engine.decide(ask(), NOW)
    assert again is denied
    assert not again.allowed
    assert again.reason == "settings.sharing_off"


def test_a_shared_allow_cannot_be_widened_by_a_caller() -> None:
    engine = world()
    allowed = engine.decide(ask(), NOW)
    obligations = allowed.obligations
    assert obligations is not None
    with pytest.raises(AttributeError):
        allowed.obligations = None  # type: ignore[misc]  # frozen
    with pytest.raises(AttributeError):
        obligations.fields = frozenset({"id", "name", "phone"})  # type: ignore[misc]  # frozen
    again = engine.decide(ask(), NOW)
    assert again is allowed
    assert again.obligations is obligations
    assert obligations.fields == frozenset({"id", "name"})


def test_a_newer_agreement_version_takes_over_its_limits() -> None:
    v1 = agreement()
    v2 = agreement(version=2, start=NOW - timedelta(days=1), categories=(Category.CONTACTS,))
    decision = world(agreements=(v1, v2)).decide(ask(), NOW)
    assert decision.allowed
    assert decision.agreement_id == "device-maker-v2"


def test_an_allowed_decision_is_shared_not_rebuilt() -> None:
    engine = world()
    assert engine.decide(ask(), NOW) is engine.decide(ask(), NOW)


def test_a_grant_is_active_until_its_revocation_for_the_domain_and_the_engine_alike() -> None:
    revoked = NOW + timedelta(hours=1)  # stamped later than the decision: asked about the past
    given = grant(revoked_at=revoked)
    engine = world(grants=(given,))
    for moment, active in [
        (NOW, True),
        (revoked - timedelta(seconds=1), True),
        (revoked, False),
        (NOW + timedelta(days=2), False),
    ]:
        assert given.active(moment) is active
        assert engine.decide(ask(), moment, consume=False).allowed is active
    assert engine.decide(ask(), revoked).codes[2] == "grant.revoked"
