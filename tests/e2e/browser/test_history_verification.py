"""The access history checks each entry against the log in the person's browser (``verify.js``):
an access a partner made a moment ago shows as verified, and anything a fixture alters on its way
to the browser — the proof, the entry's bytes, the signed checkpoint, the row itself — shows as not
verified."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Route, expect

from consentgate.ledger.note import NoteSigner

from .conftest import (
    Demo,
    PartnerClient,
    assert_accessible,
    partner_token,
    screenshot,
    sign_in,
)

VERIFIED = re.compile(r"^Verified in this browser against checkpoint (\d+)$")
#: A row through a friend's grant: the entry proves the access, not who was in the data.
VERIFIED_ACCESS_ONLY = re.compile(
    r"^Verified in this browser against checkpoint \d+: the access itself; "
    r"the log entry does not list who was in the data$"
)
#: Long enough for a checkpoint (signed every 0.5 s here) and verify.js's one retry.
SETTLED = 15_000


@dataclass
class Access:
    """The music partner read alice's friends a moment ago. ``before`` is the checkpoint note the
    log served just before, which does not cover the access yet."""

    context: BrowserContext
    partner: PartnerClient
    log_index: int
    before: bytes


@pytest.fixture(scope="module")
def access(demo: Demo, browser: Browser) -> Iterator[Access]:
    context = browser.new_context(base_url=demo.base, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    partner = partner_token(demo, sign_in(context, "alice"))
    before = requests.get(demo.url("/log/checkpoint"), timeout=10).content
    answer = partner.get("/v1/friends", purpose="music.share")
    assert answer.status_code == 200, answer.text
    yield Access(context, partner, int(answer.headers["log-index"]), before)
    context.close()


@pytest.fixture
def page(access: Access) -> Iterator[Page]:
    """A new tab of alice's signed-in browser."""
    tab = access.context.new_page()
    yield tab
    tab.close()


def _verify_cell(page: Page, access: Access) -> Locator:
    return page.locator(f'tr[data-log-index="{access.log_index}"] td.verify')


def test_the_history_shows_the_access_made_a_moment_ago_marked_verified(
    demo: Demo, access: Access, page: Page, screenshot_dir: Path
) -> None:
    page.goto("/me/history")
    cell = _verify_cell(page, access)
    expect(cell).to_have_text(VERIFIED, timeout=SETTLED)
    found = VERIFIED.match(cell.inner_text().strip())
    assert found is not None
    size = int(found.group(1))
    assert size > access.log_index
    # The page-wide line: the checkpoint's size, its age, and the key it was checked with.
    name, key_id, _key = requests.get(demo.url("/log/vkey"), timeout=10).text.strip().split("+", 2)
    summary = page.locator("#verify-summary")
    expect(summary).to_contain_text(f"checkpoint {size} ")
    expect(summary).to_contain_text(f"with the log's key {name}+{key_id}")
    expect(summary).to_contain_text(re.compile(r"signed (now|\d+ seconds? ago)"))
    assert page.locator("td.verify[data-verified=failed]").count() == 0
    assert_accessible(page)
    screenshot(page, screenshot_dir, "history")


def test_a_row_newer_than_the_checkpoint_waits_and_is_verified_on_the_retry(
    access: Access, page: Page
) -> None:
    """The first checkpoint the page gets predates the access; the one a moment later has it."""
    served: list[int] = []

    def older_first(route: Route) -> None:
        served.append(1)
        if len(served) == 1:
            route.fulfill(body=access.before, content_type="text/plain; charset=utf-8")
        else:
            route.continue_()

    page.route("**/log/checkpoint", older_first)
    page.goto("/me/history")
    cell = _verify_cell(page, access)
    expect(cell).to_contain_text("Waiting for the next checkpoint")
    expect(cell).to_have_text(VERIFIED, timeout=SETTLED)
    assert len(served) == 2


