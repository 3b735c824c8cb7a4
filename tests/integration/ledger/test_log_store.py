"""The log on a real database (SQLite and PostgreSQL): durable appends, group commit, restarts."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence

import pytest
from sqlalchemy import func, select

from consentgate.cli.log import DatabaseLogSource
from consentgate.ledger import tree
from consentgate.ledger.logstore import NewEntries
from consentgate.ledger.note import NoteSigner
from consentgate.ledger.sequencer import Sequencer
from consentgate.ledger.verify import verify_log
from consentgate.store import Database
from consentgate.store.log import SqlLogStore, log_checkpoints, log_entries

ORIGIN = "integration.example/log"


class CountingStore(SqlLogStore):
    """Counts the append transactions, to see group commit happen."""

    def __init__(self, db: Database) -> None:
        super().__init__(db)
        self.transactions = 0

    def append(self, new: NewEntries) -> int:
        first = super().append(new)
        self.transactions += 1
        return first


@pytest.fixture
def signer() -> NoteSigner:
    return NoteSigner.generate(ORIGIN)


@pytest.fixture
def store(database: Database) -> CountingStore:
    return CountingStore(database)


@pytest.fixture
def sequencer(store: CountingStore, signer: NoteSigner) -> Iterator[Sequencer]:
    seq = Sequencer(store, signer, checkpoint_interval=3600).start()
    yield seq
    seq.stop()


def test_an_acknowledged_append_is_already_committed(
    sequencer: Sequencer, database_url: str
) -> None:
    index = sequencer.append(b"the first decision")
    other = Database.connect(database_url)  # a separate connection sees it at once
    with other.read() as conn:
        row = conn.execute(select(log_entries.c.data).where(log_entries.c.idx == index)).one()
    other.dispose()
    assert (index, bytes(row[0])) == (0, b"the first decision")


def test_concurrent_appends_share_commits(sequencer: Sequencer, store: CountingStore) -> None:
    def writer(k: int) -> None:
        for i in range(20):
            sequencer.append(f"writer {k:02d} entry {i:03d} ".encode() * 10)

    threads = [threading.Thread(target=writer, args=(k,)) for k in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert store.committed_size() == 640
    assert store.transactions < 640 / 4  # many entries per transaction


def test_a_restarted_sequencer_continues_the_same_tree(
    store: CountingStore, signer: NoteSigner, database: Database
) -> None:
    data = [f"entry {i}".encode() for i in range(600)]
    first = Sequencer(store, signer, checkpoint_interval=3600).start()
    for d in data[:300]:
        first.append(d)
    first.stop()
    second = Sequencer(store, signer, checkpoint_interval=3600).start()
    for d in data[300:]:
        second.append(d)
    second.stop()
    latest = store.latest_checkpoint()
    assert latest is not None
    assert (latest.size, latest.root) == (600, tree.root_of([tree.leaf_hash(d) for d in data]))
    with database.read() as conn:
        sizes = conn.execute(select(func.count()).select_from(log_checkpoints)).scalar()
    assert sizes == 3  # the empty log's head at first start, then 300, then 600
    proof, old_root, new_root = second.reader.consistency(300, 600)
    tree.verify_consistency(300, 600, old_root, new_root, proof)


def test_committed_but_unsigned_entries_are_signed_on_start(
    store: CountingStore, signer: NoteSigner, database_url: str
) -> None:
    store.append(NewEntries([b"a", b"b"], [tree.leaf_hash(b"a"), tree.leaf_hash(b"b")]))
    seq = Sequencer(store, signer, checkpoint_interval=3600).start()
    seq.stop()
    latest = store.latest_checkpoint()
    assert latest is not None
    assert latest.size == 2
    checkpoint = verify_log(DatabaseLogSource(database_url), signer.verifier)
    assert checkpoint.size == 2


def test_checkpoints_follow_appends_within_the_interval(
    store: CountingStore, signer: NoteSigner
) -> None:
    seq = Sequencer(store, signer, checkpoint_interval=0.1).start()
    try:
        index = seq.append(b"watch me get signed")
        for _ in range(100):
            latest = store.latest_checkpoint()
            if latest is not None and latest.size > index:
                break
            threading.Event().wait(0.05)
        assert latest is not None
        assert latest.size == index + 1
    finally:
        seq.stop()


def test_an_annotation_is_written_in_the_same_transaction_as_its_entry(database: Database) -> None:
    written: list[tuple[int, object]] = []

    def annotate(_conn: object, annotations: Sequence[tuple[int, object]]) -> None:
        written.extend(annotations)
        if any(value == "fail" for _, value in annotations):
            raise RuntimeError("the annotation cannot be stored")

    store = SqlLogStore(database, annotate=annotate)
    store.append(NewEntries([b"a", b"b"], [b"\x00" * 32, b"\x01" * 32], [(1, "people of b")]))
    assert written == [(1, "people of b")]  # with the index its entry got
    with pytest.raises(RuntimeError):
        store.append(NewEntries([b"c"], [b"\x02" * 32], [(0, "fail")]))
    assert written[-1] == (2, "fail")
    assert store.committed_size() == 2  # the entry went with its failed annotation
