"""Each findings rule, in a world that triggers it and in one that does not (real database, real log)."""

from __future__ import annotations

from datetime import timedelta

from consentgate.domain import Category, PartnerStatus
from consentgate.domain.findings import FindingRule, Severity, SubjectKind
from consentgate.ledger.entries import AccessDecision, format_time
from consentgate.store.history import AccessRow, Subjects

from .conftest import CALENDAR, CONTACTS, SYNC, World

R = FindingRule


def test_an_allowed_access_after_the_agreement_ended_is_critical(world: World) -> None:
    # The engine never allows this; a faulty build that did would leave exactly this in the log.
    alice = world.person("alice")
    ended = world.clock.now + timedelta(days=800)
    entry = AccessDecision(
        time=format_time(ended), request_id="r1", partner="handset", client="handset-app",
        person_ref="ref", category="contacts", action="read", purpose=SYNC, decision="allow",
        reasons=(), records_returned=1, records_filtered=0, grant_id=None, receipt_id=None,
    )  # fmt: skip
    row = AccessRow(-1, alice, "subject", "handset", "contacts", "read", SYNC, "allow", ended)
    index = world.running.log.append(entry.encode(), annotation=Subjects((row,)))
    world.certify(Category.CONTACTS, Category.CALENDAR)
    [finding] = world.findings(R.ACCESS_AFTER_AGREEMENT_END)
    assert finding.severity is Severity.CRITICAL
    assert finding.observation.evidence.log_indexes == (index,)
    assert finding.observation.evidence.counts["allowed_accesses"] == 1


def test_allowed_accesses_under_the_agreement_are_no_finding(world: World) -> None:
    token = world.grant(world.person("alice"), CONTACTS)
    world.read(token, Category.CONTACTS)
    assert world.findings(R.ACCESS_AFTER_AGREEMENT_END) == []


def test_an_agreement_ending_within_30_days_without_a_successor(world: World) -> None:
    world.never_suspend()
    assert world.findings(R.AGREEMENT_ENDING_SOON) == []
    [agreement] = world.services.partners.agreements_of("handset")
    at = agreement.valid_until - timedelta(days=20)
    [finding] = world.findings(R.AGREEMENT_ENDING_SOON, at)
    assert finding.observation.subject_kind is SubjectKind.AGREEMENT
    assert finding.observation.subject_id == agreement.id
    assert finding.observation.evidence.counts["days_left"] == 20


def test_a_signed_successor_ends_the_ending_soon_finding(world: World) -> None:
    world.never_suspend()
    [agreement] = world.services.partners.agreements_of("handset")
    world.services.partners.sign_agreement(
        "handset",
        agreement.capabilities,
        valid_from=agreement.valid_until - timedelta(days=1),
        valid_until=agreement.valid_until + timedelta(days=700),
    )
    assert world.findings(R.AGREEMENT_ENDING_SOON, agreement.valid_until - timedelta(days=20)) == []


def test_an_agreement_with_no_new_version_for_a_year_is_unreviewed(world: World) -> None:
    world.never_suspend()
    assert world.findings(R.AGREEMENT_UNREVIEWED, world.clock.now + timedelta(days=300)) == []
    [finding] = world.findings(R.AGREEMENT_UNREVIEWED, world.clock.now + timedelta(days=400))
    assert finding.observation.subject_id == "handset"


