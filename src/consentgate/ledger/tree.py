"""RFC 9162 Merkle tree hashing, proofs and their verification (pure).

* Hashing (RFC 9162 §2.1.1): a leaf hash is ``SHA-256(0x00 || data)``, an interior node is
  ``SHA-256(0x01 || left || right)``, the empty tree hashes to ``SHA-256("")``.
* Proofs are computed from *complete nodes* only: node ``(level, index)`` is the root of the perfect
  subtree over leaves ``[index·2^level, (index+1)·2^level)``. A complete node never changes once the
  log has grown past it, so any proof for an older size can still be built from today's stores.
* Inclusion (§2.1.3) and consistency (§2.1.4) verifiers follow the RFC; the subtree variants follow
  the subtree proofs of the Merkle Tree Certificates draft (``draft-ietf-plants-merkle-tree-certs``
  §4.3 and §4.4), which reduce to the RFC 9162 algorithms when ``start`` is 0.

Every verifier raises :class:`ProofError` (with the reason) rather than returning ``False``.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import islice, repeat

from consentgate.errors import IntegrityError

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

#: Reads the hashes of complete nodes ``(level, index)``; raises if one is unknown.
NodeReader = Callable[[Sequence[tuple[int, int]]], Sequence[bytes]]


class ProofError(IntegrityError):
    """A proof does not verify; the message says which check failed."""


# Bulk hashing. A hashlib call has a fixed cost (a context is made, and digest() copies it) about
# as large as hashing a 400-byte entry, and integrating a leaf takes two hashes (its leaf hash and,
# on average, one interior node). So the bulk functions below keep Python bytecode out of the
# per-hash loop: they map hashlib's own C methods over whole lists, and start each hash from a copy
# of a context that already holds the domain-separation prefix instead of concatenating it.
_HASH = type(hashlib.sha256())
_LEAF_PREFIX = hashlib.sha256(b"\x00")
_NODE_PREFIX = hashlib.sha256(b"\x01")
_BULK_CHUNK = 4096  # hash contexts alive at once in the bulk functions


def leaf_hashes(entries: Iterable[bytes]) -> list[bytes]:
    """:func:`leaf_hash` of many entries, without a Python-level step per entry."""
    out: list[bytes] = []
    items = iter(entries)
    while chunk := list(islice(items, _BULK_CHUNK)):
        contexts = list(map(_HASH.copy, repeat(_LEAF_PREFIX, len(chunk))))
        deque(map(_HASH.update, contexts, chunk), maxlen=0)
        out += map(_HASH.digest, contexts)
    return out


def parent_hashes(children: Sequence[bytes]) -> list[bytes]:
    """:func:`node_hash` of each pair ``children[2i], children[2i+1]``; an odd last one is left
    out. One tree level from the level below it, without a Python-level step per node."""
    if set(map(len, children)) - {HASH_SIZE}:
        raise ValueError("parent_hashes() takes 32-byte hashes")
    lefts, rights = children[0::2], children[1::2]
    out: list[bytes] = []
    for at in range(0, len(rights), _BULK_CHUNK):
        contexts = list(map(_HASH.copy, repeat(_NODE_PREFIX, min(_BULK_CHUNK, len(rights) - at))))
        deque(map(_HASH.update, contexts, lefts[at : at + _BULK_CHUNK]), maxlen=0)
        deque(map(_HASH.update, contexts, rights[at : at + _BULK_CHUNK]), maxlen=0)
        out += map(_HASH.digest, contexts)
    return out


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``MTH({d}) = SHA-256(0x00 || d)``."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: ``SHA-256(0x01 || MTH(left) || MTH(right))``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n`` ≥ 2), RFC 9162 §2.1.1."""
    return 1 << ((n - 1).bit_length() - 1)


