"""A short history for reports: grants, accesses allowed and denied, a revocation, an expiry and a
confirmed deletion, all through the real services and the log, then a signed checkpoint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from consentgate.domain import Action, Category
from consentgate.domain.findings import CertifiedUse
from consentgate.errors import Denied
from consentgate.services.wiring import Running, Services
from consentgate.testing import FrozenClock

from .conftest import MUSIC, SEARCH, SYNC, grant, token_for

R, W = Action.READ, Action.WRITE


@dataclass(frozen=True)
class Story:
    start: datetime  # before anything happened
    end: datetime  # after everything
    alice_tunes: str
    carol_handset: str


def tell(world: Services, running: Running, clock: FrozenClock) -> Story:
    start = clock.now - timedelta(minutes=1)
    # The device maker certifies it syncs contacts (not calendars), before it reads anything.
    world.certifications.certify(
        "handset", (CertifiedUse(Category.CONTACTS, Action.READ, SYNC, why="sync contacts"),)
    )
    alice_tunes = grant(world, "p-alice", "tunes", (Category.MESSAGES, R, MUSIC))
    alice_handset = grant(world, "p-alice", "handset", (Category.CONTACTS, R, SYNC))
    carol_handset = grant(
        world, "p-carol", "handset", (Category.CONTACTS, R, SYNC), (Category.CALENDAR, R, SYNC)
    )
    alice_findit = grant(world, "p-alice", "findit", (Category.FRIENDS, R, SEARCH))
    running.access.read(token_for(world, alice_tunes), Category.MESSAGES, MUSIC)
    for _ in range(2):
        running.access.read(token_for(world, alice_handset), Category.CONTACTS, SYNC)
    running.access.read(token_for(world, carol_handset), Category.CONTACTS, SYNC)
    running.access.read(token_for(world, alice_findit), Category.FRIENDS, SEARCH)
    clock.advance(days=1)
    world.people.set_settings("p-alice", share_with_partners=False)
    with pytest.raises(Denied):
        running.access.read(token_for(world, alice_handset), Category.CONTACTS, SYNC)
    world.grants.revoke_grant(carol_handset, by_person="p-carol")
    [obligation, *_] = world.grants.obligations_of_partner("handset", open_only=True)
    world.grants.confirm_deletion(obligation.id, partner_id="handset")
    # Past the grants' 90 days: they expire, and a later entry shows the log's time moved on.
    clock.advance(days=100)
    world.people.set_settings("p-alice", share_with_partners=True)
    late = grant(world, "p-bob", "tunes", (Category.MESSAGES, R, MUSIC))
    running.access.read(token_for(world, late), Category.MESSAGES, MUSIC)
    running.log.integrate()
    return Story(start, clock.now + timedelta(minutes=1), alice_tunes, carol_handset)
