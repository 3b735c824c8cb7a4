"""The storage interface of the log, an in-memory implementation, and proofs served from it.

The sequencer and the HTTP layer reach storage only through :class:`LogStore`; the SQL version
lives in ``consentgate.store.log``, and :class:`MemoryLogStore` makes tests fast and lets library
users try the log without a database. :class:`LogReader` answers everything a client asks —
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

from consentgate.errors import Conflict, IntegrityError, InvalidInput, NotFound
from consentgate.ledger import tree
from consentgate.ledger.tiles import (
    TILE_WIDTH,
    StoredTile,
    TileId,
    encode_bundle,
    node_location,
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


class LogStore(Protocol):
    """What the log needs from storage. Every write method is one transaction."""

    def committed_size(self) -> int:
        """One past the highest stored entry index (0 when empty)."""
        ...

    def append(
        self,
        first: int,
        entries: Sequence[bytes],
        leaf_hashes: Sequence[bytes],
        annotations: Sequence[tuple[int, object]] = (),
    ) -> None:
        """Store entries ``first, first+1, …`` durably; :class:`Conflict` if an index is taken.

        ``annotations`` are ``(index, value)`` pairs the caller attached to its entries (an
        outbox): a store that knows what they are writes them in the same transaction, so they
        exist exactly when their entries do. The log itself never reads them.
        """
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

    def integrate(self, tiles: Sequence[StoredTile], checkpoint: SignedCheckpoint) -> None:
        """Write tiles and the new checkpoint together; :class:`Conflict` unless it grows the
        latest checkpoint (another sequencer got there first)."""
        ...


class MemoryLogStore:
    """A :class:`LogStore` in memory: for tests and for trying the log out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: dict[int, tuple[bytes, bytes]] = {}
        self._tiles: dict[tuple[int, int], StoredTile] = {}
        self._checkpoints: dict[int, SignedCheckpoint] = {}

    def committed_size(self) -> int:
        with self._lock:
            return max(self._entries, default=-1) + 1

    def append(
        self,
        first: int,
        entries: Sequence[bytes],
        leaf_hashes: Sequence[bytes],
        annotations: Sequence[tuple[int, object]] = (),
    ) -> None:
        with self._lock:
            indexes = range(first, first + len(entries))
            if any(i in self._entries for i in indexes):
                raise Conflict(f"log index {first} or after is already taken")
            for i, data, h in zip(indexes, entries, leaf_hashes, strict=True):
                self._entries[i] = (data, h)

    def entries(self, start: int, end: int) -> list[tuple[int, bytes]]:
        with self._lock:
            return [(i, self._entries[i][0]) for i in range(start, end) if i in self._entries]

    def leaf_hashes(self, start: int, end: int) -> list[bytes]:
        with self._lock:
            return [self._entries[i][1] for i in range(start, end)]

    def tiles(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], StoredTile]:
        with self._lock:
            return {k: self._tiles[k] for k in keys if k in self._tiles}

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        with self._lock:
            return self._checkpoints[max(self._checkpoints)] if self._checkpoints else None

    def checkpoint_at(self, size: int) -> SignedCheckpoint | None:
        with self._lock:
            return self._checkpoints.get(size)

    def integrate(self, tiles: Sequence[StoredTile], checkpoint: SignedCheckpoint) -> None:
        with self._lock:
            if self._checkpoints and checkpoint.size <= max(self._checkpoints):
                raise Conflict("a larger checkpoint was signed meanwhile")
            for tile in tiles:
                self._tiles[(tile.level, tile.index)] = tile
            self._checkpoints[checkpoint.size] = checkpoint


class LogReader:
    """Reads the log for clients: tiles, bundles and proofs, bounded by signed checkpoints.

    Full tiles never change, so they are kept in a small LRU cache; partial tiles are read fresh.
    """

    def __init__(self, store: LogStore, cache_tiles: int = 4096) -> None:
        self.store = store
        self._cache: OrderedDict[tuple[int, int], StoredTile] = OrderedDict()
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

    def _tiles(self, needs: dict[tuple[int, int], int]) -> dict[tuple[int, int], StoredTile]:
        """Tiles with at least the given widths. A tile's first ``w`` hashes never change, so a
        cached copy serves any request it is wide enough for; narrower ones are read again."""
        got: dict[tuple[int, int], StoredTile] = {}
        with self._lock:
            for key, width in needs.items():
                cached = self._cache.get(key)
                if cached is not None and cached.width >= width:
                    got[key] = cached
        missing = [key for key in needs if key not in got]
        if missing:
            fetched = self.store.tiles(missing)
            with self._lock:
                for key, stored in fetched.items():
                    self._cache[key] = stored
                    self._cache.move_to_end(key)
                while len(self._cache) > self._cache_max:
                    self._cache.popitem(last=False)
            got.update(fetched)
        return got

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
        """``(leaf hash, proof, root)`` for entry ``index`` in the signed tree of ``size``."""
        if size < 1 or not 0 <= index < size:
            raise InvalidInput("an inclusion proof needs 0 <= index < size")
        signed = self._signed(size)
        proof, (leaf,) = self.hash_ranges(tree.inclusion_ranges(index, size), [(0, index)])
        return leaf, proof, signed.root

    def consistency(self, old: int, new: int) -> tuple[list[bytes], bytes, bytes]:
        """``(proof, old root, new root)`` between two signed sizes ``0 < old <= new``."""
        if old < 1 or old > new:
            raise InvalidInput("a consistency proof needs 0 < from <= to")
        first, second = self._signed(old), self._signed(new)
        proof = self.hash_ranges(tree.consistency_ranges(old, new))[0] if old < new else []
        return proof, first.root, second.root
