"""Proofs served from stored tiles are the RFC 9162 proofs, for every signed size, also after
the log has grown past it and while the reader holds older copies of the edge tiles."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentgate.errors import InvalidInput, NotFound
from consentgate.ledger import tree
from consentgate.ledger.logstore import Integration, LogReader, SignedCheckpoint
from consentgate.ledger.memory import MemoryLogStore
from consentgate.ledger.tiles import TileBuilder

WHEN = datetime(2026, 6, 1, tzinfo=UTC)


class GrowingLog:
    """A log in a :class:`MemoryLogStore`, signed at each size it grows to, plus every node
    of the tree built one leaf at a time, for the reference proofs."""

    def __init__(self) -> None:
        self.store = MemoryLogStore()
        self.builder = TileBuilder()
        self.nodes: dict[tuple[int, int], bytes] = {}
        self._range = tree.CompactRange()
        self.leaves: list[bytes] = []
        self.roots: dict[int, bytes] = {}  # size -> root, from the leaf-by-leaf tree

    def grow(self, count: int) -> int:
        new = [tree.leaf_hash(b"decision %d" % (len(self.leaves) + i)) for i in range(count)]
        for h in new:
            self._range.append(h, lambda lv, ix, v: self.nodes.__setitem__((lv, ix), v))
        self.leaves += new
        self.roots[len(self.leaves)] = self._range.root()
        before = self.store.latest_checkpoint()
        self.builder.add(new)
        size = self.builder.size
        signed = SignedCheckpoint(size, self.builder.root(), b"note %d" % size, WHEN)
        assert self.store.hold_lease("reader test", 60)
        after = before and before.size
        self.store.integrate(Integration(self.builder.flush(), signed, after, "reader test"))
        return size

    def reference(self, index: int, size: int) -> list[bytes]:
        return tree.inclusion_proof(index, size, lambda wanted: [self.nodes[n] for n in wanted])


def _check(reader: LogReader, log: GrowingLog, index: int, size: int) -> None:
    leaf, proof, root = reader.inclusion(index, size)
    assert leaf == log.leaves[index]
    assert root == log.roots[size]
    assert proof == log.reference(index, size)
    tree.verify_inclusion(index, size, leaf, proof, root)


@given(data=st.data(), steps=st.lists(st.integers(1, 900), min_size=1, max_size=5))
@settings(max_examples=120, deadline=None)
def test_served_proofs_equal_the_rfc_proofs(data: st.DataObject, steps: list[int]) -> None:
    log = GrowingLog()
    reader = LogReader(log.store, cache_tiles=data.draw(st.sampled_from([0, 2, 4096])))
    sizes = []
    for count in steps:
        sizes.append(log.grow(count))
        # Proofs for every size signed so far, including older ones the tiles have outgrown.
        for _ in range(6):
            size = data.draw(st.sampled_from(sizes))
            index = data.draw(st.integers(0, size - 1))
            _check(reader, log, index, size)
    for size in sizes:
        for index in {0, size // 3, size // 2, size - 1}:
            _check(reader, log, index, size)


@pytest.fixture(scope="module")
def tall_log() -> tuple[GrowingLog, list[int]]:
    """A log past one level-1 tile (65,536 entries), so proofs read tiles at three levels."""
    log = GrowingLog()
    return log, [log.grow(70_001), log.grow(65_536 + 1_234)]


@pytest.mark.parametrize("index", [0, 255, 256, 65_535, 65_536, 70_000, 131_071, 131_072])
def test_proofs_from_tiles_three_levels_high(
    tall_log: tuple[GrowingLog, list[int]], index: int
) -> None:
    log, sizes = tall_log
    reader = LogReader(log.store)
    for size in sizes:
        if index < size:
            _check(reader, log, index, size)


def test_only_signed_sizes_are_proved() -> None:
    log = GrowingLog()
    log.grow(10)
    reader = LogReader(log.store)
    with pytest.raises(NotFound):
        reader.inclusion(3, 9)
    with pytest.raises(InvalidInput):
        reader.inclusion(10, 10)
