"""The storage interface of the log, an in-memory implementation, and proofs served from it.

The sequencer and the HTTP layer reach storage only through :class:`LogStore`; the SQL version
lives in ``consentgate.store.log``, and ``consentgate.ledger.memory.MemoryLogStore`` makes tests
fast and lets library users try the log without a database. :class:`LogReader` answers everything a client asks —
checkpoint, tiles, entry bundles, inclusion and consistency proofs — and only ever for a size that
the log has signed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from consentgate.errors import IntegrityError, InvalidInput, NotFound
from consentgate.ledger import tree
from consentgate.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    StoredTile,
    TileId,
    encode_bundle,
    node_location,
    proof_slices,
    tile_width_at,
)
from consentgate.ledger.tree import HASH_SIZE


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint the log signed: its size, root, the note bytes served, and when."""

    size: int
    root: bytes
    note: bytes
    signed_at: datetime


@dataclass(frozen=True, slots=True)
class NewEntries:
    """Entries to append at the end of the log, with their leaf hashes.

    ``annotations`` are ``(position, value)`` pairs the caller attached to its entries, the
    position counted from the first of ``entries`` (an outbox): a store that knows what they are
    writes them, with the index the entry got, in the same transaction, so they exist exactly
    when their entries do. The log itself never reads them.
    """

    entries: Sequence[bytes]
    leaf_hashes: Sequence[bytes]
    annotations: Sequence[tuple[int, object]] = ()


@dataclass(frozen=True, slots=True)
class Integration:
    """One integration, written in one transaction: the new hash ``tiles`` and the ``checkpoint``
    that signs them, checked against the latest checkpoint, of size ``after`` (``None``: there was
    none), by the lease's ``holder``.

    A store writes it only while that checkpoint is still the latest and ``holder`` still holds
    the lease (fencing: a holder that lost the lease while signing writes nothing).
    """

    tiles: Sequence[StoredTile]
    checkpoint: SignedCheckpoint
    after: int | None
    holder: str


class LogStore(Protocol):
    """What the log needs from storage. Every write method is one transaction.

    Many processes may share one store: :meth:`append` assigns indexes inside its transaction (the
    head of the log is read and moved under the transaction's lock, as Trillian's and Tessera's
    database back ends do), and integration is done by the holder of a lease only.
    """

    def committed_size(self) -> int:
        """The log's head: one past the highest index appended (0 when empty)."""
        ...

    def append(self, new: NewEntries) -> int:
        """Store the entries at the head of the log and their annotations durably, in one
        transaction, and return the first one's index; :class:`Conflict` if an index at the head
        is already taken (a row written behind the log's back)."""
        ...

    def hold_lease(self, holder: str, seconds: float) -> bool:
        """Take or renew the integration lease for ``holder`` (see :mod:`~.lease`); whether
        ``holder`` holds it now."""
        ...

    def release_lease(self, holder: str) -> None:
        """Give up the lease if ``holder`` holds it."""
        ...

    def lease_holder(self) -> str | None:
        """Who holds the integration lease now, if anyone."""
        ...

    def entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
        """``(index, data)`` of the stored entries in ``[start, end)``, in index order."""
        ...

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        """The stored leaf hashes of ``[start, end)`` (all must exist)."""
        ...

    def tiles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], StoredTile]:
        """The stored hash tiles among ``keys`` (level, index); absent ones are left out."""
        ...

    def latest_checkpoint(self) -> SignedCheckpoint | None: ...

    def checkpoint_at(self, size: int) -> SignedCheckpoint | None: ...

    def integrate(self, step: Integration) -> None:
        """Write the step's tiles and checkpoint together; :class:`Conflict`, writing nothing,
        unless the latest checkpoint is still of size ``step.after`` and ``step.holder`` still
        holds the lease."""
        ...


