"""``/console/reports``: an auditor reads the signed reports in the console and downloads them;
they verify against the log. Bad choices are shown as an error, never a 500; signed out, the
console's sign-in comes first."""

from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest

from consentgate.domain import TokenContext
from consentgate.errors import Denied
from consentgate.services.reports.formats import read_report

from .conftest import Console, OpenStaff, Staff


@pytest.fixture(scope="module")
def logged(console: Console) -> None:
    """The seeded store has an empty log: alice's music partner reads once (allowed or not, the
    decision is logged), and the log signs it."""
    grant = console.services.grants.get_grant("grant_demo_alice_tunes")
    scope = sorted(grant.scopes)[0]
    token = TokenContext(
        token_id="tok-reports",
        client_id="tunes-demo",
        partner_id=grant.partner_id,
        person_id=grant.person_id,
        grant_id=grant.id,
        scopes=grant.scopes,
        expires_at=grant.expires_at,
    )
    with contextlib.suppress(Denied):
        console.running.access.read(token, scope.category, scope.purpose)
    console.running.log.integrate()


def _verify(console: Console, data: bytes) -> str:
    reports = console.services.reports()
    assert reports.signer is not None
    return reports.verify(data, reports.signer.verifier).kind


@pytest.mark.usefixtures("logged")
def test_an_auditor_reads_each_report_and_its_files_verify(
    console: Console, staff: OpenStaff
) -> None:
    audra = staff("audra")  # an auditor
    day = console.clock.now.date()
    queries = {
        "transparency": f"kind=transparency&from={day - timedelta(days=400)}&to={day + timedelta(days=1)}",
        "partner": "kind=partner&who=tunes",
        "person": "kind=person&who=alice",
    }
    for kind, query in queries.items():
        page = audra.get("/console/reports?" + query)
        assert page.status_code == 200, page.text
        assert 'data-table="' in page.text
        for fmt in ("json", "csv", "html"):
            download = audra.get(f"/console/reports/report.{fmt}?{query}")
            assert download.status_code == 200, download.text
            assert _verify(console, download.content) == kind
            assert read_report(download.content).report.kind == kind


@pytest.mark.usefixtures("logged")
def test_bad_choices_are_shown_as_errors(console: Console, staff: OpenStaff) -> None:
    audra = staff("audra")
    cases = [
        ("kind=transparency&from=2026-02-01&to=2026-01-01", 400, "--from must be before --to"),
        ("kind=transparency&from=someday&to=2026-01-01", 400, "is not a date"),
        ("kind=partner&who=nobody", 404, "unknown partner"),
        ("kind=person&who=nobody", 404, "unknown person"),
        ("kind=everything", 400, "choose a transparency"),
    ]
    for query, status, message in cases:
        page = audra.get("/console/reports?" + query)
        assert page.status_code == status, (query, page.text[:300])
        assert message in page.text
        assert 'role="alert"' in page.text


def test_a_signed_out_visitor_is_sent_to_the_console_sign_in(console: Console) -> None:
    visitor = Staff(console)
    answer = visitor.get("/console/reports/report.json?kind=partner&who=tunes")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/console/login?next=")
