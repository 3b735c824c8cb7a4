"""C2SP tlog-tiles: canonical paths, entry bundles, and tiles rebuilt from leaves."""

from __future__ import annotations

import pytest

from consentgate.errors import IntegrityError, InvalidInput
from consentgate.ledger import tree
from consentgate.ledger.tiles import (
    TileBuilder,
    TileId,
    decode_bundle,
    encode_bundle,
    encode_index,
    parse_tile_path,
)


@pytest.mark.parametrize(
    ("index", "path"),
    [(0, "000"), (67, "067"), (1000, "x001/000"), (1234067, "x001/x234/067")],
)
def test_indexes_are_written_in_three_digit_groups(index: int, path: str) -> None:
    assert encode_index(index) == path
    assert parse_tile_path(f"0/{path}") == TileId(0, index)


def test_paths_round_trip() -> None:
    for tile in [TileId(0, 5, 17), TileId(2, 1234067), TileId(-1, 1000, 255), TileId(-1, 0)]:
        assert parse_tile_path(tile.path().removeprefix("tile/")) == tile


@pytest.mark.parametrize(
    "path",
    [
        "0/67",
        "0/0067",
        "0/x000/067",
        "0/001/067",
        "0/067.p/0",
        "0/067.p/256",
        "0/067.p/007",
        "0/067.p/",
        "00/067",
        "-1/067",
        "99/067",
        "data/067",
        "0/x1/067",
        "0",
        "entries/abc",
        # Non-ASCII digits (fullwidth, Arabic-Indic): str.isdigit() and \d take them.
        "0/\uff10\uff10\uff10",
        "\u0660/\u0660\u0660\u0660",
        "0/000.p/\uff15",
        "entries/x\u0660\u0660\u0661/000",
    ],
)
def test_non_canonical_paths_are_refused(path: str) -> None:
    with pytest.raises(InvalidInput):
        parse_tile_path(path)


def test_entry_bundles_use_big_endian_16_bit_lengths() -> None:
    bundle = encode_bundle([b"a", b"", b"x" * 300])
    assert bundle[:3] == b"\x00\x01a"
    assert bundle[3:5] == b"\x00\x00"
    assert bundle[5:7] == (300).to_bytes(2, "big")
    assert decode_bundle(bundle) == [b"a", b"", b"x" * 300]
    with pytest.raises(IntegrityError):
        decode_bundle(bundle[:-1])


def test_tiles_hold_the_tree_levels_a_reader_expects() -> None:
    leaves = [tree.leaf_hash(str(i).encode()) for i in range(256 * 256 + 300)]
    builder = TileBuilder()
    tiles = {}
    for start in range(0, len(leaves), 1000):
        builder.add(leaves[start : start + 1000])
        for t in builder.flush():
            tiles[(t.level, t.index)] = t
    assert builder.root() == tree.root_of(leaves)
    assert tiles[(0, 3)].hashes == b"".join(leaves[768:1024])
    level2 = tiles[(2, 0)]
    assert level2.width == 1
    assert level2.hashes == tree.root_of(leaves[: 256 * 256])
    assert tiles[(1, 1)].width == 1
    # An inner node: level 3 of tile 0/0 is the root of leaves 8..15.
    assert tiles[(0, 0)].node(3, 1) == tree.root_of(leaves[8:16])


def test_a_builder_resumes_from_stored_edge_tiles() -> None:
    leaves = [tree.leaf_hash(str(i).encode()) for i in range(700)]
    first = TileBuilder()
    first.add(leaves[:600])
    stored = {(t.level, t.index): t for t in first.flush()}
    edge = list(first.range.nodes)
    partial = {(0, 2): stored[(0, 2)].hashes, (1, 0): stored[(1, 0)].hashes}
    resumed = TileBuilder(600, edge, partial)
    resumed.add(leaves[600:])
    assert resumed.root() == tree.root_of(leaves)
    assert {(t.level, t.index, t.width) for t in resumed.flush()} == {(0, 2, 188)}
