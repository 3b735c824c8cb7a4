"""Exposure answers exactly what the engine would allow: no person missing, none extra."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from consentgate.domain import Category
from consentgate.policy import (
    DecisionRequest,
    GrantRow,
    partner_exposure_count,
    partner_exposure_page,
    partner_grantees,
    person_exposure,
)

from .test_properties import CATS, PARTNERS, PEOPLE, PURPOSES, build, worlds
from .world import NOW, ask, grant, sharing, world


def reachable(engine: object, partner: str, category: str) -> set[str]:
    return {
        person
        for person in PEOPLE
        for u in PURPOSES
        if engine.decide(  # type: ignore[attr-defined]
            DecisionRequest(partner, person, category, "read", u), NOW, consume=False
        ).allowed
    }


@settings(max_examples=100, deadline=None)
@given(worlds(), st.sampled_from(CATS))
def test_exposure_of_a_partner_is_exactly_who_the_engine_allows(
    w: dict[str, object], c: Category
) -> None:
    engine = build(w)
    at = NOW.timestamp()
    for partner in PARTNERS:
        expected = reachable(engine, partner, c.value)
        assert partner_exposure_count(engine.index, partner, c.value, at) == len(expected)
        page = partner_exposure_page(engine.index, partner, c.value, at, 1, 2)
        assert page.total == len(expected)
        assert set(page.person_ids) <= expected
        assert page.has_more == (len(expected) > 2)


@settings(max_examples=100, deadline=None)
@given(worlds())
def test_exposure_of_a_person_lists_every_partner_that_can_reach_them(w: dict[str, object]) -> None:
    engine = build(w)
    for person in PEOPLE:
        found = {
            (a.partner_id, a.category, a.purpose)
            for a in person_exposure(engine.index, person, NOW.timestamp())
        }
        expected = {
            (partner, c.value, u)
            for partner in PARTNERS for c in CATS for u in PURPOSES
            if engine.decide(DecisionRequest(partner, person, c, "read", u), NOW, consume=False).allowed
        }  # fmt: skip
        assert found == expected


def test_pages_cover_everyone_once_and_say_when_there_is_more() -> None:
    people = [f"p{i}" for i in range(5)]
    engine = world(
        grants=tuple(grant(p, grant_id=f"g{p}") for p in people),
        settings=tuple(sharing(p) for p in people),
    )
    at = NOW.timestamp()
    pages = [
        partner_exposure_page(engine.index, "device-maker", "contacts", at, n, 2) for n in (1, 2, 3)
    ]
    assert [p.person_ids for p in pages] == [("p0", "p1"), ("p2", "p3"), ("p4",)]
    assert [p.has_more for p in pages] == [True, True, False]
    assert {p.total for p in pages} == {5}


def test_switching_sharing_off_removes_a_person_from_exposure_at_once() -> None:
    engine = world()
    at = NOW.timestamp()
    assert partner_exposure_count(engine.index, "device-maker", "contacts", at) == 1
    engine.index.put_settings(sharing(share=False))
    assert partner_exposure_count(engine.index, "device-maker", "contacts", at) == 0
    assert not engine.decide(ask(), NOW).allowed
    engine.index.put_grants("alice", "device-maker", [])
    engine.index.put_settings(sharing())
    assert partner_exposure_count(engine.index, "device-maker", "contacts", at) == 0
    later = (NOW + timedelta(days=1000)).timestamp()
    assert partner_exposure_count(engine.index, "device-maker", "contacts", later) == 0


@settings(max_examples=60, deadline=None)
@given(worlds())
def test_a_bulk_loaded_index_answers_like_one_built_key_by_key(w: dict[str, object]) -> None:
    from consentgate.policy import DecisionIndex, Engine, GrantRow, settings_mask

    by_key = build(w)
    bulk = DecisionIndex()
    bulk.put_purposes(PURPOSES)
    for p in PARTNERS:
        bulk.put_partner(p, w["status"][p], w["agreements"][p])  # type: ignore[index]
    bulk.load_settings(
        (s.person_id, settings_mask(s.share_with_partners, s.categories, s.via_others))
        for s in w["settings"].values()  # type: ignore[attr-defined]
    )
    bulk.load_grants(GrantRow.of(g) for g in w["grants"])  # type: ignore[attr-defined]
    engine = Engine(bulk)
    at = NOW.timestamp()
    for partner in PARTNERS:
        for c in CATS:
            assert partner_exposure_count(bulk, partner, c.value, at) == partner_exposure_count(
                by_key.index, partner, c.value, at
            )
            for person in PEOPLE:
                for u in PURPOSES:
                    q = DecisionRequest(partner, person, c, "read", u)
                    assert engine.decide(q, NOW).codes == by_key.decide(q, NOW).codes


@settings(max_examples=80, deadline=None)
@given(worlds(), st.sampled_from([-500, -30, 0, 30, 500]), st.data())
def test_exposure_is_exact_whenever_the_index_was_primed_and_after_grants_change(
    w: dict[str, object], primed_days: int, data: st.DataObject
) -> None:
    engine = build(w)
    engine.index.prime((NOW + timedelta(days=primed_days)).timestamp())
    grants = list(w["grants"])  # type: ignore[call-overload]
    if grants and data.draw(st.booleans()):
        # revoke one grant after priming: the index hears about it key by key
        from consentgate.policy import GrantRow

        victim = data.draw(st.sampled_from(grants))
        rows = [
            GrantRow.of(g)._replace(revoked_at=(NOW - timedelta(days=1)).timestamp())
            if g is victim else GrantRow.of(g)
            for g in grants if (g.person_id, g.partner_id) == (victim.person_id, victim.partner_id)
        ]  # fmt: skip
        engine.index.put_grants(victim.person_id, victim.partner_id, rows)
    at = NOW.timestamp()
    for partner in PARTNERS:
        for c in CATS:
            expected = reachable(engine, partner, c.value)
            assert partner_exposure_count(engine.index, partner, c.value, at) == len(expected)


def holding(w: dict[str, object], partner: str, at: float) -> set[str]:
    """The people holding a grant to ``partner`` active at ``at``, from the world's grants."""
    rows = [GrantRow.of(g) for g in w["grants"]]  # type: ignore[attr-defined]
    return {
        r.person_id
        for r in rows
        if r.partner_id == partner
        and r.issued_at <= at < min(r.expires_at, r.revoked_at or r.expires_at)
    }


@settings(max_examples=80, deadline=None)
@given(worlds(), st.sampled_from([-500, -30, 0, 30, 500]), st.sampled_from([-40, 0, 40]))
def test_the_people_holding_an_active_grant_are_counted_as_time_moves(
    w: dict[str, object], primed_days: int, later_days: int
) -> None:
    engine = build(w)
    primed = (NOW + timedelta(days=primed_days)).timestamp()
    engine.index.prime(primed)
    # Asked at a later time (advancing the index) and at an earlier one (answered by a scan).
    for days in (later_days, primed_days + later_days):
        at = (NOW + timedelta(days=days)).timestamp()
        for partner in PARTNERS:
            assert partner_grantees(engine.index, partner, at) == len(holding(w, partner, at))
