"""How callers get their result: after the commit, never before, and never left waiting."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from consentgate.errors import Unavailable
from consentgate.ledger.logstore import NewEntries
from consentgate.ledger.memory import MemoryLogStore
from consentgate.ledger.note import NoteSigner
from consentgate.ledger.pending import PendingAppend
from consentgate.ledger.sequencer import Sequencer

ORIGIN = "unit.example/log"


class GatedStore(MemoryLogStore):
    """Holds each commit until the test lets it through, so appends queue up behind it."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.committing = threading.Event()
        self.batches: list[list[bytes]] = []

    def append(self, new: NewEntries) -> int:
        self.committing.set()
        assert self.gate.wait(10)
        self.batches.append(list(new.entries))
        if new.entries[0].startswith(b"fail"):
            raise Unavailable("the database is unavailable")
        return super().append(new)


@pytest.fixture
def store() -> GatedStore:
    return GatedStore()


@pytest.fixture
def batch_wait() -> float:
    return 0.002


@pytest.fixture
def sequencer(store: GatedStore, batch_wait: float) -> Iterator[Sequencer]:
    seq = Sequencer(
        store, NoteSigner.generate(ORIGIN), checkpoint_interval=3600, batch_wait=batch_wait
    ).start()
    yield seq
    store.gate.set()
    seq.stop()


def queue_behind_a_commit(
    sequencer: Sequencer, store: GatedStore, data: list[bytes]
) -> tuple[PendingAppend, list[PendingAppend]]:
    """Start one commit and hold it; queue ``data`` behind it, so that they share the next one."""
    store.gate.clear()
    store.committing.clear()
    head = sequencer.submit(b"the commit in progress")
    assert store.committing.wait(5)
    return head, [sequencer.submit(d) for d in data]


def test_nothing_is_acknowledged_before_its_commit(sequencer: Sequencer, store: GatedStore) -> None:
    head, _ = queue_behind_a_commit(sequencer, store, [])
    with pytest.raises(TimeoutError):
        head.result(timeout=0.05)
    store.gate.set()
    assert head.result(timeout=5) == 0
    assert head.result(timeout=0) == 0  # asking again gives the same answer


def test_callers_of_one_commit_all_get_their_index(sequencer: Sequencer, store: GatedStore) -> None:
    head, queued = queue_behind_a_commit(sequencer, store, [f"e{i}".encode() for i in range(20)])
    store.gate.set()
    assert head.result(timeout=5) == 0
    assert [p.result(timeout=5) for p in queued] == list(range(1, 21))
    assert store.batches[1] == [f"e{i}".encode() for i in range(20)]  # one shared commit


def test_a_caller_who_never_asks_does_not_hold_up_the_others(
    sequencer: Sequencer, store: GatedStore
) -> None:
    """A caller that gave up (or dropped its handle) would stop the wake-up chain of its commit;
    the writer wakes the rest itself once it is idle."""
    _, (abandoned, waiting) = queue_behind_a_commit(sequencer, store, [b"abandoned", b"waiting"])
    store.gate.set()
    started = time.monotonic()
    assert waiting.result(timeout=5) == 2
    assert time.monotonic() - started < 1.0
    assert abandoned.result(timeout=0) == 1


@pytest.mark.parametrize("batch_wait", [30.0])  # the writer never falls idle in this test
def test_a_caller_who_never_asks_is_passed_over_by_the_next_commit(
    sequencer: Sequencer, store: GatedStore
) -> None:
    _, (abandoned, waiting) = queue_behind_a_commit(sequencer, store, [b"abandoned", b"waiting"])
    store.gate.set()
    with pytest.raises(TimeoutError):
        waiting.result(timeout=0.05)  # the chain stopped at the caller who never asked
    later = [sequencer.submit(b"later 1"), sequencer.submit(b"later 2")]  # fills a batch of two
    assert waiting.result(timeout=5) == 2
    assert [p.result(timeout=5) for p in later] == [3, 4]
    assert abandoned.result(timeout=0) == 1


