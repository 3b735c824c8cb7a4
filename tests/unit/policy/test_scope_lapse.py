"""A granted scope the partner left unused lapses: ``grant.scope_lapsed`` from that moment on."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from consentgate.domain import Action, Category, Grant, GrantScope
from consentgate.policy import reasons as r
from consentgate.policy.engine import Engine

from .world import NOW, PURPOSE, agreement, ask, grant, world


def _lapsed(
    category: Category, *, lapsed_days_ago: float = 1, keep: tuple[Category, ...] = ()
) -> Grant:
    """Alice's grant to the device maker whose ``category`` scope lapsed, keeping ``keep``."""
    base = grant(categories=(category, *keep), issued=NOW - timedelta(days=120), days=365)
    gone = GrantScope(category, Action.READ, PURPOSE)
    return replace(
        base,
        scopes=base.scopes - {gone},
        lapsed=((gone, NOW - timedelta(days=lapsed_days_ago)),),
    )


def _world(g: Grant) -> Engine:
    both = agreement(
        categories=(Category.CONTACTS, Category.CALENDAR), start=NOW - timedelta(days=200)
    )
    return world(agreements=(both,), grants=(g,))


def test_a_partner_reading_a_scope_that_lapsed_is_denied_with_grant_scope_lapsed() -> None:
    decision = _world(_lapsed(Category.CONTACTS)).decide(ask(), NOW)
    assert not decision.allowed
    assert decision.failed == (r.GRANT_SCOPE_LAPSED.code,)


def test_the_scopes_that_did_not_lapse_still_allow() -> None:
    engine = _world(_lapsed(Category.CONTACTS, keep=(Category.CALENDAR,)))
    assert engine.decide(ask(category=Category.CALENDAR), NOW).allowed
    assert engine.decide(ask(), NOW).reason == "grant.scope_lapsed"


def test_before_it_lapsed_the_scope_was_covered() -> None:
    engine = _world(_lapsed(Category.CONTACTS, lapsed_days_ago=1))
    assert engine.decide(ask(), NOW - timedelta(days=2), consume=False).allowed


def test_once_the_grant_itself_expired_the_expiry_is_the_reason() -> None:
    engine = _world(_lapsed(Category.CONTACTS))
    later = NOW + timedelta(days=400)
    assert engine.decide(ask(), later).codes[2] == "grant.expired"


def test_a_scope_never_granted_is_still_not_covered() -> None:
    engine = _world(_lapsed(Category.CONTACTS))
    decision = engine.decide(ask(category=Category.CALENDAR), NOW)
    assert decision.codes[2] == "grant.not_covered"


def test_scope_lapsed_is_a_documented_reason_that_fails() -> None:
    assert r.GRANT_SCOPE_LAPSED.code in r.CODES
    assert r.GRANT_SCOPE_LAPSED.fails
    assert not r.GRANT_SCOPE_LAPSED.ok
    assert r.OUTCOMES["grant.scope_lapsed"] is r.GRANT_SCOPE_LAPSED
