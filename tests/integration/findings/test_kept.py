"""Findings are kept: first seen and acknowledgements survive evaluations; acknowledgements,
certifications and lapsed scopes are written to the transparency log."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest

from consentgate.domain import Action, Category
from consentgate.domain.findings import CertifiedUse, FindingRule
from consentgate.errors import InvalidInput, NotFound, NotInAgreement
from consentgate.ledger.entries import (
    CertificationMade,
    Entry,
    FindingAcknowledged,
    ScopeLapse,
    decode_entry,
)

from .conftest import CALENDAR, CONTACTS, SYNC, World


def _entries(world: World) -> list[Entry]:
    store = world.running.log.store
    return [decode_entry(data) for _, data in store.entries(0, store.committed_size())]


def test_an_acknowledgement_is_kept_across_evaluations_and_logged(world: World) -> None:
    [finding] = world.findings(FindingRule.CERTIFICATION_OVERDUE)
    world.clock.advance(hours=1)
    acked = world.services.findings.acknowledge(finding.id, "  asked them to certify ", "ines")
    assert acked.acknowledgement is not None
    assert acked.acknowledgement.note == "asked them to certify"
    world.clock.advance(days=1)
    [again] = world.findings(FindingRule.CERTIFICATION_OVERDUE)
    assert again.first_seen == finding.first_seen
    assert again.last_seen == world.clock.now
    assert again.acknowledgement == acked.acknowledgement
    [logged] = [e for e in _entries(world) if isinstance(e, FindingAcknowledged)]
    assert logged.finding_id == finding.id
    assert logged.by == "ines"
    assert logged.note_sha256 == hashlib.sha256(b"asked them to certify").hexdigest()


def test_acknowledging_nothing_or_with_no_note_is_refused_and_writes_nothing(world: World) -> None:
    [finding] = world.findings(FindingRule.CERTIFICATION_OVERDUE)
    with pytest.raises(NotFound, match="fnd_missing"):
        world.services.findings.acknowledge("fnd_missing", "note", "ines")
    with pytest.raises(InvalidInput):
        world.services.findings.acknowledge(finding.id, "   ", "ines")
    assert world.services.findings.get(finding.id).acknowledgement is None
    assert not any(isinstance(e, FindingAcknowledged) for e in _entries(world))


def test_a_finding_no_longer_observed_is_resolved_not_forgotten(world: World) -> None:
    [finding] = world.findings(FindingRule.CERTIFICATION_OVERDUE)
    world.certify(Category.CONTACTS)
    assert world.findings(FindingRule.CERTIFICATION_OVERDUE) == []
    kept = world.services.findings.get(finding.id)
    assert kept.resolved_at == world.clock.now
    assert kept.id in {f.id for f in world.services.findings.list(open_only=False)}


def test_a_certification_naming_capabilities_the_agreement_lacks_is_refused_with_the_list(
    world: World,
) -> None:
    uses = (
        CertifiedUse(Category.CONTACTS, Action.READ, SYNC, "address book"),
        CertifiedUse(Category.MESSAGES, Action.READ, SYNC, "more"),
        CertifiedUse(Category.CALENDAR, Action.WRITE, "ads", "ads"),
    )
    with pytest.raises(NotInAgreement) as refused:
        world.services.certifications.certify("handset", uses)
    assert refused.value.missing == ("calendar.write:ads", "messages.read:device.sync")
    assert world.services.certifications.certifications_of("handset") == []


def test_certifications_and_lapsed_scopes_are_logged(world: World) -> None:
    world.certify(Category.CONTACTS, Category.CALENDAR)
    token = world.grant(world.person("alice"), CONTACTS, CALENDAR)
    world.clock.advance(days=91)
    world.read(token, Category.CONTACTS)
    world.clock.advance(days=1)
    world.services.findings.evaluate()
    entries = _entries(world)
    [cert] = [e for e in entries if isinstance(e, CertificationMade)]
    assert cert.uses == ("calendar:read:device.sync", "contacts:read:device.sync")
    [lapse] = [e for e in entries if isinstance(e, ScopeLapse)]
    assert lapse.grant_id == token.grant_id
    assert lapse.scopes == ("calendar:read:device.sync",)


def test_findings_are_computed_at_a_given_time(world: World) -> None:
    # The replay evaluates on a simulated clock: the same world, evaluated at two times.
    assert (
        world.findings(FindingRule.CERTIFICATION_OVERDUE, world.clock.now - timedelta(days=1)) == []
    )
    assert len(world.findings(FindingRule.CERTIFICATION_OVERDUE, world.clock.now)) == 1


def test_an_evaluation_that_does_not_act_only_observes(world: World) -> None:
    token = world.grant(world.person("alice"), CONTACTS, CALENDAR)
    world.clock.advance(days=100)
    evaluation = world.services.findings.evaluate(act=False)
    assert evaluation.suspended == ()
    assert evaluation.lapsed == 0
    assert world.services.partners.get_partner("handset").status.value == "active"
    assert world.services.grants.get_grant(token.grant_id).lapsed == ()
    assert [f.rule for f in evaluation.findings if f.rule is FindingRule.CERTIFICATION_OVERDUE]
