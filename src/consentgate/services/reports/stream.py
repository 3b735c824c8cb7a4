"""Reading a log's entries in order, in batches, and counting a report over them.

:func:`count` streams the entries ``[0, size)`` once: each batch is hashed into the tree (so the
report is computed from exactly the entries the checkpoint commits to: the rebuilt root must be
the checkpoint's, RFC 9162 §2.1.1) and each entry is handed to the tally, then dropped. Memory is
the tally's and one batch, whatever the log's length.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from consentgate.errors import IntegrityError, InvalidInput
from consentgate.ledger.entries import decode_entry
from consentgate.ledger.tiles import TILE_WIDTH, TileId, decode_bundle
from consentgate.ledger.tree import (
    EMPTY_ROOT,
    fold_nodes,
    leaf_hashes,
    node_hash,
    parent_hashes,
    range_nodes,
)
from consentgate.services.reports.document import LogState, ReportMismatch, Table
from consentgate.services.reports.tally import Tally

Progress = Callable[[int, int], None]
#: Entries read per query when reading straight from the database.
BATCH = 65_536


class EntryBatches(Protocol):
    """The log's entries ``[0, size)`` in index order, in batches."""

    def __call__(self, size: int) -> Iterator[list[bytes]]: ...


def bundle_batches(tile: Callable[[TileId], bytes]) -> EntryBatches:
    """Batches read as C2SP entry bundles through ``tile`` (over HTTP, for example)."""

    def batches(size: int) -> Iterator[list[bytes]]:
        for index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
            width = min(TILE_WIDTH, size - index * TILE_WIDTH)
            entries = decode_bundle(tile(TileId(-1, index, width)))
            if len(entries) != width:
                raise IntegrityError(
                    f"entry bundle {index} has {len(entries)} entries, not {width}"
                )
            yield entries

    return batches


class RootBuilder:
    """The root of a tree grown by batches of leaf hashes (RFC 9162 §2.1.1), keeping only its
    right edge: each batch is split into complete subtrees (one, for an aligned power-of-two
    batch), each hashed level by level in bulk, then merged into the edge."""

    def __init__(self) -> None:
        self.size = 0
        self._edge: list[tuple[int, bytes]] = []  # (level, hash), decreasing levels

    def add(self, hashes: list[bytes]) -> None:
        start, end = self.size, self.size + len(hashes)
        for level, index in range_nodes(start, end):
            first = (index << level) - start
            nodes = hashes[first : first + (1 << level)]
            for _ in range(level):
                nodes = parent_hashes(nodes)
            self._push(level, nodes[0])
        self.size = end

    def _push(self, level: int, value: bytes) -> None:
        edge = self._edge
        while edge and edge[-1][0] == level:
            value = node_hash(edge.pop()[1], value)
            level += 1
        edge.append((level, value))

    def root(self) -> bytes:
        return fold_nodes([h for _, h in self._edge]) if self._edge else EMPTY_ROOT


_DONE = object()


def prefetched(batches: Iterator[list[bytes]], depth: int = 2) -> Iterator[list[bytes]]:
    """The same batches, read ahead by a thread: the database driver (or HTTP client) fetches the
    next batch while this one is counted, since they release the GIL while they wait. If the
    consumer stops early, the reader stops too (within a tenth of a second)."""
    ahead: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def hand(item: object) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for batch in batches:
                if not hand(batch):
                    return
        except BaseException as err:  # handed to the consumer, which raises it
            hand(err)
            return
        hand(_DONE)

    reader = threading.Thread(target=read, name="report-reader", daemon=True)
    reader.start()
    try:
        while True:
            item = ahead.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]  # the reader puts batches, errors and _DONE only
    finally:
        stop.set()
        reader.join()


def _first_invalid(batch: list[bytes]) -> int:
    """Where in ``batch`` the first entry that is not a valid version-1 entry is."""
    for offset, data in enumerate(batch):
        try:
            decode_entry(data)
        except InvalidInput:
            return offset
    return 0


def count(
    tally: Tally,
    batches: EntryBatches,
    log: LogState,
    progress: Progress | None = None,
    *,
    check_root: bool = True,
) -> dict[str, Table]:
    """Feed the entries ``[0, log.size)`` to ``tally`` and return its tables; with
    ``check_root``, first check that they make ``log.root``.

    Verifying always checks the root. A server building a report from its own store may skip it
    (about a third of the work): its sequencer hashed those entries into the checkpoint, and a
    report built from entries changed since fails verification, which rebuilds the root.
    """
    import orjson  # only counting needs it: the services load without it

    builder = RootBuilder()
    done = 0
    for batch in prefetched(batches(log.size)):
        if check_root:
            builder.add(leaf_hashes(batch))
        try:
            tally.add_all(batch, orjson.loads)
        except (ValueError, KeyError, TypeError, AttributeError, IndexError):
            raise IntegrityError(
                f"log entry {done + _first_invalid(batch)} is not a valid entry"
            ) from None
        done += len(batch)
        if progress is not None:
            progress(done, log.size)
    if done != log.size:
        raise IntegrityError(f"the log store holds {done} entries, not {log.size}")
    if check_root and builder.root() != log.root:
        raise ReportMismatch(
            f"the log's entries up to size {log.size} do not hash to the checkpoint's root"
        )
    return tally.finish()
