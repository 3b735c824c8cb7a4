"""C2SP tlog-tiles: tile paths, entry bundles and building hash tiles from leaves (pure).

From https://c2sp.org/tlog-tiles:

* A tile at level ``L`` and index ``N`` holds up to 256 consecutive hashes of tree level ``8·L``,
  starting at hash ``256·N``; it is *full* at 256 hashes and *partial* (``.p/<W>``, ``1 ≤ W < 256``)
  at the log's right edge. Full tiles never change, so they are served as immutable.
* ``N`` is written as three-digit, zero-padded groups, all but the last prefixed with ``x``:
  ``1234067`` is ``x001/x234/067``.
* Entry bundles (``tile/entries/<N>``) hold entries ``256·N`` onwards, each as a big-endian 16-bit
  length followed by the entry bytes.

Besides the 256 hashes a tile publishes, the store keeps the tile's inner levels (``8·L+1`` …
``8·L+7``) so an inclusion proof is a few slices, not hundreds of hashes.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from consentgate.errors import IntegrityError, InvalidInput
from consentgate.ledger.tree import HASH_SIZE, CompactRange, parent_hashes

TILE_HEIGHT = 8
TILE_WIDTH = 1 << TILE_HEIGHT
#: The highest tile level a C2SP path may name.
MAX_LEVEL = 63

# ASCII digits only: ``\d`` would also match "０" or "٠", giving each tile more than one URL.
_GROUP = re.compile(r"(x[0-9]{3}/)*[0-9]{3}")
_WIDTH = re.compile(r"[1-9][0-9]{0,2}")
_LEVEL = re.compile(r"0|[1-9][0-9]?")


@dataclass(frozen=True)
class TileId:
    """Which tile: ``level`` (``-1`` for an entry bundle), ``index``, and ``width`` (1…256)."""

    level: int
    index: int
    width: int = TILE_WIDTH

    def path(self) -> str:
        """The path under the log prefix, e.g. ``tile/0/x001/234.p/5`` or ``tile/entries/067``."""
        level = "entries" if self.level < 0 else str(self.level)
        suffix = "" if self.width == TILE_WIDTH else f".p/{self.width}"
        return f"tile/{level}/{encode_index(self.index)}{suffix}"


def encode_index(index: int) -> str:
    """C2SP tlog-tiles index encoding: ``x001/x234/067``."""
    if index < 0:
        raise ValueError("a tile index is never negative")
    digits = str(index)
    digits = "0" * (-len(digits) % 3) + digits
    groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return "/".join([*("x" + g for g in groups[:-1]), groups[-1]])


def parse_tile_path(path: str) -> TileId:
    """Parse ``<L>/<N>[.p/<W>]`` or ``entries/<N>[.p/<W>]`` (the part after ``tile/``).

    Refuses every non-canonical spelling (leading zero groups, ``W`` of 0 or ≥ 256, …), so each
    tile has exactly one URL and caches cannot be filled with aliases.
    """
    level_part, sep, rest = path.partition("/")
    if not sep:
        raise InvalidInput("a tile path is tile/<L>/<N>[.p/<W>] or tile/entries/<N>[.p/<W>]")
    if level_part == "entries":
        level = -1
    elif _LEVEL.fullmatch(level_part):
        level = int(level_part)
        if level > MAX_LEVEL:
            raise InvalidInput(f"tile levels go up to {MAX_LEVEL}")
    else:
        raise InvalidInput(f"not a tile level: {level_part!r}")
    index_part, dot, width_part = rest.partition(".p/")
    width = TILE_WIDTH
    if dot:
        if not _WIDTH.fullmatch(width_part) or int(width_part) >= TILE_WIDTH:
            raise InvalidInput("a partial tile width is 1 to 255")
        width = int(width_part)
    if not _GROUP.fullmatch(index_part) or index_part.startswith("x000"):
        raise InvalidInput(f"not a canonical tile index: {index_part!r}")
    index = int(index_part.replace("x", "").replace("/", ""))
    return TileId(level, index, width)


def encode_bundle(entries: Iterable[bytes]) -> bytes:
    """An entry bundle: each entry as a big-endian uint16 length and its bytes."""
    out = bytearray()
    for entry in entries:
        if len(entry) > 0xFFFF:
            raise InvalidInput("an entry in a bundle is at most 65535 bytes")
        out += len(entry).to_bytes(2, "big") + entry
    return bytes(out)


def decode_bundle(data: bytes) -> list[bytes]:
    """Split an entry bundle; a truncated bundle is an :class:`IntegrityError`."""
    entries: list[bytes] = []
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise IntegrityError("an entry bundle ends inside a length prefix")
        size = int.from_bytes(data[pos : pos + 2], "big")
        if pos + 2 + size > len(data):
            raise IntegrityError("an entry bundle ends inside an entry")
        entries.append(data[pos + 2 : pos + 2 + size])
        pos += 2 + size
    return entries


def inner_levels(hashes: bytes) -> bytes:
    """The hashes of levels 1…7 inside a tile whose level-0 hashes are ``hashes``, concatenated."""
    level = [hashes[i : i + HASH_SIZE] for i in range(0, len(hashes), HASH_SIZE)]
    rows = []
    for _ in range(1, TILE_HEIGHT):
        level = parent_hashes(level)
        rows += level
    return b"".join(rows)


@dataclass(frozen=True, slots=True)
class StoredTile:
    """A hash tile as the store keeps it: published hashes plus inner levels."""

    level: int
    index: int
    hashes: bytes
    inner: bytes

    @property
    def width(self) -> int:
        return len(self.hashes) // HASH_SIZE

    def node(self, sublevel: int, position: int) -> bytes:
        """The hash at ``sublevel`` (0…7) and ``position`` inside this tile."""
        width = self.width
        if not 0 <= sublevel < TILE_HEIGHT or position >= width >> sublevel:
            raise IntegrityError(
                f"tile {self.level}/{self.index} (width {width}) lacks node {sublevel}/{position}"
            )
        if sublevel == 0:
            return self.hashes[position * HASH_SIZE : (position + 1) * HASH_SIZE]
        offset = (inner_offsets(width)[sublevel] + position) * HASH_SIZE
        return self.inner[offset : offset + HASH_SIZE]


@functools.cache
def inner_offsets(width: int) -> tuple[int, ...]:
    """Where each sublevel starts in a tile's inner levels, in hashes (index 0 unused)."""
    return (0, *(sum(width >> s for s in range(1, sub)) for sub in range(1, TILE_HEIGHT)))


