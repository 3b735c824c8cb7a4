"""The bulk hashing and level-at-a-time tile building give byte-for-byte what the plain
RFC 9162 definitions give, for any sizes and any way of splitting the appends."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentgate.ledger import tree
from consentgate.ledger.tiles import (
    TILE_HEIGHT,
    TILE_WIDTH,
    StoredTile,
    TileBuilder,
    edge_tiles,
    inner_levels,
    tile_width_at,
)


def _leaf(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def _node(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _all_nodes(leaves: list[bytes]) -> dict[tuple[int, int], bytes]:
    """Every complete node of the tree over ``leaves``, one leaf at a time."""
    nodes: dict[tuple[int, int], bytes] = {}
    rng = tree.CompactRange()
    for h in leaves:
        rng.append(h, lambda lv, ix, v: nodes.__setitem__((lv, ix), v))
    return nodes


def _expected_tile(
    nodes: dict[tuple[int, int], bytes], level: int, index: int, width: int
) -> tuple[bytes, bytes]:
    """A tile's published hashes and inner levels, read node by node from the whole tree."""
    rows = []
    for sub in range(TILE_HEIGHT):
        first = (index * TILE_WIDTH) >> sub
        rows.append(
            b"".join(nodes[(level * TILE_HEIGHT + sub, first + j)] for j in range(width >> sub))
        )
    return rows[0], b"".join(rows[1:])


def _leaves(count: int) -> list[bytes]:
    return [_leaf(b"entry %d" % i) for i in range(count)]


entries = st.lists(st.binary(max_size=600), max_size=40)


@given(entries)
def test_bulk_leaf_hashes_equal_one_at_a_time(data: list[bytes]) -> None:
    assert tree.leaf_hashes(data) == [_leaf(d) for d in data]
    assert tree.leaf_hashes(iter(data)) == [tree.leaf_hash(d) for d in data]
    assert tree.leaf_hashes(tuple(bytearray(d) for d in data)) == [_leaf(d) for d in data]


@given(st.lists(st.binary(min_size=32, max_size=32), max_size=40))
def test_bulk_parent_hashes_equal_one_at_a_time(children: list[bytes]) -> None:
    want = [_node(children[i], children[i + 1]) for i in range(0, len(children) - 1, 2)]
    assert tree.parent_hashes(children) == want
    assert tree.parent_hashes([memoryview(c) for c in children]) == want
    assert [
        tree.node_hash(a, b) for a, b in zip(children[::2], children[1::2], strict=False)
    ] == want


def test_bulk_functions_refuse_what_is_not_bytes() -> None:
    with pytest.raises(TypeError):
        tree.leaf_hashes(["text, not bytes"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="32-byte"):
        tree.parent_hashes([b"short", b"x" * 32])


def test_bulk_hashing_spans_more_than_one_chunk() -> None:
    data = [b"%d" % i for i in range(9_000)]
    hashes = tree.leaf_hashes(data)
    assert hashes == [_leaf(d) for d in data]
    assert tree.parent_hashes(hashes) == [
        _node(a, b) for a, b in zip(hashes[::2], hashes[1::2], strict=False)
    ]


@given(st.integers(1, TILE_WIDTH))
def test_inner_levels_are_the_tile_subtree_levels(width: int) -> None:
    leaves = _leaves(width)
    nodes = _all_nodes(leaves)
    want = _expected_tile(nodes, 0, 0, width)[1]
    assert inner_levels(b"".join(leaves)) == want


# Sizes reach past one level-1 tile (65,536 leaves) only in the test below, where it matters.
splits = st.lists(st.integers(0, 700), min_size=1, max_size=8)


def _check_builds(leaves: list[bytes], cuts: list[int], start: int = 0) -> None:
    """Feed ``leaves[start:]`` in pieces of ``cuts``, flushing after each, and compare every
    flush, root and edge with the tree built node by node."""
    nodes = _all_nodes(leaves)
    stored: dict[tuple[int, int], StoredTile] = {}
    if start:
        head = TileBuilder()
        head.add(leaves[:start])
        stored = {(t.level, t.index): t for t in head.flush()}
        partial = {(t.level, t.index): stored[(t.level, t.index)].hashes for t in edge_tiles(start)}
        builder = TileBuilder(start, tree.CompactRange.of(leaves[:start]).nodes, partial)
    else:
        builder = TileBuilder()
    size = start
    for cut in [*cuts, len(leaves)]:
        end = min(len(leaves), size + cut)
        builder.add(leaves[size:end])
        flushed = builder.flush()
        changed = {
            (lv, ix)
            for lv in range(4)
            for ix in range(max(1, end >> (TILE_HEIGHT * (lv + 1))) + 1)
            if tile_width_at(lv, ix, end) != tile_width_at(lv, ix, size)
        }
        assert {(t.level, t.index) for t in flushed} == changed
        for t in flushed:
            assert t.width == tile_width_at(t.level, t.index, end)
            assert (t.hashes, t.inner) == _expected_tile(nodes, t.level, t.index, t.width)
        size = end
        assert builder.size == size
        assert builder.root() == tree.root_of(leaves[:size])
        assert builder.range.nodes == tree.CompactRange.of(leaves[:size]).nodes


@given(size=st.integers(0, 1500), cuts=splits)
@settings(max_examples=150, deadline=None)
def test_tiles_built_in_any_batches_match_the_tree(size: int, cuts: list[int]) -> None:
    _check_builds(_leaves(size), cuts)


@given(data=st.data(), size=st.integers(1, 1500), cuts=splits)
@settings(max_examples=100, deadline=None)
def test_a_resumed_builder_matches_the_tree(
    data: st.DataObject, size: int, cuts: list[int]
) -> None:
    start = data.draw(st.integers(0, size))
    _check_builds(_leaves(size), cuts, start)


def test_tiles_above_level_one_match_the_tree() -> None:
    count = TILE_WIDTH * TILE_WIDTH + 3 * TILE_WIDTH + 7
    _check_builds(_leaves(count), [10_000, 1, 255, 30_000, 24_000], 65_535)
