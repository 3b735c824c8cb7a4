"""The console in a real browser: an auditor finds the partner with an overdue deletion from the
partners list and opens the evidence; an auditor's attempt to suspend a partner is refused; every
console page passes axe-core (no serious or critical violation) and is saved as screenshots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from consentgate.domain import GrantScope, PartnerStatus
from consentgate.domain.staff import Role
from consentgate.services.wiring import Services
from consentgate.testing import FrozenClock

from .conftest import Contexts, Demo, assert_accessible, screenshot

STAFF = {"ines": ("ines-console-pass", Role.AUDITOR), "omar": ("omar-console-pass", Role.ADMIN)}
#: The partners of the story, whose pages other browser tests show: left as they are.
STORY = {"tunes", "reelview", "northbank", "handset", "shopmart", "findit"}


def _overdue_deletion(demo: Demo) -> str:
    """A small partner that has owed a deletion for weeks: a person's grant, given under an
    agreement years ago and revoked the day after, whose retention has long run out. Made through
    the services with their clock at that time, as it would have happened then."""
    now = datetime.now(UTC)
    person = demo.services.people.register_person("ines-subject", "Ines Subject").id
    for partner in demo.services.partners.list_partners():
        if partner.id in STORY or partner.status is not PartnerStatus.ACTIVE:
            continue
        for agreement in demo.services.partners.agreements_of(partner.id):
            start = agreement.valid_from + timedelta(days=1)
            if start + timedelta(days=agreement.retention_days + 30) > now:
                continue
            then = Services(demo.services.settings, demo.services.db, clock=FrozenClock(start))
            cap = agreement.capabilities[0]
            scopes = frozenset({GrantScope(cap.category, cap.action, cap.purpose)})
            grant = then.grants.record_grant(
                person, partner.id, scopes, receipt_text="Allow it (years ago).", days=30
            )
            then.clock.advance(days=1)  # type: ignore[attr-defined]
            then.grants.revoke_grant(grant.id, by_person=person)
            return partner.id
    raise AssertionError("no partner with an agreement old enough")


@pytest.fixture(scope="module")
def console(demo: Demo) -> str:
    """Staff accounts in the served demo, and the partner owing an overdue deletion."""
    for handle, (password, role) in STAFF.items():
        demo.services.staff.create(handle, role, password)
    return _overdue_deletion(demo)


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
    expect(first.locator(".badge.bad")).to_have_text("1")
    first.locator(".badge.bad").click()
    expect(page).to_have_url(f"{demo.base}/console/partners/{console}#deletions")
    evidence = page.locator("#obligations tbody tr").first
    expect(evidence).to_contain_text("overdue")
    obligation = demo.services.grants.obligations_of_partner(console)[0]
    expect(evidence).to_contain_text(obligation.id)
    expect(evidence).to_contain_text(obligation.grant_id)


def test_an_auditor_s_attempt_to_suspend_a_partner_is_refused(
    new_context: Contexts, console: str, demo: Demo
) -> None:
    page = staff_sign_in(new_context(), "ines", f"/console/partners/{console}")
    expect(page.locator("#actions")).to_be_visible()
    page.fill("#suspend-reason", "an auditor tries")
    with page.expect_response(lambda r: r.url.endswith("/suspend")) as answer:
        page.get_by_role("button", name="Suspend").click()
    assert answer.value.status == 403
    assert answer.value.json()["reasons"] == ["staff.read_only"]
    assert demo.services.partners.get_partner(console).status is PartnerStatus.ACTIVE
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
    "console-exposure-people": "/console/exposure/tunes/friends",
    "console-activity": "/console/activity",
    "console-log": "/console/log",
    "console-audit": "/console/audit",
    "console-tokens": "/console/tokens",
    "console-reports": "/console/reports",
    "console-not-found": "/console/partners/no-such-partner",
}


@pytest.mark.parametrize("name", list(PAGES))
def test_every_console_page_is_accessible(
    auditor: BrowserContext, name: str, screenshot_dir: Path
) -> None:
    page = auditor.new_page()
    page.goto(PAGES[name])
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
