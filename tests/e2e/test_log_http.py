"""The log over real HTTP (uvicorn on 127.0.0.1): checkpoint, C2SP tiles, proofs, bad input."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from consentgate.api import log as log_api
from consentgate.api import problems
from consentgate.cli import log as log_cli
from consentgate.ledger import tree
from consentgate.ledger.note import NoteSigner, open_checkpoint
from consentgate.ledger.sequencer import Sequencer
from consentgate.ledger.tiles import decode_bundle
from consentgate.store import Database
from consentgate.store.log import SqlLogStore
from consentgate.store.migrate import upgrade
from consentgate.testing import serving

ORIGIN = "e2e.example/log"
ENTRIES = 700


@dataclass
class LogServer:
    url: str
    signer: NoteSigner
    sequencer: Sequencer
    data: list[bytes]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LogServer]:
    path = tmp_path_factory.mktemp("log") / "log.db"
    db = Database.connect(f"sqlite:///{path}")
    upgrade(db)
    signer = NoteSigner.generate(ORIGIN)
    sequencer = Sequencer(SqlLogStore(db), signer, checkpoint_interval=0.1).start()
    data = [f"decision {i:04d} ".encode() * 20 for i in range(ENTRIES)]
    pending = [sequencer.submit(d) for d in data]
    assert [p.result(30) for p in pending] == list(range(ENTRIES))
    sequencer.integrate()
    app = FastAPI()
    problems.install(app)
    app.include_router(log_api.router)
    app.dependency_overrides[log_api.log_reader] = lambda: sequencer.reader
    with serving(app) as base:
        yield LogServer(f"{base}/log", signer, sequencer, data)
    sequencer.stop()
    db.dispose()


def test_the_checkpoint_is_a_signed_note_over_all_entries(server: LogServer) -> None:
    response = httpx.get(f"{server.url}/checkpoint")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    checkpoint = open_checkpoint(response.content, server.signer.verifier)
    assert checkpoint.size == ENTRIES
    assert checkpoint.root == tree.root_of([tree.leaf_hash(d) for d in server.data])


def test_the_checkpoint_says_when_it_was_signed(server: LogServer) -> None:
    """The note has no time in it; Last-Modified carries it, for a browser to show its age."""
    response = httpx.get(f"{server.url}/checkpoint")
    signed = parsedate_to_datetime(response.headers["last-modified"])
    assert signed == server.sequencer.checkpoint().signed_at.replace(microsecond=0)


def test_full_tiles_are_immutable_and_partial_ones_are_not(server: LogServer) -> None:
    full = httpx.get(f"{server.url}/tile/0/001")
    assert full.status_code == 200
    assert full.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert full.content == b"".join(tree.leaf_hash(d) for d in server.data[256:512])
    partial = httpx.get(f"{server.url}/tile/0/002.p/188")
    assert partial.status_code == 200
    assert "immutable" not in partial.headers["cache-control"]
    assert len(partial.content) == 188 * 32
    shorter = httpx.get(f"{server.url}/tile/0/002.p/10")
    assert shorter.content == partial.content[: 10 * 32]
    level1 = httpx.get(f"{server.url}/tile/1/000.p/2")
    assert level1.content[:32] == tree.root_of([tree.leaf_hash(d) for d in server.data[:256]])


def test_entry_bundles_hold_the_exact_entries(server: LogServer) -> None:
    bundle = httpx.get(f"{server.url}/tile/entries/000")
    assert bundle.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert decode_bundle(bundle.content) == server.data[:256]
    last = httpx.get(f"{server.url}/tile/entries/002.p/188")
    assert decode_bundle(last.content) == server.data[512:]


def test_proofs_verify_against_signed_checkpoints(server: LogServer) -> None:
    response = httpx.get(f"{server.url}/proof/inclusion", params={"index": 300, "size": ENTRIES})
    assert response.status_code == 200
    body = response.json()
    proof = [base64.b64decode(h) for h in body["proof"]]
    root = base64.b64decode(body["root"])
    tree.verify_inclusion(300, ENTRIES, tree.leaf_hash(server.data[300]), proof, root)
    more = server.sequencer.append(b"one more decision")
    server.sequencer.integrate()
    response = httpx.get(
        f"{server.url}/proof/consistency", params={"from": ENTRIES, "to": more + 1}
    )
    assert response.status_code == 200
    body = response.json()
    tree.verify_consistency(
        ENTRIES,
        more + 1,
        base64.b64decode(body["from_root"]),
        base64.b64decode(body["to_root"]),
        [base64.b64decode(h) for h in body["proof"]],
    )


@pytest.mark.parametrize(
    ("path", "status"),
    [
        # Only the exact C2SP tlog-tiles path grammar names a tile; anything else is not there.
        ("tile/0/1", 404),
        ("tile/0/x000/001", 404),
        ("tile/0/000.p/0", 404),
        ("tile/0/000.p/256", 404),
        ("tile/abc/000", 404),
        ("tile/0/%EF%BC%90%EF%BC%90%EF%BC%90", 404),  # fullwidth ０００
        ("tile/%D9%A0/%D9%A0%D9%A0%D9%A0", 404),  # Arabic-Indic ٠/٠٠٠
        ("tile/0/001.p/%EF%BC%95", 404),  # .p/５
        ("tile/0/999", 404),
        ("tile/0/002", 404),
        ("tile/entries/002.p/250", 404),
        ("tile/3/000", 404),
        ("tile/0/" + "x999/" * 8 + "999", 404),
        ("proof/inclusion?index=abc&size=10", 422),
        ("proof/inclusion?index=-1&size=10", 422),
        ("proof/inclusion?index=5", 422),
        ("proof/inclusion?index=10&size=10", 400),
        ("proof/inclusion?index=1&size=99999999999999999999999", 422),
        ("proof/inclusion?index=1&size=9223372036854775808", 422),
        ("proof/inclusion?index=1&size=9223372036854775807", 404),
        ("proof/inclusion?index=1&size=650", 404),
        ("proof/consistency?from=700&to=10", 400),
        ("proof/consistency?from=0&to=700", 400),
        ("proof/consistency?from=1&to=700", 404),
        ("proof/consistency?from=&to=700", 422),
        ("nothing-here", 404),
    ],
)
def test_bad_input_gets_a_problem_body_never_a_500(
    server: LogServer, path: str, status: int
) -> None:
    response = httpx.get(f"{server.url}/{path}")
    assert response.status_code == status
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["detail"]


def test_log_verify_over_http_checks_every_tile(server: LogServer, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        log_cli.app,
        [
            "verify",
            "--url",
            server.url,
            "--vkey",
            server.signer.verifier.encode(),
            "--state-file",
            str(tmp_path / "state.json"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"{ORIGIN} verified" in result.output
    assert (tmp_path / "state.json").exists()
