"""verify.js's checks, run in the browser on inputs the Python ledger makes, over many more tree
shapes and note forms than a small live log has: RFC 9162 inclusion for every index of every tree
size up to 40 and around a tile's edge, C2SP tile paths and entry bundles, signed notes and
verifier keys, and an entry's fields against a row."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from consentgate.ledger import tree
from consentgate.ledger.entries import AccessDecision
from consentgate.ledger.note import Checkpoint, NoteSigner
from consentgate.ledger.tiles import encode_bundle, encode_index

from .conftest import Demo

ORIGIN = "verify-js.example/log"
#: The helpers each test's script starts with: `m` is the module, `data` the test's data.
PRELUDE = """async (data) => {
  const m = await import('/static/verify.js');
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const bytes = (s) => new TextEncoder().encode(s);
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const failure = async (f) => {
    try { await f(); return null; } catch (e) { return e instanceof m.Failure ? e.message : 'other: ' + e; }
  };
"""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture
def page(demo: Demo, new_context: Callable[..., BrowserContext]) -> Page:
    """A page of the app's origin (127.0.0.1 is a secure context: WebCrypto is on)."""
    tab = new_context().new_page()
    tab.goto("/")
    return tab


def run(page: Page, body: str, data: Any) -> Any:
    """Run ``body`` after :data:`PRELUDE` in the page (compiled by the browser's debugger
    protocol, so the page's CSP, which forbids eval, does not apply) and return its result."""
    return page.evaluate(PRELUDE + body + "}", data)


def _proof_cases(sizes: list[int]) -> list[dict[str, Any]]:
    """Every index of trees up to 40 leaves; the edges and middle of those around a tile's width."""
    cases = []
    for size in sizes:
        entries = [f"entry {i}".encode() for i in range(size)]
        leaves = tree.leaf_hashes(entries)

        def read(nodes: Any, leaves: list[bytes] = leaves) -> list[bytes]:
            return [tree.root_of(leaves[i << lv : (i + 1) << lv]) for lv, i in nodes]

        root = tree.root_of(leaves)
        indexes = range(size) if size <= 40 else {0, 1, 127, 128, 200, size - 2, size - 1}
        for index in sorted(indexes):
            proof = tree.inclusion_proof(index, size, read)
            cases.append(
                {
                    "index": index,
                    "size": size,
                    "entry": _b64(entries[index]),
                    "proof": [_b64(h) for h in proof],
                    "root": _b64(root),
                }
            )
    return cases


def test_inclusion_proofs_lead_to_the_root_exactly_as_rfc_9162_says(page: Page) -> None:
    cases = _proof_cases([*range(1, 41), 255, 256, 257])
    results = run(
        page,
        """
        const out = [];
        for (const c of data) {
          const leaf = await m.leafHash(b64(c.entry));
          const proof = c.proof.map(b64);
          const root = await m.rootFromInclusionProof(c.index, c.size, leaf, proof);
          const wrong = [];
          if (proof.length) {
            const flipped = proof.map((p) => p.slice());
            flipped[proof.length - 1][31] ^= 1;
            wrong.push(flipped, proof.slice(1));
          }
          wrong.push([...proof, new Uint8Array(32)]);
          let refused = 0;
          for (const bad of wrong) {
            const got = await m.rootFromInclusionProof(c.index, c.size, leaf, bad).catch(() => null);
            if (got === null || !same(got, b64(c.root))) refused += 1;
          }
          out.push([same(root, b64(c.root)), refused === wrong.length]);
        }
        const outside = await failure(() => m.rootFromInclusionProof(5, 5, new Uint8Array(32), []));
        return [out, outside];
        """,
        cases,
    )
    verdicts, outside = results
    assert len(verdicts) == len(cases) > 800
    assert all(ok for ok, _ in verdicts), "a valid proof did not lead to the root"
    assert all(refused for _, refused in verdicts), "an altered proof led to the root"
    assert outside == "the proof does not match the signed checkpoint"


def test_tile_paths_and_entry_bundles_are_read_as_the_server_writes_them(page: Page) -> None:
    indexes = [0, 5, 999, 1000, 1234067, 256**3]
    entries = [b"", b"x", "caf\u00e9".encode(), b"y" * 300]
    got = run(
        page,
        """
        const bundle = b64(data.bundle);
        const entries = m.decodeBundle(bundle, data.count).map((e) => btoa(String.fromCharCode(...e)));
        return {
          paths: data.indexes.map(m.encodeIndex),
          entries,
          cut: await failure(() => m.decodeBundle(bundle.slice(0, -1), data.count)),
          short: await failure(() => m.decodeBundle(bundle, data.count + 1)),
        };
        """,
        {"indexes": indexes, "bundle": _b64(encode_bundle(entries)), "count": len(entries)},
    )
    assert got["paths"] == [encode_index(i) for i in indexes]
    assert got["entries"] == [_b64(e) for e in entries]
    assert got["cut"] == "the entry's tile is cut short"
    assert got["short"] == "the entry's tile does not hold the entries it should"


def test_signed_checkpoints_are_opened_as_the_python_verifier_opens_them(page: Page) -> None:
    signer = NoteSigner.generate(ORIGIN)
    text = Checkpoint(ORIGIN, 42, tree.leaf_hash(b"root")).text()
    note = signer.sign(text)
    witness = NoteSigner.generate("witness.example").sign(text).split(b"\n\n")[1]
    impostor = NoteSigner.generate(ORIGIN).sign(text)
    other_log = signer.sign(Checkpoint("elsewhere.example/log", 1, bytes(32)).text())
    vkey = signer.verifier.encode()
    name, key_id, key = vkey.split("+", 2)
    wrong_id = f"{name}+{'0' * 8}+{key}"
    got = run(
        page,
        """
        const vkey = await m.parseVerifierKey(data.vkey);
        const open = async (note) => m.parseCheckpoint(await m.openNote(b64(note), vkey), vkey);
        const good = await open(data.note);
        const cosigned = await open(data.cosigned);
        return {
          key: vkey.text,
          good: [good.origin, good.size, btoa(String.fromCharCode(...good.root))],
          cosigned: cosigned.size,
          altered: await failure(() => open(data.altered)),
          impostor: await failure(() => open(data.impostor)),
          otherLog: await failure(() => open(data.otherLog)),
          wrongId: await failure(() => m.parseVerifierKey(data.wrongId)),
          notAKey: await failure(() => m.parseVerifierKey('no key here')),
        };
        """,
        {
            "vkey": vkey,
            "note": _b64(note),
            "cosigned": _b64(note + witness),
            "altered": _b64(note.replace(b"\n42\n", b"\n43\n")),
            "impostor": _b64(impostor),
            "otherLog": _b64(other_log),
            "wrongId": wrong_id,
        },
    )
    assert got["key"] == f"{name}+{key_id}"
    assert got["good"] == [ORIGIN, 42, _b64(tree.leaf_hash(b"root"))]
    assert got["cosigned"] == 42  # a witness's cosignature is ignored, as C2SP allows
    assert got["altered"] == "the checkpoint's signature is invalid"
    assert (
        got["impostor"] == f"the checkpoint carries no signature by the log's key {name}+{key_id}"
    )
    assert got["otherLog"] == "the checkpoint is for another log (elsewhere.example/log)"
    assert got["wrongId"] == "the log's key hash does not match its name and key"
    assert got["notAKey"] == "the log's key is malformed"


def test_an_entry_must_say_what_its_row_says(page: Page) -> None:
    entry = AccessDecision(
        time="2026-12-02T14:30:12.345Z",
        request_id="r1",
        partner="tunes",
        client="tunes-demo",
        person_ref="aa" * 32,
        category="friends",
        action="read",
        purpose="music.share",
        decision="allow",
        reasons=("grant.ok",),
        records_returned=2,
        records_filtered=0,
        grant_id="g1",
        receipt_id="g1",
    ).encode()
    row = {
        "type": "access",
        "partner": "tunes",
        "category": "friends",
        "action": "read",
        "purpose": "music.share",
        "decision": "allow",
        "time": "2026-12-02T14:30:12.345678+00:00",
        "role": "subject",
    }
    got = run(
        page,
        """
        const check = (entry, changes, refs) => failure(
          () => m.checkEntry(entry, { dataset: { ...data.row, ...changes } }, refs));
        const entry = b64(data.entry);
        const text = new TextDecoder().decode(entry);
        return {
          same: await check(entry, {}, [data.mine]),
          partner: await check(entry, { partner: 'northbank' }, [data.mine]),
          decision: await check(entry, { decision: 'deny' }, [data.mine]),
          time: await check(entry, { time: '2026-12-02T15:30:12.345+01:00' }, [data.mine]),
          later: await check(entry, { time: '2026-12-02T14:30:12.346Z' }, [data.mine]),
          someoneElse: await check(entry, {}, [data.theirs]),
          viaAFriend: await check(entry, { role: 'included' }, [data.theirs]),
          spaced: await check(bytes(text.replace(',', ', ')), {}, [data.mine]),
        };
        """,
        {"entry": _b64(entry), "row": row, "mine": "aa" * 32, "theirs": "bb" * 32},
    )
    assert got["same"] is None
    assert got["partner"] == "the log's entry names another partner than this row"
    assert got["decision"] == "the log's entry names another decision than this row"
    assert got["time"] is None  # the same moment, written with an offset
    assert got["later"] == "the log's entry has another time than this row"
    assert got["someoneElse"] == "the log's entry is about someone else"
    assert got["viaAFriend"] is None  # a friend's grant: the entry names the friend
    assert got["spaced"] == "the log's entry is not a canonical JSON entry"
