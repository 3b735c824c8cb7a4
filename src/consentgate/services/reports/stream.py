"""Reading a log's entries in order, in batches, and counting a report over them.

:func:`count` streams the entries ``[0, size)`` once: each batch is hashed into the tree (so the
report is computed from exactly the entries the checkpoint commits to: the rebuilt root must be
the checkpoint's, RFC 9162 §2.1.1) and each entry is handed to the tally, then dropped. Memory is
the tally's and one batch, whatever the log's length.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from consentgate.errors import IntegrityError
from consentgate.ledger.tiles import TILE_WIDTH, TileBuilder, TileId, decode_bundle
from consentgate.ledger.tree import leaf_hashes
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


def count(
    tally: Tally, batches: EntryBatches, log: LogState, progress: Progress | None = None
) -> dict[str, Table]:
    """Feed the entries ``[0, log.size)`` to ``tally``, check they make ``log.root``, and return
    its tables."""
    import orjson  # only counting needs it: the services load without it

    builder = TileBuilder()
    loads, add = orjson.loads, tally.add
    done = 0
    for batch in batches(log.size):
        builder.add(leaf_hashes(batch))
        builder.flush()
        for offset, data in enumerate(batch):
            try:
                add(loads(data))
            except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError, IndexError):
                raise IntegrityError(f"log entry {done + offset} is not a valid entry") from None
        done += len(batch)
        if progress is not None:
            progress(done, log.size)
    if done != log.size:
        raise IntegrityError(f"the log store holds {done} entries, not {log.size}")
    if builder.root() != log.root:
        raise ReportMismatch(
            f"the log's entries up to size {log.size} do not hash to the checkpoint's root"
        )
    return tally.finish()
