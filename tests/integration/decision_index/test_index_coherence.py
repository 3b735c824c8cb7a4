"""The decision index follows the store: no stale window in this process, and other processes'
writes are seen within a second through the change feed (real SQLite, and PostgreSQL when set)."""

from __future__ import annotations

import logging
import time

import pytest

from consentgate.domain import Action, Category, Grant, GrantScope, PartnerStatus
from consentgate.errors import InvalidInput, NotFound
from consentgate.policy import Decision, DecisionRequest
from consentgate.services.decisions import DecisionService
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.testing import FrozenClock

PURPOSE = "contacts.sync"
READ_CONTACTS = GrantScope(Category.CONTACTS, Action.READ, PURPOSE)


@pytest.fixture
def world(device_maker: Services) -> Services:
    return device_maker


@pytest.fixture
def decisions(world: Services, clock: FrozenClock) -> DecisionService:
    service = DecisionService(world.db, clock)
    service.load()
    world.listeners.append(service)  # write-through: the hook the service layer calls
    return service


def grant_contacts(world: Services, person: str = "p-alice") -> Grant:
    """``person`` lets the device maker read their contacts."""
    return world.grants.record_grant(
        person, "device-maker", frozenset({READ_CONTACTS}), receipt_text="…"
    )


def decide(decisions: DecisionService, person: str = "p-alice") -> Decision:
    """The device maker asks to read ``person``'s contacts."""
    return decisions.decide(DecisionRequest("device-maker", person, "contacts", "read", PURPOSE))


def ask(decisions: DecisionService) -> bool:
    return decide(decisions).allowed


def test_revoke_then_decide_is_denied_with_no_stale_window(
    world: Services, decisions: DecisionService
) -> None:
    grant = grant_contacts(world)
    assert ask(decisions)
    world.grants.revoke_grant(grant.id)
    decision = decide(decisions)
    assert not decision.allowed
    assert decision.codes[2] == "grant.revoked"


def test_switching_sharing_off_suspending_and_ending_are_seen_by_the_next_decision(
    world: Services, decisions: DecisionService
) -> None:
    grant_contacts(world)
    assert ask(decisions)
    world.people.set_settings("p-alice", share_with_partners=False)
    assert decide(decisions).reason == "settings.sharing_off"
    world.people.set_settings("p-alice", share_with_partners=True)
    assert ask(decisions)
    world.partners.set_status("device-maker", PartnerStatus.SUSPENDED, "audit finding")
    assert decide(decisions).reason == "partner.suspended"


def test_ending_an_agreement_is_seen_by_the_next_decision(
    world: Services, decisions: DecisionService
) -> None:
    grant_contacts(world)
    assert ask(decisions)
    world.partners.end_agreement(world.partners.agreements_of("device-maker")[0].id)
    decision = decide(decisions)
    assert not decision.allowed
    assert decision.codes[1] == "agreement.ended"


def test_another_process_write_is_seen_within_a_second_through_the_change_feed(
    world: Services, database_url: str, clock: FrozenClock
) -> None:
    # "This" server process: its own connection pool, following the feed, not hooked to writes.
    other_db = Database.connect(database_url)
    follower = DecisionService(other_db, clock, poll_seconds=0.1)
    follower.load()
    follower.start()
    try:
        grant = grant_contacts(world)
        assert _eventually(lambda: ask(follower), within=1.0)
        world.grants.revoke_grant(grant.id)
        assert _eventually(lambda: not ask(follower), within=1.0)
    finally:
        follower.stop()
        other_db.dispose()