def test_an_access_through_a_friends_grant_verifies_in_the_friends_history(
    access: Access, signed_in: Callable[..., Page]
) -> None:
    """The entry names alice (the grant's person), not bob: his row is verified as an access, and
    says that the entry does not show who was in the data."""
    bob = signed_in("bob", next_path="/me/history")
    row = bob.locator(f'tr[data-log-index="{access.log_index}"]')
    assert row.get_attribute("data-role") in {"included", "filtered"}
    expect(row.locator("td.verify")).to_have_text(VERIFIED_ACCESS_ONLY, timeout=SETTLED)


def _flip_first_proof_hash(route: Route) -> None:
    response = route.fetch()
    body = response.json()
    first = bytearray(base64.b64decode(body["proof"][0]))
    first[0] ^= 0x01
    body["proof"][0] = base64.b64encode(bytes(first)).decode()
    route.fulfill(response=response, json=body)


def _rewrite_entry_decision(route: Route) -> None:
    """Change "allow" to "alloW" in the entry bundle: same length, other bytes."""
    response = route.fetch()
    route.fulfill(response=response, body=response.body().replace(b'"allow"', b'"alloW"'))


@pytest.mark.parametrize(
    ("url", "alter"),
    [
        ("**/log/proof/inclusion?*", _flip_first_proof_hash),
        ("**/log/tile/entries/**", _rewrite_entry_decision),
    ],
    ids=["proof", "entry-bytes"],
)
def test_an_altered_proof_or_entry_shows_as_not_verified(
    access: Access, page: Page, url: str, alter: Callable[[Route], None]
) -> None:
    page.route(url, alter)
    page.goto("/me/history")
    cell = _verify_cell(page, access)
    expect(cell).to_contain_text(
        "Not verified: the proof does not match the signed checkpoint", timeout=SETTLED
    )
    assert cell.get_attribute("data-verified") == "failed"
    # The person is pointed to the checks they can run themselves.
    expect(cell.locator("a[href='/me/verify']")).to_be_visible()


def _change_root(route: Route) -> None:
    response = route.fetch()
    origin, size, _root, rest = response.text().split("\n", 3)
    forged = base64.b64encode(bytes(32)).decode()
    route.fulfill(response=response, body="\n".join((origin, size, forged, rest)))


def _sign_with_another_key(route: Route) -> None:
    response = route.fetch()
    text = response.text().split("\n\n")[0] + "\n"
    origin = text.split("\n")[0]
    route.fulfill(response=response, body=NoteSigner.generate(origin).sign(text))


@pytest.mark.parametrize(
    ("alter", "why"),
    [
        (_change_root, "the checkpoint's signature is invalid"),
        (_sign_with_another_key, "the checkpoint carries no signature by the log's key"),
    ],
    ids=["root-changed", "another-key"],
)
def test_an_altered_checkpoint_shows_as_not_verified(
    access: Access, page: Page, alter: Callable[[Route], None], why: str
) -> None:
    page.route("**/log/checkpoint", alter)
    page.goto("/me/history")
    cell = _verify_cell(page, access)
    expect(cell).to_contain_text(f"Not verified: {why}", timeout=SETTLED)
    expect(page.locator("#verify-summary")).to_contain_text(f"Not verified in this browser: {why}")
    assert page.locator("td.verify[data-verified=yes]").count() == 0


def test_a_row_that_says_something_its_entry_does_not_is_not_verified(
    access: Access, page: Page
) -> None:
    """The server's page claims another partner made the access: the entry's bytes disagree."""

    def claim_another_partner(route: Route) -> None:
        response = route.fetch()
        page = response.text().replace(
            f'data-log-index="{access.log_index}" data-type="access" data-partner="tunes"',
            f'data-log-index="{access.log_index}" data-type="access" data-partner="northbank"',
        )
        route.fulfill(response=response, body=page)

    page.route("**/me/history", claim_another_partner)
    page.goto("/me/history")
    row = page.locator(f'tr[data-log-index="{access.log_index}"]')
    assert row.get_attribute("data-partner") == "northbank"
    expect(row.locator("td.verify")).to_contain_text(
        "Not verified: the log's entry names another partner than this row", timeout=SETTLED
    )
