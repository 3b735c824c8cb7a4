"""A device maker's world on a real database, with the server's running parts, for the findings rules.

``handset`` signed an agreement a year ago (contacts and calendar, for syncing a phone) that runs
two more years. People are added as a test needs them, each sharing everything; the partner's
requests go through the real decision path (engine, log, access history) at the clock's time.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from consentgate.domain import Action, Capability, Category, GrantScope, TokenContext
from consentgate.domain.findings import CertifiedUse, Finding, FindingRule
from consentgate.errors import Denied
from consentgate.policy.finding_facts import Thresholds
from consentgate.services.wiring import Running, Services
from consentgate.testing import FrozenClock

SYNC = "device.sync"
CONTACTS = (Category.CONTACTS, Action.READ, SYNC)
CALENDAR = (Category.CALENDAR, Action.READ, SYNC)
YEAR = timedelta(days=365)


def capability(category: Category) -> Capability:
    return Capability(category, Action.READ, SYNC, frozenset({"id"}))


@dataclass
class World:
    """The services, their running parts and the clock, with the chores of the findings tests."""

    services: Services
    running: Running
    clock: FrozenClock

    def person(self, handle: str) -> str:
        pid = f"p-{handle}"
        self.services.people.register_person(handle, handle.title(), person_id=pid)
        everything = frozenset(Category)
        self.services.people.set_settings(
            pid, share_with_partners=True, categories=everything, via_others=everything
        )
        return pid

    def grant(
        self, person: str, *scopes: tuple[Category, Action, str], days: int = 366
    ) -> TokenContext:
        """``person`` grants ``handset`` the scopes; the context of a token for that grant."""
        g = self.services.grants.record_grant(
            person,
            "handset",
            frozenset(GrantScope(*s) for s in scopes),
            receipt_text="Handset may sync your data",
            days=days,
        )
        return TokenContext(
            token_id="tok-" + g.id,
            client_id="handset-app",
            partner_id="handset",
            person_id=person,
            grant_id=g.id,
            scopes=g.scopes,
            expires_at=g.expires_at,
        )

    def read(self, token: TokenContext, category: Category) -> int:
        """The partner reads ``category``; the log index of the decision (allowed or denied)."""
        index: int | None
        try:
            return self.running.access.read(token, category, SYNC).log_index
        except Denied as denied:
            index = denied.log_index
        if index is None:
            raise AssertionError("a denial names its log entry")
        return index

    def certify(self, *categories: Category, monthly: int | None = None) -> None:
        self.services.certifications.certify(
            "handset",
            tuple(
                CertifiedUse(c, Action.READ, SYNC, "shown on the phone", monthly)
                for c in categories
            ),
        )

    def never_suspend(self) -> None:
        """Evaluate without suspending for an overdue certification (a test far in the future)."""
        self.services.findings.thresholds = Thresholds(certification_notice_days=None)

    def findings(self, rule: FindingRule, at: datetime | None = None) -> list[Finding]:
        """Evaluate now (or at ``at``) and return the open findings of ``rule``."""
        evaluation = self.services.findings.evaluate(at)
        return [f for f in evaluation.findings if f.rule is rule]


@pytest.fixture
def world(services: Services, clock: FrozenClock) -> Iterator[World]:
    services.partners.register_purpose(SYNC, "Sync to your phone", "essential.service")
    services.partners.register_partner("handset", "Handset", "device maker")
    services.partners.sign_agreement(
        "handset",
        (capability(Category.CONTACTS), capability(Category.CALENDAR)),
        valid_from=clock.now - YEAR,
        valid_until=clock.now + 2 * YEAR,
    )
    running = services.start()
    yield World(services, running, clock)
    running.stop()