def test_a_failed_commit_fails_every_caller_in_it(sequencer: Sequencer, store: GatedStore) -> None:
    head, failing = queue_behind_a_commit(
        sequencer, store, [f"fail {i}".encode() for i in range(5)]
    )
    store.gate.set()
    assert head.result(timeout=5) == 0
    for pending in failing:
        with pytest.raises(Unavailable):
            pending.result(timeout=5)
    assert sequencer.append(b"the log goes on") == 1


# -- callers on an event loop ------------------------------------------------------------------


class CountingLoop:
    """The running loop's thread-safe calls, counted (the writer hands results to a loop only
    through ``call_soon_threadsafe``)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.calls = 0
        self._original = loop.call_soon_threadsafe

        def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return self._original(*args, **kwargs)

        loop.call_soon_threadsafe = counted  # type: ignore[method-assign, assignment]


def test_a_commit_wakes_its_loop_once_however_many_await_it(
    sequencer: Sequencer, store: GatedStore
) -> None:
    """Twenty appends queued behind a commit share the next one, and their loop is woken once
    for all of them, each with its own index."""

    async def queued_behind_a_commit() -> tuple[int, list[int], int]:
        counting = CountingLoop(asyncio.get_running_loop())
        store.gate.clear()
        store.committing.clear()
        head = asyncio.ensure_future(sequencer.append_async(b"the commit in progress"))
        while not store.committing.is_set():
            await asyncio.sleep(0.001)
        rest = [asyncio.ensure_future(sequencer.append_async(f"e{i}".encode())) for i in range(20)]
        await asyncio.sleep(0.05)
        assert not head.done()  # nothing is settled before its commit
        assert not any(r.done() for r in rest)
        store.gate.set()
        indexes = await asyncio.gather(*rest)
        return await head, list(indexes), counting.calls

    head, indexes, wake_ups = asyncio.run(queued_behind_a_commit())
    assert head == 0
    assert indexes == list(range(1, 21))
    assert store.batches[1] == [f"e{i}".encode() for i in range(20)]  # one shared commit
    assert wake_ups == 2  # one per commit, not one per append


def test_a_failed_commit_fails_every_caller_on_the_loop(
    sequencer: Sequencer, store: GatedStore
) -> None:
    async def failing() -> list[BaseException | int]:
        store.gate.clear()
        store.committing.clear()
        head = asyncio.ensure_future(sequencer.append_async(b"the commit in progress"))
        while not store.committing.is_set():
            await asyncio.sleep(0.001)
        doomed = [sequencer.append_async(f"fail {i}".encode()) for i in range(5)]
        gathered = asyncio.gather(*doomed, return_exceptions=True)
        await asyncio.sleep(0.01)
        store.gate.set()
        assert await head == 0
        return list(await gathered)

    outcomes = asyncio.run(failing())
    assert len(outcomes) == 5
    assert all(isinstance(o, Unavailable) for o in outcomes)
    assert sequencer.append(b"the log goes on") == 1


def test_a_caller_that_timed_out_leaves_the_others_their_index(
    sequencer: Sequencer, store: GatedStore
) -> None:
    """A timeout gives up waiting, not the entry: it is committed with the others, and the
    callers still waiting get their indexes."""

    async def one_gives_up() -> tuple[BaseException | int, int]:
        store.gate.clear()
        store.committing.clear()
        head = asyncio.ensure_future(sequencer.append_async(b"the commit in progress"))
        while not store.committing.is_set():
            await asyncio.sleep(0.001)
        impatient = asyncio.ensure_future(sequencer.append_async(b"impatient", timeout=0.01))
        patient = asyncio.ensure_future(sequencer.append_async(b"patient"))
        gave_up = await asyncio.gather(impatient, return_exceptions=True)
        store.gate.set()
        assert await head == 0
        return gave_up[0], await patient

    gave_up, patient = asyncio.run(one_gives_up())
    assert isinstance(gave_up, TimeoutError)
    assert patient == 2
    assert store.batches[1] == [b"impatient", b"patient"]
