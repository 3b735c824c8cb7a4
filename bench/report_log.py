"""A bench-only bulk generator of large transparency logs: real entries, real tiles, signed checkpoints.

``build(db, size, signer)`` writes ``size`` version-1 entries through the log store's own append
(driver ``executemany``, 100,000 entries per transaction) and integrates each batch as the
sequencer does (tiles and a signed checkpoint, :meth:`SqlLogStore.integrate`), so a report and
``consentgate log verify`` read it like any other log. It skips the services (no people, grants
or decisions are stored): only the log is built.

The world it describes is fixed whatever the size: ``PEOPLE`` people, each holding grants for two
(partner, category) pairs out of 150 partners and four categories; one entry in 64 is a new grant
(ending a day later, in log time), one in 640 a revocation, one in 1,280 a deletion confirmation,
the rest access decisions (one in ten denied). Eight entries per second of log time. Entries are
formatted from a template in canonical form (checked against ``decode_entry`` on a sample), since
building them through the dataclasses would take longer than the report being measured.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from consentgate.ledger.entries import decode_entry, format_time, person_reference
from consentgate.ledger.logstore import Integration, NewEntries, SignedCheckpoint
from consentgate.ledger.note import Checkpoint, NoteSigner
from consentgate.ledger.tiles import TileBuilder
from consentgate.ledger.tree import leaf_hashes
from consentgate.store import Database
from consentgate.store.log import SqlLogStore

PEOPLE = 100_000
PARTNERS = 150
CATEGORIES = ("messages", "contacts", "calendar", "friends")
BATCH = 100_000
START = datetime(2026, 1, 1, tzinfo=UTC)
PER_SECOND = 8
SECRET = b"bench person secret, not a real one"

ACCESS = (
    '{"action":"read","category":"%s","client":"c-%s","decision":"%s","grant_id":"g-%d",'
    '"partner":"%s","person_ref":"%s","purpose":"essential.service","reasons":%s,"receipt_id":"g-%d",'
    '"records_filtered":%d,"records_returned":%d,"request_id":"%032x","time":"%s",'
    '"type":"access","v":1}'
)
GRANT = (
    '{"client":"c-%s","expires":"%s","grant_id":"g-%d","partner":"%s","person_ref":"%s",'
    '"receipt_hash":"%064x","receipt_id":"g-%d","request_id":"%032x",'
    '"scopes":["%s:read:essential.service"],"time":"%s","type":"grant","v":1}'
)
REVOCATION = (
    '{"by":"person","grant_id":"g-%d","partner":"%s","person_ref":"%s","request_id":"%032x",'
    '"time":"%s","type":"revocation","v":1}'
)
DELETION = (
    '{"agreement_id":null,"grant_id":"g-%d","obligation_id":"del-%d","partner":"%s",'
    '"person_ref":"%s","request_id":"%032x","time":"%s","type":"deletion","v":1}'
)
DENIED = '["grant.missing"]'


class World:
    """Who is who: people's references, and the two (partner, category) grants of each."""

    def __init__(self, people: int = PEOPLE) -> None:
        self.refs = [person_reference(SECRET, f"person-{i}") for i in range(people)]
        self.people = people

    def holding(self, person: int, k: int) -> tuple[str, str]:
        partner = f"partner-{(person * 7 + k * 61) % PARTNERS}"
        return partner, CATEGORIES[(person + k) % len(CATEGORIES)]


def _times() -> Callable[[int], tuple[str, str]]:
    """Entry index -> (its time, a day later), as entry strings; formatted once per second."""
    cache: dict[int, tuple[str, str]] = {}

    def at(index: int) -> tuple[str, str]:
        second = index // PER_SECOND
        found = cache.get(second)
        if found is None:
            cache.clear()
            moment = START + timedelta(seconds=second)
            found = cache[second] = (format_time(moment), format_time(moment + timedelta(days=1)))
        return found

    return at


def entries(world: World, start: int, end: int) -> list[bytes]:
    """Entries ``[start, end)`` of the generated log."""
    at = _times()
    out = []
    refs, people = world.refs, world.people
    for j in range(start, end):
        when, later = at(j)
        if j % 640 == 1 or j % 1280 == 2:  # about the grant logged at the start of this run
            grant = j - 1 if j % 640 == 1 else j - 2
            person = (grant * 2654435761) % people
            partner, _ = world.holding(person, grant & 1)
            if j % 640 == 1:
                text = REVOCATION % (grant, partner, refs[person], j, when)
            else:
                text = DELETION % (grant, j, partner, refs[person], j, when)
            out.append(text.encode())
            continue
        person = (j * 2654435761) % people
        partner, category = world.holding(person, j & 1)
        ref = refs[person]
        if j % 64 == 0:
            text = GRANT % (partner, later, j, partner, ref, j, j, j, category, when)
        else:
            denied = j % 10 == 0
            text = ACCESS % (
                category, partner, "deny" if denied else "allow", j, partner, ref,
                DENIED if denied else "[]", j, 0 if denied else j % 4,
                0 if denied else j % 21, j, when,
            )  # fmt: skip
        out.append(text.encode())
    return out


def check_sample(world: World) -> None:
    """The templates produce canonical entries (decode_entry re-encodes and compares)."""
    for data in entries(world, 0, 2_600):
        decode_entry(data)


def build(
    db: Database,
    size: int,
    signer: NoteSigner,
    world: World | None = None,
    progress: Callable[[int], None] | None = None,
) -> SignedCheckpoint:
    """Append and integrate ``size`` generated entries into the empty log of ``db``."""
    world = world or World()
    check_sample(world)
    store = SqlLogStore(db)
    builder = TileBuilder()
    signed: SignedCheckpoint | None = None
    holder = "bench report_log"
    for first in range(0, size, BATCH):
        batch = entries(world, first, min(size, first + BATCH))
        hashes = leaf_hashes(batch)
        store.append(NewEntries(batch, hashes))
        builder.add(hashes)
        root = builder.root()
        note = signer.sign(Checkpoint(signer.name, builder.size, root).text())
        previous = signed.size if signed is not None else None
        signed = SignedCheckpoint(builder.size, root, note, datetime.now(UTC))
        if not store.hold_lease(holder, 60):
            raise RuntimeError("another process integrates this log")
        store.integrate(Integration(builder.flush(), signed, previous, holder))
        if progress is not None:
            progress(builder.size)
    if signed is None:
        raise ValueError("a log of at least one entry")
    return signed


def batches(size: int, world: World) -> Iterator[list[bytes]]:
    for first in range(0, size, BATCH):
        yield entries(world, first, min(size, first + BATCH))


if __name__ == "__main__":
    import sys
    import tempfile

    from consentgate.store.migrate import upgrade

    n = int(sys.argv[1])
    with tempfile.TemporaryDirectory() as tmp:
        database = Database.connect(f"sqlite:///{tmp}/log.db")
        upgrade(database)
        t0 = time.perf_counter()
        build(database, n, NoteSigner.generate("bench.example/log"))
        print(f"{n} entries in {time.perf_counter() - t0:.1f} s")
