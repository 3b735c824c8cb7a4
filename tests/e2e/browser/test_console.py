"""The console in a real browser: an auditor finds the partner with an overdue deletion from the
partners list and opens the evidence; an admin acknowledges a finding; an auditor's attempt to
suspend a partner is refused; every console page passes axe-core (no serious or critical
violation) and is saved as screenshots at 1280 and 390 px."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from consentgate.domain import PartnerStatus
from consentgate.domain.findings import FindingRule
from consentgate.domain.staff import Role

from .conftest import Contexts, Demo, assert_accessible, screenshot

STAFF = {"ines": ("ines-console-pass", Role.AUDITOR), "omar": ("omar-console-pass", Role.ADMIN)}


@pytest.fixture(scope="module")
def console(demo: Demo) -> str:
    """Staff accounts in the served demo, and its findings evaluated now; the id of the finding
    about the demo's overdue deletions."""
    for handle, (password, role) in STAFF.items():
        demo.services.staff.create(handle, role, password)
    demo.services.findings.evaluate()
    [overdue] = demo.services.findings.list(rule=FindingRule.DELETION_OVERDUE)
    return overdue.id


def staff_sign_in(
    context: BrowserContext, handle: str, next_path: str = "/console/partners"
) -> Page:
    page = context.new_page()
    page.goto("/console/login?next=" + next_path)
    page.fill("input[name=handle]", handle)
    page.fill("input[name=password]", STAFF[handle][0])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/console/login" not in url)
    return page


@pytest.mark.parametrize("javascript", [True, False])
def test_an_auditor_finds_the_partner_with_an_overdue_deletion_and_opens_the_evidence(
    new_context: Contexts, console: str, demo: Demo, javascript: bool
) -> None:
    page = staff_sign_in(new_context(javascript=javascript), "ines")
    page.get_by_role("link", name="overdue deletions").click()
    first = page.locator("#partners tbody tr").first
    owing = demo.services.findings.get(console).partner_id
    expect(first.locator("th a")).to_have_attribute("href", f"/console/partners/{owing}")
    first.locator(".badge.bad").click()
    expect(page).to_have_url(f"{demo.base}/console/partners/{owing}#deletions")
    expect(page.locator("#obligations tbody tr").first).to_contain_text("overdue")
    page.locator("#partner-findings").get_by_role("link", name=re.compile("deletion")).click()
    expect(page).to_have_url(f"{demo.base}/console/findings/{console}")
    evidence = page.locator("#evidence-refs")
    for obligation in demo.services.grants.overdue_obligations():
        if obligation.partner_id == owing:
            expect(evidence).to_contain_text(obligation.id)


def test_an_admin_acknowledges_a_finding(new_context: Contexts, demo: Demo, console: str) -> None:
    page = staff_sign_in(new_context(), "omar", "/console/findings")
    target = demo.services.findings.list(rule=FindingRule.AGREEMENT_ENDING_SOON)[0]
    page.locator(f'a[href="/console/findings/{target.id}"]').click()
    page.fill("#ack-note", "Renewal talks start Monday.")
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("Acknowledged")
    expect(page.locator("#acknowledgement")).to_contain_text("staff:omar")
    expect(page.locator("#acknowledgement")).to_contain_text("Renewal talks start Monday.")
    ack = demo.services.findings.get(target.id).acknowledgement
    assert ack is not None
    assert (ack.by, ack.note) == ("staff:omar", "Renewal talks start Monday.")


def test_an_auditor_s_attempt_to_suspend_a_partner_is_refused(
    new_context: Contexts, console: str, demo: Demo
) -> None:
    partner = demo.services.findings.get(console).partner_id
    page = staff_sign_in(new_context(), "ines", f"/console/partners/{partner}")
    expect(page.locator("#actions")).to_be_visible()
    page.fill("#suspend-reason", "an auditor tries")
    with page.expect_response(lambda r: r.url.endswith("/suspend")) as answer:
        page.get_by_role("button", name="Suspend").click()
    assert answer.value.status == 403
    assert answer.value.json()["reasons"] == ["staff.read_only"]
    assert demo.services.partners.get_partner(partner).status is PartnerStatus.ACTIVE
    line = demo.services.staff.audit_trail(1)[0]
    assert (line.actor, line.outcome) == ("staff:ines", "refused")


@pytest.fixture(scope="module")
def auditor(browser: Browser, demo: Demo, console: str) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=demo.base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    staff_sign_in(context, "ines").close()
    yield context
    context.close()


PAGES = {
    "console-partners": "/console/partners",
    "console-partner": "/console/partners/tunes",
    "console-exposure": "/console/exposure",
    "console-findings": "/console/findings",
    "console-exposure-people": "/console/exposure/tunes/friends",
    "console-activity": "/console/activity",
    "console-log": "/console/log",
    "console-audit": "/console/audit",
    "console-tokens": "/console/tokens",
    "console-reports": "/console/reports",
    "console-not-found": "/console/partners/no-such-partner",
}


@pytest.mark.parametrize("name", [*PAGES, "console-finding"])
def test_every_console_page_is_accessible(
    auditor: BrowserContext, name: str, screenshot_dir: Path, console: str
) -> None:
    finding = console  # the overdue deletions: a finding with evidence to show
    page = auditor.new_page()
    page.goto(PAGES.get(name) or f"/console/findings/{finding}")
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page)
    screenshot(page, screenshot_dir, name)
    page.close()


def test_the_sign_in_page_of_the_console_is_accessible(
    new_context: Contexts, screenshot_dir: Path
) -> None:
    page = new_context().new_page()
    page.goto("/console/login")
    assert_accessible(page)
    screenshot(page, screenshot_dir, "console-login")
