"""Kill -9 a process appending under load, again and again: nothing acknowledged is ever lost."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from consentgate.cli.log import DatabaseLogSource
from consentgate.ledger import tree
from consentgate.ledger.keys import load_signer
from consentgate.ledger.note import open_checkpoint
from consentgate.ledger.sequencer import Sequencer
from consentgate.ledger.verify import verify_log
from consentgate.store import Database
from consentgate.store.log import SqlLogStore, log_checkpoints

CHILD = Path(__file__).with_name("crash_child.py")
ORIGIN = "crash.example/log"
KILLS = 20


@pytest.mark.slow
def test_sigkill_under_load_loses_no_acknowledged_entry(
    database_url: str, database: Database, tmp_path: Path
) -> None:
    key_file = tmp_path / "log.key"
    signer = load_signer(key_file, ORIGIN, create=True)
    acknowledged: dict[int, bytes] = {}
    rnd = random.Random(20261129)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    for run in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, str(CHILD), database_url, str(key_file), ORIGIN, str(run)],
            stdout=subprocess.PIPE,
            env=env,
        )
        # Kill at a random moment once the child appends (its first acknowledgement), so a slow
        # start on a loaded machine does not turn the run into a kill before any work.
        assert child.stdout is not None
        first = child.stdout.readline()
        time.sleep(rnd.uniform(0.3, 1.0))
        child.send_signal(signal.SIGKILL)
        rest, _ = child.communicate()
        out = first + rest
        assert child.returncode == -signal.SIGKILL
        for line in out.split(b"\n")[:-1]:  # the last piece may be cut mid-line
            index, data = line.split(b" ", 1)
            assert int(index) not in acknowledged, "an index was handed out twice"
            acknowledged[int(index)] = data
    assert len(acknowledged) > KILLS * 10, "the children barely appended; the test proved little"

    store = SqlLogStore(database)
    final = Sequencer(store, signer, checkpoint_interval=3600).start()
    final.stop()
    stored = dict(store.entries(0, store.committed_size()))
    lost = {i for i in acknowledged if stored.get(i) != acknowledged[i]}
    assert lost == set()
    latest = verify_log(DatabaseLogSource(database_url), signer.verifier)
    assert latest.size == store.committed_size()

    with database.read() as conn:
        notes = conn.execute(log_checkpoints.select().order_by(log_checkpoints.c.size)).all()
    assert len(notes) > KILLS // 2  # checkpoints signed across many of the runs
    for size, root, note, _ in notes:
        assert open_checkpoint(bytes(note), signer.verifier).root == bytes(root)
        if size == 0:  # the empty log's head: every tree is consistent with it
            assert bytes(root) == hashlib.sha256(b"").digest()
            continue
        proof, old_root, new_root = final.reader.consistency(int(size), latest.size)
        tree.verify_consistency(int(size), latest.size, old_root, new_root, proof)
