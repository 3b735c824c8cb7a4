"""The log tells the services' time: entries and signed checkpoints are stamped by the one Clock."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from consentgate.services.wiring import Services
from consentgate.store.log import log_checkpoints, log_entries
from consentgate.testing import FrozenClock


def test_with_a_frozen_clock_the_checkpoint_and_its_entries_carry_the_frozen_time(
    services: Services, clock: FrozenClock
) -> None:
    clock.now = datetime(2017, 3, 1, 9, 30, tzinfo=UTC)
    running = services.start()
    try:
        index = running.log.append(b"an access decision in 2017")
        signed = running.log.integrate()
        assert running.log.checkpoint().signed_at == clock.now
    finally:
        running.stop()
    assert signed is not None
    assert signed.signed_at == clock.now
    with services.db.read() as conn:
        stamped = conn.execute(
            select(log_entries.c.created_at).where(log_entries.c.idx == index)
        ).scalar_one()
        stamps = set(conn.execute(select(log_checkpoints.c.signed_at)).scalars())
    assert stamped == clock.now
    assert stamps == {clock.now}
