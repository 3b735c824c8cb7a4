"""Findings in the console: the list, one finding's evidence, and an admin's acknowledgement
(refused for an auditor; an unknown finding is 404; an empty note changes nothing)."""

from __future__ import annotations

import re

import pytest

from consentgate.domain.findings import FindingRule
from consentgate.ledger.entries import FindingAcknowledged, decode_entry

from .conftest import Console, OpenStaff


@pytest.fixture(scope="module")
def overdue(console: Console) -> str:
    """The demo's overdue deletions, as a kept finding: its id."""
    console.services.findings.evaluate()
    [finding] = console.services.findings.list(rule=FindingRule.DELETION_OVERDUE)
    return finding.id


def test_the_list_shows_every_open_finding_most_severe_first(
    console: Console, staff: OpenStaff, overdue: str
) -> None:
    page = staff("audra").get("/console/findings")
    assert page.status_code == 200
    listed = re.findall(r'<a href="/console/findings/(fnd_[0-9a-f]+)">', page.text)
    assert listed == [f.id for f in console.services.findings.list()]
    assert overdue in listed
    only = staff("audra").get("/console/findings?rule=deletion_overdue")
    assert re.findall(r'<a href="/console/findings/(fnd_[0-9a-f]+)">', only.text) == [overdue]
    assert staff("audra").get("/console/findings?rule=no_such_rule").status_code == 400


def test_a_finding_s_page_shows_its_evidence(
    console: Console, staff: OpenStaff, overdue: str
) -> None:
    finding = console.services.findings.get(overdue)
    page = staff("audra").get(f"/console/findings/{overdue}")
    assert page.status_code == 200
    refs = re.findall(r"<li><code>([^<]+)</code>", page.text)
    assert refs
    assert set(refs) == set(finding.observation.evidence.refs)
    owed = {o.id for o in console.services.grants.overdue_obligations()}
    assert set(refs) <= owed
    assert finding.observation.suggested_action in page.text


def test_an_auditor_cannot_acknowledge(console: Console, staff: OpenStaff, overdue: str) -> None:
    here = f"/console/findings/{overdue}"
    answer = staff("audra").form(here, f"{here}/acknowledge", note="seen")
    assert answer.status_code == 403
    assert answer.json()["reasons"] == ["staff.read_only"]
    assert console.services.findings.get(overdue).acknowledgement is None


def test_an_admin_acknowledges_with_a_note_and_it_is_logged(
    console: Console, staff: OpenStaff, overdue: str
) -> None:
    here = f"/console/findings/{overdue}"
    adam = staff("adam")
    assert adam.form(here, f"{here}/acknowledge", note="   ").status_code == 400
    assert console.services.findings.get(overdue).acknowledgement is None
    size = console.running.log.store.committed_size()
    answer = adam.form(here, f"{here}/acknowledge", note="Asked <shopmart> to delete by Friday")
    assert answer.status_code == 303
    ack = console.services.findings.get(overdue).acknowledgement
    assert ack is not None
    assert (ack.by, ack.note) == ("staff:adam", "Asked <shopmart> to delete by Friday")
    page = adam.get(answer.headers["location"])
    assert "Asked &lt;shopmart&gt; to delete by Friday" in page.text
    logged = [decode_entry(data) for _, data in console.running.log.store.entries(size, size + 5)]
    [entry] = [e for e in logged if isinstance(e, FindingAcknowledged)]
    assert (entry.finding_id, entry.by) == (overdue, "staff:adam")


def test_an_unknown_finding_is_404(console: Console, staff: OpenStaff) -> None:
    adam = staff("adam")
    assert adam.get("/console/findings/fnd_nope").status_code == 404
    answer = adam.form("/console/findings", "/console/findings/fnd_nope/acknowledge", note="x")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"