def _getter(slices: list[slice]) -> Callable[[bytes], tuple[bytes, ...]]:
    """``data -> tuple(data[s] for s in slices)`` in one C call where ``itemgetter`` allows."""
    if len(slices) > 1:
        return operator.itemgetter(*slices)
    if slices:
        only = slices[0]
        return lambda data: (data[only],)
    return lambda data: ()


@dataclass(frozen=True, slots=True)
class ProofSlices:
    """Where one tile holds the nodes an inclusion proof takes from it.

    ``from_hashes`` and ``from_inner`` cut them, ascending by sublevel, out of the tile's
    hashes and inner levels (the proved leaf first, when ``leaf``); of the nodes after the leaf,
    the first ``below`` lie under the fork and the others left of it. ``need`` is how wide the
    tile must be (0: the proof needs nothing from it).
    """

    need: int
    leaf: bool
    below: int
    from_hashes: Callable[[bytes], tuple[bytes, ...]]
    from_inner: Callable[[bytes], tuple[bytes, ...]]


# 256 positions × 10 forks × 2, for full tiles and a few edge widths.
@functools.lru_cache(maxsize=16384)
def proof_slices(position: int, fork: int, width: int, leaf: bool) -> ProofSlices:
    """:class:`ProofSlices` for a tile of ``width`` that the proved path crosses at
    ``position`` of its sublevel 0, meeting the tree's right border at sublevel ``fork``
    (clamped to -1 … 8); with ``leaf``, the proved leaf's own hash is taken too.

    Built once and reused, so that a proof takes its nodes from a tile in two C calls, not a
    Python loop over sublevels: proofs are served at high rates. Below the fork the proof has
    the path's sibling at every sublevel, above it the path's left sibling where there is one.
    """
    subs = [s for s in range(TILE_HEIGHT) if s < fork or (s > fork and position >> s & 1)]
    need = max(((((position >> s) ^ 1) + 1) << s for s in subs), default=0)
    offsets = inner_offsets(width)
    in_hashes = [slice(position * HASH_SIZE, (position + 1) * HASH_SIZE)] if leaf else []
    in_inner = []
    for s in subs:
        at = (position >> s) ^ 1
        if s == 0:
            in_hashes.append(slice(at * HASH_SIZE, (at + 1) * HASH_SIZE))
        else:
            at = (offsets[s] + at) * HASH_SIZE
            in_inner.append(slice(at, at + HASH_SIZE))
    return ProofSlices(
        max(need, position + 1) if leaf else need,
        leaf,
        sum(1 for s in subs if s < fork),
        _getter(in_hashes),
        _getter(in_inner),
    )


def node_location(level: int, index: int) -> tuple[int, int, int, int]:
    """Where node ``(level, index)`` lives: ``(tile level, tile index, sublevel, position)``."""
    tile_level, sublevel = divmod(level, TILE_HEIGHT)
    per_tile = TILE_WIDTH >> sublevel
    return tile_level, index // per_tile, sublevel, index % per_tile


def tile_width_at(level: int, index: int, size: int) -> int:
    """How many hashes tile ``(level, index)`` has in the tree of ``size`` (0: none yet)."""
    count = size >> (TILE_HEIGHT * level)
    return max(0, min(TILE_WIDTH, count - index * TILE_WIDTH))


