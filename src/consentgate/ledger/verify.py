"""Verify a whole log from its published form: re-derive every tile and the root (pure).

Reads through a :class:`LogSource` (over HTTP, or straight from a database), and checks, in order:

1. the checkpoint note carries a valid signature by the given key (C2SP signed-note) and does not
   go back on the checkpoint seen last time (same origin, not smaller, and the tree at the old size
   still has the old root — RFC 9162 §2.1.4);
2. every entry bundle has all its entries, and each entry's leaf hash (RFC 9162 §2.1.1) equals the
   published level-0 hash tile;
3. every higher hash tile equals the one rebuilt from the leaves (C2SP tlog-tiles);
4. the rebuilt root equals the signed root.

The first failure raises :class:`LogTampered` naming the first entry index that is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from consentgate.errors import IntegrityError
from consentgate.ledger.note import Checkpoint, NoteVerifier, open_checkpoint
from consentgate.ledger.tiles import TILE_HEIGHT, TILE_WIDTH, TileBuilder, TileId, decode_bundle
from consentgate.ledger.tree import HASH_SIZE, leaf_hashes


class LogTampered(IntegrityError):
    """The log's published data disagrees with itself; ``index`` is the first bad entry."""

    def __init__(self, message: str, index: int | None = None) -> None:
        super().__init__(message)
        self.index = index


class UnsignedEntries(LogTampered):
    """Entries are stored past the signed size (pending, or written behind the sequencer)."""


class LogSource(Protocol):
    """Where a verifier reads a log from."""

    def checkpoint_note(self) -> bytes: ...

    def tile(self, tile: TileId) -> bytes:
        """A hash tile (``level >= 0``) or an entry bundle (``level == -1``)."""
        ...

    def first_unsigned(self, size: int) -> int | None:
        """The first stored entry index at or past ``size``, if the source can see one."""
        ...


Progress = Callable[[int, int], None]


def _bad_tile(tile: TileId, got: bytes, want: bytes) -> LogTampered:
    for pos in range(tile.width):
        if (
            got[pos * HASH_SIZE : (pos + 1) * HASH_SIZE]
            != want[pos * HASH_SIZE : (pos + 1) * HASH_SIZE]
        ):
            index = (tile.index * TILE_WIDTH + pos) << (TILE_HEIGHT * tile.level)
            return LogTampered(
                f"entry {index}: hash tile {tile.path()} differs from the one rebuilt from entries",
                index,
            )
    return LogTampered(f"hash tile {tile.path()} has the wrong length", tile.index * TILE_WIDTH)


def verify_log(
    source: LogSource,
    verifier: NoteVerifier,
    previous: Checkpoint | None = None,
    progress: Progress | None = None,
) -> Checkpoint:
    """Verify everything ``source`` publishes; return the verified checkpoint."""
    checkpoint = open_checkpoint(source.checkpoint_note(), verifier)
    size = checkpoint.size
    if previous is not None:
        _check_against_previous(checkpoint, previous)
    builder = TileBuilder()
    partial: dict[int, tuple[TileId, bytes]] = {}
    for bundle_index in range((size + TILE_WIDTH - 1) // TILE_WIDTH):
        start = bundle_index * TILE_WIDTH
        hashes = _bundle_hashes(source, bundle_index, min(TILE_WIDTH, size - start))
        _add_hashes(builder, hashes, start, previous)
        _check_upper_tiles(source, builder, partial)
        if progress is not None:
            progress(start + len(hashes), size)
    for tile_id, want in partial.values():
        got = source.tile(tile_id)
        if got != want:
            raise _bad_tile(tile_id, got, want)
    if builder.root() != checkpoint.root:
        raise LogTampered(f"the signed root of size {size} does not match the entries", None)
    unsigned = source.first_unsigned(size)
    if unsigned is not None:
        raise UnsignedEntries(
            f"entry {unsigned}: stored but not covered by the signed checkpoint of size {size}",
            unsigned,
        )
    if progress is not None:
        progress(size, size)
    return checkpoint


def _check_against_previous(checkpoint: Checkpoint, previous: Checkpoint) -> None:
    """The log kept its name and did not shrink since ``previous`` was seen."""
    if previous.origin != checkpoint.origin:
        raise IntegrityError(f"the log origin changed from {previous.origin!r}")
    if checkpoint.size < previous.size:
        raise LogTampered(
            f"the log shrank from {previous.size} to {checkpoint.size} entries", checkpoint.size
        )


def _bundle_hashes(source: LogSource, bundle_index: int, width: int) -> list[bytes]:
    """The leaf hashes of one entry bundle, checked against the published level-0 hash tile."""
    start = bundle_index * TILE_WIDTH
    bundle = TileId(-1, bundle_index, width)
    entries = decode_bundle(source.tile(bundle))
    if len(entries) != width:
        first = start + min(len(entries), width)
        raise LogTampered(
            f"entry {first}: {bundle.path()} has {len(entries)} entries, not {width}", first
        )
    hashes = leaf_hashes(entries)
    published = source.tile(TileId(0, bundle_index, width))
    if published != b"".join(hashes):
        raise _bad_tile(TileId(0, bundle_index, width), published, b"".join(hashes))
    return hashes


def _add_hashes(
    builder: TileBuilder, hashes: list[bytes], start: int, previous: Checkpoint | None
) -> None:
    """Add leaf hashes from index ``start``; where the earlier checkpoint's size falls among them,
    the tree of that size must have the root seen before (its history was not rewritten)."""
    if previous is None or not start < previous.size <= start + len(hashes):
        builder.add(hashes)
        return
    cut = previous.size - start
    builder.add(hashes[:cut])
    if builder.root() != previous.root:
        raise LogTampered(
            f"the log is not consistent with the checkpoint of size {previous.size} "
            "seen before: its history was rewritten",
            None,
        )
    builder.add(hashes[cut:])


def _check_upper_tiles(
    source: LogSource, builder: TileBuilder, partial: dict[int, tuple[TileId, bytes]]
) -> None:
    """Compare every full tile above level 0 the builder completed with the published one; keep
    the latest partial tile of each level in ``partial``, checked once all entries are in."""
    for built in builder.flush():
        if built.level == 0:
            continue
        tile_id = TileId(built.level, built.index, built.width)
        if built.width < TILE_WIDTH:
            partial[built.level] = (tile_id, built.hashes)
            continue
        partial.pop(built.level, None)
        got = source.tile(tile_id)
        if got != built.hashes:
            raise _bad_tile(tile_id, got, built.hashes)
