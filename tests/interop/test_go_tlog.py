"""Code we did not write agrees with our log: Go's golang.org/x/mod/sumdb/{note,tlog}.

The Go program (``tlogcheck.go``) verifies our checkpoint note and proves inclusion and
consistency from our C2SP tiles over HTTP. It builds offline against Debian's packaged sources
(``golang-go``, ``golang-golang-x-mod-dev``: GOPATH=/usr/share/gocode, GO111MODULE=off).
Skipped only when ``go`` is missing outside CI; in CI (``CI`` set) a missing ``go`` fails.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from consentgate.api import log as log_api
from consentgate.api import problems
from consentgate.ledger.note import NoteSigner
from consentgate.ledger.sequencer import Sequencer
from consentgate.store import Database
from consentgate.store.log import SqlLogStore
from consentgate.store.migrate import upgrade
from consentgate.testing import serving

SOURCE = Path(__file__).with_name("tlogcheck.go")
GOPATH = os.environ.get("CONSENTGATE_GOPATH", "/usr/share/gocode")
ORIGIN = "interop.example/log"


@pytest.fixture(scope="module")
def tlogcheck(tmp_path_factory: pytest.TempPathFactory) -> Path:
    go = shutil.which("go")
    if go is None:
        if os.environ.get("CI"):
            pytest.fail("CI needs Go: apt-get install golang-go golang-golang-x-mod-dev")
        pytest.skip("go is not installed (apt-get install golang-go golang-golang-x-mod-dev)")
    out = tmp_path_factory.mktemp("go") / "tlogcheck"
    env = {
        **os.environ,
        "GO111MODULE": "off",
        "GOPATH": GOPATH,
        "GOCACHE": str(out.parent / "cache"),
        "GOFLAGS": "",
        "CGO_ENABLED": "0",
    }
    build = subprocess.run(
        [go, "build", "-o", str(out), str(SOURCE)], capture_output=True, text=True, env=env
    )
    assert build.returncode == 0, build.stderr
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Sequencer]]:
    db = Database.connect(f"sqlite:///{tmp_path_factory.mktemp('log') / 'log.db'}")
    upgrade(db)
    sequencer = Sequencer(
        SqlLogStore(db), NoteSigner.generate(ORIGIN), checkpoint_interval=3600
    ).start()
    app = FastAPI()
    problems.install(app)
    app.include_router(log_api.router)
    app.dependency_overrides[log_api.log_reader] = lambda: sequencer.reader
    with serving(app) as base:
        yield f"{base}/log", sequencer
    sequencer.stop()
    db.dispose()


def _grow(sequencer: Sequencer, to: int) -> tuple[int, str]:
    start = sequencer.store.committed_size()
    pending = [
        sequencer.submit(f"interop entry {i}".encode() * 8) for i in range(start, max(start, to))
    ]
    for future in pending:
        future.result(30)
    sequencer.integrate()
    signed = sequencer.checkpoint()
    return signed.size, base64.b64encode(signed.root).decode()


def test_go_verifies_our_note_and_proves_inclusion_and_consistency(
    tlogcheck: Path, server: tuple[str, Sequencer]
) -> None:
    url, sequencer = server
    vkey = sequencer.signer.verifier.encode()
    old_size, old_root = _grow(sequencer, 300)
    first = subprocess.run([str(tlogcheck), url, vkey, "299"], capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "inclusion ok: entry 299 in tree 300" in first.stdout
    for target in (513, 70_000):  # across a level-1 tile, then into a level-2 tile
        _grow(sequencer, target)
        for index in ("0", "256", str(target - 1)):
            done = subprocess.run(
                [str(tlogcheck), url, vkey, index, str(old_size), old_root],
                capture_output=True,
                text=True,
            )
            assert done.returncode == 0, done.stderr
            assert f"consistency ok: tree {old_size} is a prefix of tree {target}" in done.stdout


def test_go_rejects_a_checkpoint_signed_by_another_key(
    tlogcheck: Path, server: tuple[str, Sequencer]
) -> None:
    url, sequencer = server
    _grow(sequencer, 10)
    other = NoteSigner.generate(ORIGIN).verifier.encode()
    done = subprocess.run([str(tlogcheck), url, other, "0"], capture_output=True, text=True)
    assert done.returncode != 0
    assert "checkpoint signature" in done.stderr