def test_a_scope_unused_for_90_days_lapses_and_the_next_call_is_refused(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    token = world.grant(world.person("alice"), CONTACTS, CALENDAR)
    world.clock.advance(days=10)
    world.read(token, Category.CONTACTS)
    world.clock.advance(days=85)
    world.read(token, Category.CONTACTS)  # contacts in use; calendar never read
    [finding] = world.findings(R.SCOPE_UNUSED)
    assert finding.observation.key == "calendar.read:device.sync"
    assert finding.observation.evidence.counts["grants_narrowed"] == 1
    # The grant is narrowed: calendar is refused with grant.scope_lapsed, contacts still served.
    grant = world.services.grants.get_grant(token.grant_id)
    assert [s.category for s, _ in grant.lapsed] == [Category.CALENDAR]
    index = world.read(token, Category.CALENDAR)
    [row] = world.services.people.access_history(token.person_id, before=None, limit=1)
    assert row.log_index == index
    assert row.reasons == ("grant.scope_lapsed",)
    assert world.running.access.read(token, Category.CONTACTS, SYNC).log_index > index


def test_scopes_in_use_do_not_lapse(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    token = world.grant(world.person("alice"), CONTACTS, CALENDAR)
    world.clock.advance(days=60)
    world.read(token, Category.CONTACTS)
    world.read(token, Category.CALENDAR)
    world.clock.advance(days=40)
    assert world.findings(R.SCOPE_UNUSED) == []
    assert world.services.grants.get_grant(token.grant_id).lapsed == ()


def test_a_deletion_not_confirmed_in_time_is_overdue_until_confirmed(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    token = world.grant(world.person("alice"), CONTACTS)
    world.services.grants.revoke_grant(token.grant_id)
    world.clock.advance(days=29)
    assert world.findings(R.DELETION_OVERDUE) == []
    world.clock.advance(days=2)
    [finding] = world.findings(R.DELETION_OVERDUE)
    [obligation] = world.services.grants.obligations_of_partner("handset")
    assert finding.observation.evidence.refs == (obligation.id,)
    world.services.grants.confirm_deletion(obligation.id, partner_id="handset")
    assert world.findings(R.DELETION_OVERDUE) == []
    assert world.services.findings.get(finding.id).resolved_at == world.clock.now


def test_a_burst_of_denials_far_above_the_partners_baseline(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    bob = world.person("bob")
    world.services.people.set_settings(bob, share_with_partners=False)
    token = world.grant(bob, CONTACTS)
    for _ in range(3):  # an occasional denial over the weeks before
        world.clock.advance(days=7)
        world.read(token, Category.CONTACTS)
    world.clock.advance(days=2)
    indexes = [world.read(token, Category.CONTACTS) for _ in range(25)]
    [finding] = world.findings(R.DENIAL_BURST)
    assert finding.observation.evidence.counts == {"denials": 25, "baseline_denials": 3}
    assert set(finding.observation.evidence.log_indexes) <= set(indexes)


def test_denials_at_the_partners_usual_rate_are_no_burst(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    bob = world.person("bob")
    world.services.people.set_settings(bob, share_with_partners=False)
    token = world.grant(bob, CONTACTS)
    for _ in range(20):
        world.clock.advance(days=1)
        for _ in range(3):
            world.read(token, Category.CONTACTS)
    assert world.findings(R.DENIAL_BURST) == []


def test_an_agreed_capability_never_used_is_drift(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    token = world.grant(world.person("alice"), CONTACTS, CALENDAR, days=30)
    world.read(token, Category.CONTACTS)
    [finding] = world.findings(R.CAPABILITY_DRIFT)
    assert finding.observation.evidence.refs == ("calendar.read:device.sync",)


def test_use_far_below_the_certified_estimate_is_drift_and_use_of_each_capability_is_none(
    world: World,
) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR, monthly=10)
    token = world.grant(world.person("alice"), CONTACTS, CALENDAR, days=30)
    for _ in range(10):
        world.read(token, Category.CONTACTS)
        world.read(token, Category.CALENDAR)
    assert world.findings(R.CAPABILITY_DRIFT) == []
    world.clock.advance(minutes=1)
    world.certify(Category.CONTACTS, Category.CALENDAR, monthly=1000)
    [finding] = world.findings(R.CAPABILITY_DRIFT)
    assert finding.observation.key == "below_certified"


def test_people_reachable_growing_by_more_than_half_in_a_week_is_a_spike(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    for n in range(10):
        world.grant(world.person(f"early{n}"), CONTACTS)
    assert world.findings(R.EXPOSURE_SPIKE) == []  # the first snapshot
    world.clock.advance(days=7)
    for n in range(12):
        world.grant(world.person(f"late{n}"), CONTACTS)
    [finding] = world.findings(R.EXPOSURE_SPIKE)
    assert finding.observation.key == "contacts"
    assert finding.observation.evidence.counts == {
        "people_before": 10,
        "people_now": 22,
        "percent": 120,
    }


def test_steady_exposure_is_no_spike(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    for n in range(20):
        world.grant(world.person(f"p{n}"), CONTACTS)
    world.findings(R.EXPOSURE_SPIKE)
    world.clock.advance(days=7)
    for n in range(5):
        world.grant(world.person(f"q{n}"), CONTACTS)
    assert world.findings(R.EXPOSURE_SPIKE) == []


def test_an_overdue_certification_is_a_finding_then_a_suspension(world: World) -> None:
    # Due at the agreement's signature (now); 30 days' notice before the suspension.
    world.clock.advance(days=10)
    [finding] = world.findings(R.CERTIFICATION_OVERDUE)
    assert finding.severity is Severity.HIGH
    assert world.services.partners.get_partner("handset").status is PartnerStatus.ACTIVE
    world.clock.advance(days=21)
    evaluation = world.services.findings.evaluate()
    assert evaluation.suspended == ("handset",)
    assert world.services.partners.get_partner("handset").status is PartnerStatus.SUSPENDED
    [again] = [f for f in evaluation.findings if f.rule is R.CERTIFICATION_OVERDUE]
    assert again.id == finding.id
    assert again.severity is Severity.CRITICAL
    assert again.first_seen == finding.first_seen
    status = world.services.certifications.status("handset")
    assert status.suspended_for_it
    assert status.overdue


def test_a_certified_partner_is_not_overdue(world: World) -> None:
    world.certify(Category.CONTACTS)
    world.clock.advance(days=300)
    assert world.findings(R.CERTIFICATION_OVERDUE) == []
    assert world.services.partners.get_partner("handset").status is PartnerStatus.ACTIVE


def test_use_the_certification_does_not_state_is_a_mismatch(world: World) -> None:
    world.certify(Category.CONTACTS)
    token = world.grant(world.person("alice"), CONTACTS, CALENDAR)
    world.read(token, Category.CONTACTS)
    index = world.read(token, Category.CALENDAR)
    [finding] = world.findings(R.CERTIFICATION_MISMATCH)
    assert finding.severity is Severity.HIGH
    assert "calendar.read:device.sync" in finding.observation.summary
    assert finding.observation.evidence.log_indexes == (index,)


def test_use_matching_the_certification_is_no_mismatch(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    token = world.grant(world.person("alice"), CONTACTS, CALENDAR)
    world.read(token, Category.CONTACTS)
    world.read(token, Category.CALENDAR)
    assert world.findings(R.CERTIFICATION_MISMATCH) == []
