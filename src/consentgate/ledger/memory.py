"""The log's storage in memory (a :class:`~consentgate.ledger.logstore.LogStore`): for tests, and
for trying the log without a database. Its lease follows the same rule as the database's
(:mod:`consentgate.ledger.lease`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

from consentgate.errors import Conflict
from consentgate.ledger import lease
from consentgate.ledger.logstore import Integration, NewEntries, SignedCheckpoint
from consentgate.ledger.tiles import StoredTile


class MemoryLogStore:
    """A :class:`LogStore` in memory: for tests and for trying the log out."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._head = 0
        self._entries: dict[int, tuple[bytes, bytes]] = {}
        self._tiles: dict[tuple[int, int], StoredTile] = {}
        self._checkpoints: dict[int, SignedCheckpoint] = {}
        self._lease: lease.Lease | None = None

    def committed_size(self) -> int:
        with self._lock:
            return self._head

    def append(self, new: NewEntries) -> int:
        with self._lock:
            first = self._head
            indexes = range(first, first + len(new.entries))
            if any(i in self._entries for i in indexes):
                raise Conflict(f"log index {first} or after is already taken")
            for i, data, h in zip(indexes, new.entries, new.leaf_hashes, strict=True):
                self._entries[i] = (data, h)
            self._head = first + len(new.entries)
            return first

    def hold_lease(self, holder: str, seconds: float) -> bool:
        with self._lock:
            now = _now_ms()
            taken = lease.claim(self._lease, holder, now, int(seconds * 1000))
            if taken is not None:
                self._lease = taken
            return taken is not None

    def release_lease(self, holder: str) -> None:
        with self._lock:
            self._lease = lease.release(self._lease, holder)

    def lease_holder(self) -> str | None:
        with self._lock:
            current = self._lease
            return current.holder if current and current.expires_ms > _now_ms() else None

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

    def integrate(self, step: Integration) -> None:
        with self._lock:
            if self._lease is None or not self._lease.held_by(step.holder, _now_ms()):
                raise Conflict("the integration lease is not held")
            if max(self._checkpoints, default=None) != step.after:
                raise Conflict("another checkpoint was signed meanwhile")
            for tile in step.tiles:
                self._tiles[(tile.level, tile.index)] = tile
            self._checkpoints[step.checkpoint.size] = step.checkpoint


def _now_ms() -> int:
    return int(time.time() * 1000)
