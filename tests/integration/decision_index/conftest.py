"""The world both the decision index's tests start from: a device maker may read contacts to sync
them, and alice shares her contacts with partners (no grant yet)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from consentgate.domain import Action, Capability, Category
from consentgate.services.wiring import Services
from consentgate.testing import FrozenClock

#: The test files name it too, as ``PURPOSE``.
SYNC = "contacts.sync"


@pytest.fixture
def device_maker(services: Services, clock: FrozenClock) -> Services:
    services.partners.register_purpose(
        SYNC, "Sync your contacts to your phone", "essential.service"
    )
    services.partners.register_partner("device-maker", "Device Maker", "device maker")
    services.partners.sign_agreement(
        "device-maker",
        (Capability(Category.CONTACTS, Action.READ, SYNC, frozenset({"id", "name"})),),
        valid_from=clock.now - timedelta(days=10),
        valid_until=clock.now + timedelta(days=365),
    )
    services.people.register_person("alice", "Alice", person_id="p-alice")
    services.people.set_settings(
        "p-alice", share_with_partners=True, categories=frozenset({Category.CONTACTS})
    )
    return services
