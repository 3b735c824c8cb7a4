"""RFC 9162 trees and proofs: our proofs verify, and any change to them is caught."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from consentgate.ledger import tree


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH straight from RFC 9162 §2.1.1, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return tree.leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return tree.node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def _log(size: int) -> tuple[list[bytes], tree.NodeReader]:
    data = [f"entry {i}".encode() for i in range(size)]
    nodes: dict[tuple[int, int], bytes] = {}
    rng = tree.CompactRange()
    for d in data:
        rng.append(tree.leaf_hash(d), lambda lv, ix, h: nodes.__setitem__((lv, ix), h))
    return data, lambda wanted: [nodes[n] for n in wanted]


sizes = st.integers(min_value=1, max_value=300)


@given(size=sizes)
@settings(deadline=None)
def test_root_of_any_size_matches_the_rfc_definition(size: int) -> None:
    data, read = _log(size)
    want = _reference_root(data)
    assert tree.tree_root(size, read) == want
    assert tree.root_of([tree.leaf_hash(d) for d in data]) == want


@given(data=st.data(), size=sizes)
@settings(max_examples=200, deadline=None)
def test_inclusion_proofs_verify_and_a_flipped_bit_does_not(data: st.DataObject, size: int) -> None:
    leaves, read = _log(size)
    index = data.draw(st.integers(0, size - 1))
    root = tree.tree_root(size, read)
    proof = tree.inclusion_proof(index, size, read)
    tree.verify_inclusion(index, size, tree.leaf_hash(leaves[index]), proof, root)
    if proof:
        at = data.draw(st.integers(0, len(proof) - 1))
        bad = [*proof]
        bad[at] = bytes([bad[at][0] ^ 1]) + bad[at][1:]
        with pytest.raises(tree.ProofError):
            tree.verify_inclusion(index, size, tree.leaf_hash(leaves[index]), bad, root)
    with pytest.raises(tree.ProofError):
        tree.verify_inclusion(index, size, tree.leaf_hash(b"someone else"), proof, root)


@given(data=st.data(), new=sizes)
@settings(max_examples=200, deadline=None)
def test_consistency_proofs_verify_and_a_rewritten_history_does_not(
    data: st.DataObject, new: int
) -> None:
    leaves, read = _log(new)
    old = data.draw(st.integers(1, new))
    old_root, new_root = tree.tree_root(old, read), tree.tree_root(new, read)
    proof = tree.consistency_proof(old, new, read)
    tree.verify_consistency(old, new, old_root, new_root, proof)
    forged = _reference_root([*leaves[: old - 1], b"rewritten"])
    if forged != old_root:
        with pytest.raises(tree.ProofError):
            tree.verify_consistency(old, new, forged, new_root, proof)


def test_a_proof_from_the_empty_tree_is_refused() -> None:
    _, read = _log(3)
    with pytest.raises(tree.ProofError):
        tree.verify_consistency(0, 3, tree.EMPTY_ROOT, tree.tree_root(3, read), [])
    with pytest.raises(ValueError, match="no consistency proof"):
        tree.consistency_proof(0, 3, read)


def test_range_nodes_cover_the_range_in_decreasing_sizes() -> None:
    assert tree.range_nodes(0, 13) == [(3, 0), (2, 2), (0, 12)]
    assert tree.range_nodes(8, 13) == [(2, 2), (0, 12)]