class LogReader:
    """Reads the log for clients: tiles, bundles and proofs, bounded by signed checkpoints.

    A tile's first ``w`` hashes never change once written, so tiles are kept in two small LRU
    caches — one for level 0, where random proofs mostly miss, and one for the few tiles above
    it, which every proof needs — and a cached tile serves any request it is wide enough for;
    narrower ones are read again.
    """

    def __init__(self, store: LogStore, cache_tiles: int = 4096) -> None:
        self.store = store
        self._cache: OrderedDict[tuple[int, int], StoredTile] = OrderedDict()  # level 0
        self._upper: OrderedDict[tuple[int, int], StoredTile] = OrderedDict()  # levels >= 1
        self._cache_max = cache_tiles
        self._lock = threading.Lock()
        self._signed_cache: dict[int, SignedCheckpoint] = {}
        self._borders: dict[tuple[int, int], bytes] = {}

    def checkpoint(self) -> SignedCheckpoint:
        latest = self.store.latest_checkpoint()
        if latest is None:
            raise NotFound("the log has not signed a checkpoint yet")
        return latest

    def _signed(self, size: int) -> SignedCheckpoint:
        found = self._signed_cache.get(size)  # a signed checkpoint never changes
        if found is None:
            found = self.store.checkpoint_at(size)
            if found is None:
                raise NotFound(f"the log never signed a checkpoint of size {size}")
            if len(self._signed_cache) >= 65536:
                self._signed_cache.clear()
            self._signed_cache[size] = found
        return found

    def _cached(self, key: tuple[int, int], width: int) -> StoredTile | None:
        cache = self._upper if key[0] else self._cache
        with self._lock:
            tile = cache.get(key)
            if tile is None or len(tile.hashes) < width * HASH_SIZE:
                return None
            cache.move_to_end(key)
            return tile

    def _remember(self, fetched: dict[tuple[int, int], StoredTile]) -> None:
        if not self._cache_max:
            return
        with self._lock:
            for key, tile in fetched.items():
                cache = self._upper if key[0] else self._cache
                cache[key] = tile
                cache.move_to_end(key)
                if len(cache) > self._cache_max:
                    cache.popitem(last=False)

    def _tiles(self, needs: dict[tuple[int, int], int]) -> dict[tuple[int, int], StoredTile]:
        """Tiles with at least the given widths (some may be left out if the store lacks them)."""
        got: dict[tuple[int, int], StoredTile] = {}
        missing = []
        for key, width in needs.items():
            tile = self._cached(key, width)
            if tile is None:
                missing.append(key)
            else:
                got[key] = tile
        if missing:
            fetched = self.store.tiles(missing)
            self._remember(fetched)
            got.update(fetched)
        return got

    def _tile(self, level: int, index: int, width: int) -> StoredTile:
        """Read one tile the caches could not serve (at least ``width`` hashes wide) and
        remember it; :class:`IntegrityError` if the store lacks it."""
        key = (level, index)
        fetched = self.store.tiles([key])
        self._remember(fetched)
        tile = fetched.get(key)
        if tile is None or len(tile.hashes) < width * HASH_SIZE:
            raise IntegrityError(f"the store lacks hash tile {level}/{index}")
        return tile

    def read_nodes(self, nodes: Sequence[tuple[int, int]]) -> list[bytes]:
        """Hashes of complete nodes, from the stored tiles (a :data:`tree.NodeReader`)."""
        where = [node_location(level, index) for level, index in nodes]
        needs: dict[tuple[int, int], int] = {}
        for tl, ti, sub, pos in where:
            width = (pos + 1) << sub
            if needs.get((tl, ti), 0) < width:
                needs[(tl, ti)] = width
        tiles = self._tiles(needs)
        if len(tiles) != len(needs):
            missing = min(set(needs) - set(tiles))
            raise IntegrityError(f"the store lacks hash tile {missing[0]}/{missing[1]}")
        return [tiles[(tl, ti)].node(sub, pos) for tl, ti, sub, pos in where]

    def tile(self, tile: TileId) -> bytes:
        """A C2SP hash tile or entry bundle, if the latest signed checkpoint covers it."""
        size = self.checkpoint().size
        level = max(tile.level, 0)
        available = tile_width_at(level, tile.index, size)
        if available < tile.width:
            raise NotFound(f"{tile.path()} is not in the log's latest checkpoint")
        if tile.level < 0:
            start = tile.index * TILE_WIDTH
            rows = self.store.entries(start, start + tile.width)
            for expected, (index, _) in zip(range(start, start + tile.width), rows, strict=False):
                if index != expected:
                    raise IntegrityError(f"entry {expected} is missing from the log store")
            if len(rows) != tile.width:
                raise IntegrityError(f"entry {start + len(rows)} is missing from the log store")
            return encode_bundle(data for _, data in rows)
        stored = self._tiles({(tile.level, tile.index): tile.width}).get((tile.level, tile.index))
        if stored is None or stored.width < tile.width:
            raise IntegrityError(f"the store lacks hash tile {tile.level}/{tile.index}")
        return stored.hashes[: tile.width * HASH_SIZE]

    def hash_ranges(
        self, ranges: Sequence[tuple[int, int]], extra: Sequence[tuple[int, int]] = ()
    ) -> tuple[list[bytes], list[bytes]]:
        """Hashes of leaf ranges (RFC 9162 proof ranges) and of ``extra`` complete nodes, with
        one tile read. Ranges that are not one complete node lie on a signed tree's right
        border; their hashes never change, so they are remembered."""
        plans: list[list[tuple[int, int]] | bytes] = []
        wanted: set[tuple[int, int]] = set(extra)
        for start, end in ranges:
            known = self._borders.get((start, end))
            if known is not None:
                plans.append(known)
                continue
            length = end - start
            if length & (length - 1) == 0 and start % length == 0:  # one complete node
                plan = [(length.bit_length() - 1, start // length)]
            else:
                plan = tree.range_nodes(start, end)
            plans.append(plan)
            wanted.update(plan)
        order = sorted(wanted)
        got = dict(zip(order, self.read_nodes(order), strict=True))
        out: list[bytes] = []
        for (start, end), step in zip(ranges, plans, strict=True):
            if isinstance(step, bytes):
                out.append(step)
                continue
            if len(step) == 1:
                out.append(got[step[0]])
                continue
            value = tree.fold_nodes([got[node] for node in step])
            if len(step) > 1:
                if len(self._borders) >= 65536:
                    self._borders.clear()
                self._borders[(start, end)] = value
            out.append(value)
        return out, [got[node] for node in extra]

    def inclusion(self, index: int, size: int) -> tuple[bytes, list[bytes], bytes]:
        """``(leaf hash, proof, root)`` for entry ``index`` in the signed tree of ``size``.

        RFC 9162 §2.1.3.1 ``PATH(index, D[size])``, read straight from one tile per tile level:
        let ``fork`` be the highest level where ``index`` and ``size`` differ, so the node
        ``(fork, index >> fork)`` is complete and covers ``[begin, end)``. The proof is the
        siblings of the path below ``fork`` (complete nodes), then the hash of ``[end, size)``
        (the tree's right border; the same for every index under it, so it is remembered), then
        the complete nodes left of ``begin``, bottom up — the left siblings of the path above
        ``fork``. Every node at levels ``8T … 8T+7`` of that list lies in the level-``T`` tile
        above ``index``, so a proof reads one tile per tile level. :meth:`hash_ranges` computes the
        same from the generic range plans; the tests hold the two to the same bytes.
        """
        if size < 1 or not 0 <= index < size:
            raise InvalidInput("an inclusion proof needs 0 <= index < size")
        signed = self._signed(size)
        fork = (index ^ size).bit_length() - 1
        begin = index >> fork << fork
        end = begin + (1 << fork)
        below: list[bytes] = []  # siblings under the fork, bottom up
        left: list[bytes] = []  # complete nodes left of the fork, bottom up
        leaf = b""
        for base in range(0, max(fork, begin.bit_length(), 1), TILE_HEIGHT):
            position = (index >> base) & (TILE_WIDTH - 1)
            sub_fork = fork - base
            sub_fork = -1 if sub_fork < 0 else TILE_HEIGHT if sub_fork > TILE_HEIGHT else sub_fork
            where = proof_slices(position, sub_fork, TILE_WIDTH, not base)
            if not where.need:
                continue
            key = (base // TILE_HEIGHT, index >> (base + TILE_HEIGHT))
            # The hit path skips the lock: each OrderedDict call is atomic under the GIL, and a
            # tile evicted between the two calls was still a valid copy.
            cache = self._upper if base else self._cache
            tile = cache.get(key)
            if tile is None or len(tile.hashes) < where.need * HASH_SIZE:
                tile = self._tile(key[0], key[1], where.need)
            else:
                try:  # noqa: SIM105 - on the hot path; suppress() costs a context manager
                    cache.move_to_end(key)
                except KeyError:
                    pass
            hashes = tile.hashes
            if len(hashes) != TILE_WIDTH * HASH_SIZE:  # a partial tile lays out its inner levels
                where = proof_slices(position, sub_fork, len(hashes) // HASH_SIZE, not base)
            nodes = where.from_hashes(hashes) + where.from_inner(tile.inner)
            if not base:
                leaf, nodes = nodes[0], nodes[1:]
            below += nodes[: where.below]
            left += nodes[where.below :]
        if end < size:
            below.append(self._border(end, size))
        return leaf, below + left, signed.root

    def _border(self, start: int, end: int) -> bytes:
        """``MTH(D[start:end])`` for a range on a signed tree's right border, remembered."""
        known = self._borders.get((start, end))
        if known is None:
            known = tree.fold_nodes(self.read_nodes(tree.range_nodes(start, end)))
            if len(self._borders) >= 65536:
                self._borders.clear()
            self._borders[(start, end)] = known
        return known

    def check_extends(
        self, previous: SignedCheckpoint | None, new: SignedCheckpoint, tiles: Sequence[StoredTile]
    ) -> None:
        """Refuse to sign ``new`` unless an RFC 9162 consistency proof from the last signed
        checkpoint verifies, with the proof read from the tiles about to be written over the store.
        """
        if previous is None:
            return
        if new.size < previous.size or (new.size == previous.size and new.root != previous.root):
            raise IntegrityError(f"refusing to sign size {new.size} after size {previous.size}")
        if new.size == previous.size or previous.size == 0:
            return  # every tree extends the empty tree (RFC 9162 §2.1.4 defines no proof from 0)
        fresh = {(t.level, t.index): t for t in tiles}

        def read(nodes: Sequence[tuple[int, int]]) -> list[bytes]:
            out = []
            for level, index in nodes:
                tl, ti, sub, pos = node_location(level, index)
                tile = fresh.get((tl, ti))
                out.append(tile.node(sub, pos) if tile else self.read_nodes([(level, index)])[0])
            return out

        proof = tree.consistency_proof(previous.size, new.size, read)
        try:
            tree.verify_consistency(previous.size, new.size, previous.root, new.root, proof)
        except tree.ProofError as err:
            raise IntegrityError(
                f"refusing to sign size {new.size}: not consistent with the checkpoint signed at "
                f"size {previous.size} ({err})"
            ) from None

    def consistency(self, old: int, new: int) -> tuple[list[bytes], bytes, bytes]:
        """``(proof, old root, new root)`` between two signed sizes ``0 < old <= new``."""
        if old < 1 or old > new:
            raise InvalidInput("a consistency proof needs 0 < from <= to")
        first, second = self._signed(old), self._signed(new)
        proof = self.hash_ranges(tree.consistency_ranges(old, new))[0] if old < new else []
        return proof, first.root, second.root
