"""``/me/report`` in a real browser: alice sees every recipient of her data, counted from the log,
downloads the signed file, and it verifies against the log; the page names nobody else, works
without JavaScript, and passes axe-core."""

from __future__ import annotations

import time
from collections.abc import Callable

from playwright.sync_api import Page, expect

from consentgate.domain.staff import Role
from consentgate.services.reports.formats import read_report

from .conftest import Contexts, Demo, assert_accessible, partner_token


def _report_with_tunes(page: Page) -> None:
    """Reload until the log's signed checkpoint covers the partner's access (at most a few s)."""
    deadline = time.monotonic() + 10
    while True:
        page.goto("/me/report")
        rows = page.locator("table[data-table=recipients] tbody tr")
        if rows.filter(has_text="tunes").count():
            return
        if time.monotonic() > deadline:
            raise AssertionError("the report never showed the partner's access")
        time.sleep(0.3)


def test_alice_sees_who_received_her_data_and_the_file_verifies(
    demo: Demo, signed_in: Callable[..., Page]
) -> None:
    page = signed_in("alice")
    partner = partner_token(demo, page)
    assert partner.get("/v1/friends", purpose="music.share").status_code == 200
    _report_with_tunes(page)
    expect(page.get_by_role("heading", level=1)).to_have_text("Who received your data")
    row = page.locator("table[data-table=recipients] tbody tr", has_text="tunes").first
    expect(row).to_contain_text("friends")
    expect(row).to_contain_text("music.share")
    expect(page.locator("[data-log=origin]")).to_have_text("browser.example/log")
    assert_accessible(page)
    for fmt in ("json", "csv", "html"):
        with page.expect_download() as download:
            page.get_by_role("link", name=fmt.upper(), exact=True).click()
        data = download.value.path().read_bytes()
        reports = demo.services.reports()
        assert reports.signer is not None
        verified = reports.verify(data, reports.signer.verifier)
        assert verified == read_report(data).report
        assert verified.parameters["person_ref"] == demo.person_ref("p-alice")


def test_the_report_names_nobody_else_and_works_without_javascript(
    demo: Demo, signed_in: Callable[..., Page]
) -> None:
    page = signed_in("bob", javascript=False)
    page.goto("/me/report")
    expect(page.get_by_role("heading", level=1)).to_have_text("Who received your data")
    text = page.content()
    for other in ("p-alice", "p-carol", "p-dave", demo.person_ref("p-alice")):
        assert other not in text
    assert demo.person_ref("p-bob") in text


def test_a_signed_out_visitor_is_sent_to_sign_in(new_context: Contexts) -> None:
    page = new_context().new_page()
    page.goto("/me/report.json")
    assert "/login?next=" in page.url


def test_an_auditor_s_console_reports_page_is_accessible(
    demo: Demo, signed_in: Callable[..., Page], new_context: Contexts
) -> None:
    partner = partner_token(demo, signed_in("alice"))
    assert partner.get("/v1/friends", purpose="music.share").status_code == 200
    demo.running.log.integrate()
    demo.services.staff.create("rita", Role.AUDITOR, "rita-auditor-pass")
    page = new_context().new_page()
    page.goto("/console/login?next=/console/reports")
    page.fill("input[name=handle]", "rita")
    page.fill("input[name=password]", "rita-auditor-pass")
    page.click("button[type=submit]")
    page.wait_for_url("**/console/reports")
    page.select_option("#report-partner", "tunes")
    page.get_by_role("button", name="Show the partner's record").click()
    expect(page.locator("table[data-table=use]")).to_contain_text("friends")
    assert_accessible(page)
    page.goto("/console/reports?kind=transparency&from=2026-02-01&to=2026-01-01")
    expect(page.get_by_role("alert")).to_contain_text("--from must be before --to")
    assert_accessible(page)
