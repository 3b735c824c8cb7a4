"""The sequencer over the in-memory store: indexes, checkpoints, and refusing a second history."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
from collections.abc import Iterator

import pytest

from consentgate.errors import IntegrityError, InvalidInput, Unavailable
from consentgate.ledger import tree
from consentgate.ledger.logstore import Integration, NewEntries
from consentgate.ledger.memory import MemoryLogStore
from consentgate.ledger.note import NoteSigner, open_checkpoint
from consentgate.ledger.sequencer import Sequencer
from consentgate.ledger.tiles import TileId
from consentgate.ledger.verify import LogTampered, verify_log

ORIGIN = "unit.example/log"


class MemorySource:
    def __init__(self, sequencer: Sequencer) -> None:
        self.reader = sequencer.reader

    def checkpoint_note(self) -> bytes:
        return self.reader.checkpoint().note

    def tile(self, tile: TileId) -> bytes:
        return self.reader.tile(tile)

    def first_unsigned(self, size: int) -> int | None:
        return None


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def sequencer(signer: NoteSigner) -> Iterator[Sequencer]:
    seq = Sequencer(MemoryLogStore(), signer, checkpoint_interval=3600).start()
    yield seq
    seq.stop()


@pytest.mark.parametrize(("writers", "each"), [(16, 50), (64, 40)])
def test_concurrent_appends_get_every_index_exactly_once(
    sequencer: Sequencer, writers: int, each: int
) -> None:
    got: list[int] = []
    lock = threading.Lock()

    def writer(k: int) -> None:
        for i in range(each):
            index = sequencer.append(f"writer {k} entry {i}".encode())
            with lock:
                got.append(index)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == list(range(writers * each))
    signed = sequencer.integrate()
    assert signed is not None
    assert signed.size == writers * each


def test_a_checkpoint_covers_the_entries_and_proves_them(
    sequencer: Sequencer, signer: NoteSigner
) -> None:
    data = [f"decision {i}".encode() for i in range(300)]
    for d in data:
        sequencer.append(d)
    signed = sequencer.integrate()
    assert signed is not None
    checkpoint = open_checkpoint(signed.note, signer.verifier)
    assert checkpoint.size == 300
    assert checkpoint.root == tree.root_of([tree.leaf_hash(d) for d in data])
    leaf, proof, root = sequencer.reader.inclusion(257, 300)
    tree.verify_inclusion(257, 300, tree.leaf_hash(data[257]), proof, root)
    assert leaf == tree.leaf_hash(data[257])
    assert verify_log(MemorySource(sequencer), signer.verifier) == checkpoint


def test_nothing_new_means_no_new_checkpoint(sequencer: Sequencer) -> None:
    sequencer.append(b"one")
    assert sequencer.integrate() is not None
    assert sequencer.integrate() is None


def test_it_refuses_to_sign_after_the_last_checkpoint_was_rewritten(
    sequencer: Sequencer, signer: NoteSigner
) -> None:
    for i in range(10):
        sequencer.append(f"e{i}".encode())
    first = sequencer.integrate()
    assert first is not None
    store = sequencer.store
    assert isinstance(store, MemoryLogStore)
    forged = dataclasses.replace(first, root=tree.leaf_hash(b"another history"))
    store._checkpoints[first.size] = forged
    sequencer.append(b"e10")
    with pytest.raises(
        IntegrityError, match="not consistent with the checkpoint signed at size 10"
    ):
        sequencer.integrate()
    assert store.latest_checkpoint() == forged  # nothing new was signed


def test_a_restart_refuses_tiles_that_do_not_match_the_signed_root(signer: NoteSigner) -> None:
    store = MemoryLogStore()
    seq = Sequencer(store, signer, checkpoint_interval=3600).start()
    for i in range(5):
        seq.append(f"e{i}".encode())
    seq.stop()
    tile = store._tiles[(0, 0)]
    store._tiles[(0, 0)] = dataclasses.replace(tile, hashes=bytes(32) + tile.hashes[32:])
    with pytest.raises(IntegrityError, match="stored"):
        Sequencer(store, signer).start()


def test_verification_names_the_first_entry_that_does_not_match(
    sequencer: Sequencer, signer: NoteSigner
) -> None:
    for i in range(40):
        sequencer.append(f"e{i}".encode())
    sequencer.integrate()
    store = sequencer.store
    assert isinstance(store, MemoryLogStore)
    store._entries[17] = (b"changed", store._entries[17][1])
    with pytest.raises(LogTampered, match="entry 17") as caught:
        verify_log(MemorySource(sequencer), signer.verifier)
    assert caught.value.index == 17


def test_empty_and_oversized_entries_are_refused(sequencer: Sequencer) -> None:
    with pytest.raises(InvalidInput):
        sequencer.append(b"")
    with pytest.raises(InvalidInput):
        sequencer.append(b"x" * 65536)


class FlakyStore(MemoryLogStore):
    """Fails the next ``failures`` calls of one method with Unavailable, then recovers."""

    def __init__(self) -> None:
        super().__init__()
        self.fail_append = 0
        self.fail_integrate = 0

    def append(self, new: NewEntries) -> int:
        if self.fail_append:
            self.fail_append -= 1
            raise Unavailable("the database is unavailable")
        return super().append(new)

    def integrate(self, step: Integration) -> None:
        if self.fail_integrate:
            self.fail_integrate -= 1
            raise Unavailable("the database is unavailable")
        super().integrate(step)


def test_a_failed_commit_acknowledges_nothing_and_the_log_goes_on(signer: NoteSigner) -> None:
    store = FlakyStore()
    seq = Sequencer(store, signer, checkpoint_interval=3600).start()
    try:
        assert seq.append(b"first") == 0
        store.fail_append = 1
        with pytest.raises(Unavailable):
            seq.append(b"lost, and the caller knows it")
        assert seq.append(b"second") == 1
        assert [data for _, data in store.entries(0, 10)] == [b"first", b"second"]
    finally:
        seq.stop()


def test_a_failed_checkpoint_write_is_retried_without_losing_entries(signer: NoteSigner) -> None:
    store = FlakyStore()
    seq = Sequencer(store, signer, checkpoint_interval=3600).start()
    try:
        for i in range(300):
            seq.append(f"e{i}".encode())
        store.fail_integrate = 1
        with pytest.raises(Unavailable):
            seq.integrate()
        latest = store.latest_checkpoint()
        assert latest is not None
        assert latest.size == 0  # still only the empty log's head
        seq.append(b"one more")
        signed = seq.integrate()
        want = [tree.leaf_hash(f"e{i}".encode()) for i in range(300)] + [
            tree.leaf_hash(b"one more")
        ]
        assert signed is not None
        assert (signed.size, signed.root) == (301, tree.root_of(want))
    finally:
        seq.stop()


def test_async_callers_get_their_index_after_the_commit(sequencer: Sequencer) -> None:
    async def many() -> list[int]:
        return list(
            await asyncio.gather(*(sequencer.append_async(f"a{i}".encode()) for i in range(100)))
        )

    indexes = asyncio.run(many())
    assert sorted(indexes) == list(range(100))
    assert sequencer.store.committed_size() == 100