def root_of(leaf_hashes: Sequence[bytes]) -> bytes:
    """The Merkle tree hash of a whole list of leaf hashes (any size, RFC 9162 §2.1.1)."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return fold_nodes(list(CompactRange.of(leaf_hashes).nodes))


def fold_nodes(hashes: Sequence[bytes]) -> bytes:
    """Fold the decreasing complete nodes of a range, right to left, into its hash."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def range_nodes(start: int, end: int) -> list[tuple[int, int]]:
    """The complete nodes, left to right, whose fold is ``MTH(D[start:end])``.

    Valid for the ranges RFC 9162 proofs use: ``start`` is a multiple of the largest power of two
    not above ``end - start``, so the nodes come out in decreasing size.
    """
    nodes: list[tuple[int, int]] = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start % (1 << level):
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form ``PATH(index, D[size])``, bottom first (§2.1.3.1)."""
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index - lo < k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(old: int, new: int) -> list[tuple[int, int]]:
    """The leaf ranges whose hashes form ``PROOF(old, D[new])``, in proof order (§2.1.4.1).

    ``SUBPROOF`` appends each sibling after its recursive part, so the proof lists the terminal
    node (when the old tree is not a whole node of the walk) first, then siblings bottom up.
    """
    siblings: list[tuple[int, int]] = []
    lo, hi, whole = 0, new, True
    while old != hi:
        k = _split(hi - lo)
        if old - lo <= k:
            siblings.append((lo + k, hi))
            hi = lo + k
        else:
            siblings.append((lo, lo + k))
            lo, whole = lo + k, False
    head = [] if whole else [(lo, hi)]
    return head + siblings[::-1]


def hashes_of_ranges(ranges: Sequence[tuple[int, int]], read: NodeReader) -> list[bytes]:
    """Hash each range from complete nodes fetched in one call to ``read``."""
    plans = [range_nodes(a, b) for a, b in ranges]
    wanted = sorted({node for plan in plans for node in plan})
    got = dict(zip(wanted, read(wanted), strict=True))
    return [fold_nodes([got[node] for node in plan]) for plan in plans]


def inclusion_proof(index: int, size: int, read: NodeReader) -> list[bytes]:
    """RFC 9162 §2.1.3.1 inclusion proof of leaf ``index`` in the tree of ``size``."""
    if not 0 <= index < size:
        raise ValueError(f"index {index} is outside a tree of size {size}")
    return hashes_of_ranges(inclusion_ranges(index, size), read)


def consistency_proof(old: int, new: int, read: NodeReader) -> list[bytes]:
    """RFC 9162 §2.1.4.1 consistency proof between sizes ``0 < old <= new``."""
    if not 0 < old <= new:
        raise ValueError(f"no consistency proof from size {old} to size {new}")
    if old == new:
        return []
    return hashes_of_ranges(consistency_ranges(old, new), read)


def tree_root(size: int, read: NodeReader) -> bytes:
    """``MTH(D[size])`` from complete nodes."""
    if size == 0:
        return EMPTY_ROOT
    return hashes_of_ranges([(0, size)], read)[0]


def _check_hash(name: str, value: bytes) -> None:
    if len(value) != HASH_SIZE:
        raise ProofError(f"{name} is {len(value)} bytes, not {HASH_SIZE}")


def _valid_subtree(start: int, end: int) -> bool:
    """MTC draft §4.1: ``start < end`` and ``start`` is a multiple of ``BIT_CEIL(end - start)``."""
    if not 0 <= start < end:
        return False
    ceil = 1 << (end - start - 1).bit_length()
    return start % ceil == 0


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """RFC 9162 §2.1.3.2: check that ``leaf`` is at ``index`` in the tree of ``size`` and ``root``."""
    verify_subtree_inclusion(index, 0, size, leaf, proof, root)


def verify_subtree_inclusion(
    index: int, start: int, end: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Inclusion of leaf ``index`` in subtree ``[start, end)`` whose hash is ``root``.

    A subtree of a log is itself a Merkle tree over its leaves, so this is the RFC 9162 §2.1.3.2
    algorithm run on ``index - start`` in a tree of ``end - start`` (MTC draft §4.3.2).
    """
    _check_hash("leaf hash", leaf)
    _check_hash("root", root)
    if not _valid_subtree(start, end):
        raise ProofError(f"[{start}, {end}) is not a valid subtree")
    if not start <= index < end:
        raise ProofError(f"index {index} is outside [{start}, {end})")
    fn, sn = index - start, end - start - 1
    acc = leaf
    for p in proof:
        _check_hash("proof hash", p)
        if sn == 0:
            raise ProofError("the proof is longer than the path")
        if fn & 1 or fn == sn:
            acc = node_hash(p, acc)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            acc = node_hash(acc, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the path")
    if acc != root:
        raise ProofError("the inclusion proof does not lead to the root")


def verify_consistency(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """RFC 9162 §2.1.4.2: the tree of ``old`` leaves is a prefix of the tree of ``new`` leaves.

    A proof from size 0 is rejected, as the reference implementation does: it proves nothing.
    """
    if old == 0:
        raise ProofError("a consistency proof from the empty tree proves nothing")
    verify_subtree_consistency(0, old, new, old_root, new_root, proof)


def verify_subtree_consistency(
    start: int, end: int, size: int, sub_root: bytes, root: bytes, proof: Sequence[bytes]
) -> None:
    """Subtree ``[start, end)`` with hash ``sub_root`` sits in the tree of ``size`` and ``root``.

    Follows ``SUBTREE_PROOF`` of the MTC draft (§4.4): the RFC 9162 ``SUBPROOF`` recursion with
    a start offset. Walking down the recursion gives the shape; the proof is then consumed bottom
    up, rebuilding both the subtree hash and the tree hash.
    """
    for p in proof:
        _check_hash("proof hash", p)
    if not 0 <= start <= end <= size:
        raise ProofError(f"[{start}, {end}) is not inside a tree of size {size}")
    if start == end:
        if proof or sub_root != EMPTY_ROOT:
            raise ProofError("an empty subtree has an empty proof and the empty hash")
        return
    if not _valid_subtree(start, end):
        raise ProofError(f"[{start}, {end}) is not a valid subtree")
    steps, starts_with_sub_root = _subtree_steps(start, end, size)
    sub_acc, acc = _rebuild(steps, starts_with_sub_root, sub_root, proof)
    if sub_acc != sub_root:
        raise ProofError("the proof does not rebuild the earlier tree's hash")
    if acc != root:
        raise ProofError("the proof does not rebuild the later tree's hash")


def _subtree_steps(start: int, end: int, size: int) -> tuple[list[str], bool]:
    """The path from the root of ``size`` down to subtree ``[start, end)``, top first: "L" (left
    child), "R" (right child), "S" (split at the subtree's boundary); and whether the walk stayed
    on the subtree's own node (then the proof starts from ``sub_root``, not from its first hash)."""
    steps: list[str] = []
    lo, hi, n, whole = start, end, size, True
    while not (lo == 0 and hi == n):
        k = _split(n)
        if hi <= k:
            steps.append("L")
            n = k
        elif lo >= k:
            steps.append("R")
            lo, hi, n = lo - k, hi - k, n - k
        else:
            steps.append("S")
            lo, hi, n, whole = 0, hi - k, n - k, False
    return steps, whole


def _rebuild(
    steps: list[str], starts_with_sub_root: bool, sub_root: bytes, proof: Sequence[bytes]
) -> tuple[bytes, bytes]:
    """Consume ``proof`` bottom up along ``steps``: (the subtree's hash, the tree's hash)."""
    items = iter(proof)
    try:
        sub_acc = acc = sub_root if starts_with_sub_root else next(items)
        for step in reversed(steps):
            p = next(items)
            if step == "L":
                acc = node_hash(acc, p)
            else:
                acc = node_hash(p, acc)
                if step == "S":
                    sub_acc = node_hash(p, sub_acc)
    except StopIteration:
        raise ProofError("the proof is too short") from None
    if next(items, None) is not None:
        raise ProofError("the proof is too long")
    return sub_acc, acc


class CompactRange:
    """The right edge of a growing tree: one complete node per set bit of its size.

    Appending a leaf hash merges equal-sized nodes, so the root of the current size is a fold of
    at most 64 hashes. Used to integrate new entries and to re-derive roots while verifying.
    """

    __slots__ = ("nodes", "size")

    def __init__(self) -> None:
        self.size = 0
        self.nodes: list[bytes] = []

    @classmethod
    def of(cls, leaf_hashes: Iterable[bytes]) -> CompactRange:
        rng = cls()
        for h in leaf_hashes:
            rng.append(h)
        return rng

    def append(self, leaf: bytes, on_node: Callable[[int, int, bytes], None] | None = None) -> None:
        """Add a leaf hash; ``on_node(level, index, hash)`` hears of every node that completes."""
        index, level, acc = self.size, 0, leaf
        if on_node is not None:
            on_node(0, index, acc)
        while index & 1:
            acc = node_hash(self.nodes.pop(), acc)
            index >>= 1
            level += 1
            if on_node is not None:
                on_node(level, index, acc)
        self.nodes.append(acc)
        self.size += 1

    def root(self) -> bytes:
        return fold_nodes(self.nodes) if self.nodes else EMPTY_ROOT
