"""Every RFC 9162 proof vector from transparency-dev/merkle agrees with our verifiers."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from consentgate.ledger import tree

VECTORS = Path(__file__).parents[2] / "data" / "merkle-vectors"
FILES = sorted(VECTORS.rglob("*.json"))


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _check(kind: str, v: dict[str, Any]) -> None:
    proof = [_b64(h) for h in v["proof"] or []]
    if kind == "inclusion":
        tree.verify_inclusion(
            v["leafIdx"], v["treeSize"], _b64(v["leafHash"]), proof, _b64(v["root"])
        )
    elif kind == "consistency":
        tree.verify_consistency(v["size1"], v["size2"], _b64(v["root1"]), _b64(v["root2"]), proof)
    elif kind == "subtreeinclusion":
        tree.verify_subtree_inclusion(
            v["leafIdx"], v["start"], v["end"], _b64(v["leafHash"]), proof, _b64(v["root"])
        )
    else:
        tree.verify_subtree_consistency(
            v["start"], v["end"], v["size"], _b64(v["root1"]), _b64(v["root2"]), proof
        )


def test_all_518_vectors_are_present() -> None:
    assert len(FILES) == 518


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(VECTORS)))
def test_verifier_agrees_with_want_err(path: Path) -> None:
    vector = json.loads(path.read_text())
    kind = path.relative_to(VECTORS).parts[0]
    if vector["wantErr"]:
        with pytest.raises(tree.ProofError):
            _check(kind, vector)
    else:
        _check(kind, vector)