def edge_tiles(size: int) -> list[TileId]:
    """The partial tiles at the right edge of a tree of ``size`` (one per level that has one)."""
    out = []
    level = 0
    while size >> (TILE_HEIGHT * level):
        count = size >> (TILE_HEIGHT * level)
        if count % TILE_WIDTH:
            out.append(TileId(level, count // TILE_WIDTH, count % TILE_WIDTH))
        level += 1
    return out


class TileBuilder:
    """Integrates leaf hashes into hash tiles and tracks the root (RFC 9162 over C2SP tiles).

    Start it empty, or at ``size`` with the complete nodes of the tree's right edge
    (``tree.range_nodes(0, size)``) and the level-0 hashes of each partial edge tile. Every node
    is hashed once, when it completes, and kept in the sublevel of the tile that holds it.
    """

    def __init__(
        self,
        size: int = 0,
        edge: Sequence[bytes] = (),
        partial: dict[tuple[int, int], bytes] | None = None,
    ) -> None:
        if len(edge) != size.bit_count():
            raise IntegrityError("the stored right edge does not match the tree size")
        self.range = CompactRange()
        self.range.size = size
        self.range.nodes = list(edge)
        self._open: dict[tuple[int, int], list[bytearray]] = {}
        for key, hashes in (partial or {}).items():
            inner = inner_levels(hashes)
            levels, offset = [bytearray(hashes)], 0
            width = len(hashes) // HASH_SIZE
            for sub in range(1, TILE_HEIGHT):
                count = (width >> sub) * HASH_SIZE
                levels.append(bytearray(inner[offset : offset + count]))
                offset += count
            self._open[key] = levels
        self._dirty: set[tuple[int, int]] = set()

    @property
    def size(self) -> int:
        return self.range.size

    def root(self) -> bytes:
        return self.range.root()

    def add(self, leaf_hashes: Iterable[bytes]) -> None:
        """Integrate leaf hashes ``size, size+1, …``.

        Works one tree level at a time: the new nodes of a level are hashed in one bulk call
        (:func:`tree.parent_hashes`) and appended to their tiles' rows as slices of one join, so
        the Python work per leaf stays near zero (see the bulk hashing note in ``tree``).
        """
        level_hashes = list(leaf_hashes)
        if not level_hashes:
            return
        start = self.range.size
        end = start + len(level_hashes)
        # The old right edge holds node (level, (start >> level) - 1) for each set bit of start.
        old_edge = dict(
            zip(
                [lv for lv in range(start.bit_length() - 1, -1, -1) if start >> lv & 1],
                self.range.nodes,
                strict=True,
            )
        )
        new_edge: list[bytes] = []  # bottom up
        level, first = 0, start  # level_hashes are nodes (level, first), (level, first + 1), …
        while True:
            self._store(level, first, level_hashes)
            last = first + len(level_hashes)
            if first & 1:  # the left sibling of the first new node is on the old edge
                level_hashes = [old_edge[level], *level_hashes]
                first -= 1
            if last & 1:
                new_edge.append(level_hashes[-1])
            if len(level_hashes) < 2:
                break
            level_hashes = parent_hashes(level_hashes)
            level, first = level + 1, first >> 1
        # Higher up nothing new completed: the edge keeps its old nodes there.
        new_edge += [old_edge[lv] for lv in range(level + 1, end.bit_length()) if end >> lv & 1]
        new_edge.reverse()
        self.range.nodes = new_edge
        self.range.size = end

    def _store(self, level: int, first: int, hashes: list[bytes]) -> None:
        """Append nodes ``(level, first)``, … to the rows of the tiles that hold them."""
        tile_level, sub = divmod(level, TILE_HEIGHT)
        per_tile = TILE_WIDTH >> sub
        joined = memoryview(b"".join(hashes))
        done, index = 0, first
        while done < len(hashes):
            key = (tile_level, index // per_tile)
            offset = index % per_tile
            take = min(per_tile - offset, len(hashes) - done)
            levels = self._open.get(key)
            if levels is None:
                levels = self._open[key] = [bytearray() for _ in range(TILE_HEIGHT)]
            row = levels[sub]
            if len(row) != offset * HASH_SIZE:
                raise IntegrityError(f"tile {key[0]}/{key[1]} is out of step with the tree")
            row += joined[done * HASH_SIZE : (done + take) * HASH_SIZE]
            self._dirty.add(key)
            done += take
            index += take

    def flush(self) -> list[StoredTile]:
        """The tiles changed since the last flush; full ones are dropped from memory."""
        out = []
        for key in sorted(self._dirty):
            levels = self._open[key]
            hashes = bytes(levels[0])
            out.append(StoredTile(key[0], key[1], hashes, b"".join(levels[1:])))
            if len(hashes) == TILE_WIDTH * HASH_SIZE:
                del self._open[key]
        self._dirty.clear()
        return out