def _eventually(check: object, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return bool(check())  # type: ignore[operator]


def test_a_fresh_load_decides_like_the_write_through_index(
    world: Services, decisions: DecisionService, clock: FrozenClock
) -> None:
    world.people.register_person("bob", "Bob", person_id="p-bob")
    grant_contacts(world)
    grant_contacts(world, "p-bob")
    fresh = DecisionService(world.db, clock)
    fresh.load()
    for person in ("p-alice", "p-bob"):
        assert decide(decisions, person).codes == decide(fresh, person).codes
    assert fresh.exposure_count("device-maker", "contacts") == 1  # bob never switched sharing on


def test_exposure_and_explain_name_the_agreement_and_grant(
    world: Services, decisions: DecisionService
) -> None:
    grant = grant_contacts(world)
    (access,) = decisions.exposure_of_person("p-alice")
    assert (access.partner_id, access.category, access.grant_id) == (
        "device-maker",
        "contacts",
        grant.id,
    )
    page = decisions.exposure_of_partner("device-maker", "contacts", limit=10)
    assert (page.total, page.person_ids, page.has_more) == (1, ("p-alice",), False)
    explanation = decisions.explain("device-maker", "p-alice", "contacts", "read", PURPOSE)
    assert explanation.allowed
    assert grant.id in explanation.rules[2].detail


def test_bad_input_is_a_typed_error_never_an_allow(decisions: DecisionService) -> None:
    with pytest.raises(InvalidInput):
        decisions.decide(DecisionRequest("device-maker", "p-alice", "dna", "read", PURPOSE))
    with pytest.raises(InvalidInput):
        decisions.explain("device-maker", "p-alice", "contacts", "read", "not.registered")
    with pytest.raises(NotFound):
        decisions.explain("device-maker", "p-nobody", "contacts", "read", PURPOSE)
    with pytest.raises(NotFound):
        decisions.exposure_count("nobody", "contacts")
    assert not decisions.decide(
        DecisionRequest("nobody", "p-alice", "contacts", "read", PURPOSE)
    ).allowed


def test_a_write_the_index_could_not_apply_is_a_deny_until_it_catches_up(
    world: Services, decisions: DecisionService, monkeypatch: pytest.MonkeyPatch
) -> None:
    from consentgate.errors import Unavailable
    from consentgate.store import policy_source

    grant = grant_contacts(world)
    assert ask(decisions)

    def unavailable(*args: object, **kwargs: object) -> None:
        raise Unavailable("the database is unavailable")

    monkeypatch.setattr(policy_source, "grant_rows", unavailable)
    world.grants.revoke_grant(grant.id)  # committed, but the index could not re-read the grant
    assert decide(decisions).reason == "engine.error"
    monkeypatch.undo()
    decisions.sync()
    decision = decide(decisions)
    assert decision.codes[2] == "grant.revoked"


def test_the_bulk_loader_reads_times_exactly_as_the_domain_does(
    world: Services, clock: FrozenClock
) -> None:
    from consentgate.policy import GrantRow
    from consentgate.store import policy_source

    clock.now = clock.now.replace(microsecond=999_999)
    grant = grant_contacts(world)
    clock.advance(microseconds=123_457)
    world.grants.revoke_grant(grant.id)
    with world.db.read() as conn:
        (row,) = policy_source.grant_rows(conn, person_id="p-alice")
    assert row == GrantRow.of(world.grants.get_grant(grant.id))


def test_reinstating_a_suspended_partner_does_not_bring_back_the_grants_it_lost(
    world: Services, decisions: DecisionService
) -> None:
    people = [f"p-{i:02d}" for i in range(60)]  # more than one batch: the bulk re-read path
    for person in people:
        world.people.register_person(person.replace("p-", "h"), person, person_id=person)
        world.people.set_settings(
            person, share_with_partners=True, categories=frozenset({Category.CONTACTS})
        )
        grant_contacts(world, person)
    assert decisions.exposure_count("device-maker", "contacts") == 60
    # The suspension revokes 60 grants in one transaction, delivered to the index as one batch.
    world.partners.set_status("device-maker", PartnerStatus.SUSPENDED, "audit finding")
    world.partners.set_status("device-maker", PartnerStatus.ACTIVE, "finding resolved")
    for person in people:
        assert decide(decisions, person).codes[:3] == (
            "partner.active",
            "agreement.in_force",
            "grant.revoked",
        )
    assert decisions.exposure_count("device-maker", "contacts") == 0


def test_a_request_the_engine_cannot_evaluate_is_denied_and_logged_with_its_cause(
    world: Services, decisions: DecisionService, caplog: pytest.LogCaptureFixture
) -> None:
    grant_contacts(world)
    assert ask(decisions)
    # An index entry the engine cannot read (here, settings that are not a mask).
    decisions.index.settings["p-alice"] = "everything on"  # type: ignore[assignment]
    with caplog.at_level(logging.ERROR, logger="consentgate.services.decisions"):
        decision = decide(decisions)
        explanation = decisions.explain("device-maker", "p-alice", "contacts", "read", PURPOSE)
    assert not decision.allowed
    assert decision.failed == ("engine.error",)
    assert (explanation.allowed, explanation.reason) == (False, "engine.error")
    assert [x.code for x in explanation.rules] == ["engine.error"]
    causes = [rec for rec in caplog.records if rec.exc_info is not None]
    assert len(causes) == 2
    assert all(rec.exc_info[0] is TypeError for rec in causes if rec.exc_info)
    assert "engine.error" in causes[0].getMessage()


def test_a_write_the_index_could_not_apply_is_logged_with_its_cause(
    world: Services,
    decisions: DecisionService,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from consentgate.errors import Unavailable
    from consentgate.store import policy_source

    grant = grant_contacts(world)

    def unavailable(*args: object, **kwargs: object) -> None:
        raise Unavailable("the database is unavailable")

    monkeypatch.setattr(policy_source, "grant_rows", unavailable)
    with caplog.at_level(logging.ERROR, logger="consentgate.services.decisions"):
        world.grants.revoke_grant(grant.id)
    [record] = [rec for rec in caplog.records if rec.exc_info is not None]
    assert record.exc_info is not None
    assert record.exc_info[0] is Unavailable
    assert "engine.error" in record.getMessage()


def test_a_change_feed_that_cannot_be_read_is_logged_once_with_its_cause_and_when_it_recovers(
    world: Services,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    from consentgate.errors import Unavailable

    follower = DecisionService(world.db, clock, poll_seconds=0.01)
    follower.load()
    real_sync = follower.sync
    failures: list[int] = []

    def flaky_sync() -> int:
        if len(failures) < 5:
            failures.append(1)
            raise Unavailable("the database is unavailable")
        return real_sync()

    monkeypatch.setattr(follower, "sync", flaky_sync)
    with caplog.at_level(logging.WARNING, logger="consentgate.services.decisions"):
        follower.start()
        try:
            assert _eventually(lambda: any("read again" in m for m in caplog.messages), 2.0)
        finally:
            follower.stop()
    errors = [rec for rec in caplog.records if rec.levelno == logging.ERROR]
    assert len(errors) == 1
    assert errors[0].exc_info is not None
    assert errors[0].exc_info[0] is Unavailable
    assert any("after 5 failed reads" in m for m in caplog.messages)
