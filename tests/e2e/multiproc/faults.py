"""What the fault tests share: partner traffic against several server processes, and a check,
from the published tiles alone, that every answer a partner received is in the log as it said."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from consentgate.cli.log import HttpLogSource
from consentgate.ledger.entries import AccessDecision, decode_entry
from consentgate.ledger.note import NoteVerifier
from consentgate.ledger.tiles import TILE_WIDTH, TileId, decode_bundle
from consentgate.ledger.verify import verify_log
from consentgate.services.journal import PersonRef

from .servers import Server, read_profile


@dataclass
class Traffic:
    """Partners reading profiles through ``servers`` from ``threads`` threads until stopped, each
    request on a fresh connection. Keeps every acknowledged ``Log-Index`` with whose profile it
    was, and counts the answers by status (``0``: no answer at all)."""

    servers: Sequence[Server]
    people: Sequence[tuple[str, str]]  # (person id, token)
    threads: int = 8
    received: list[tuple[int, str]] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _workers: list[threading.Thread] = field(default_factory=list)

    def start(self) -> Traffic:
        for k in range(self.threads):
            worker = threading.Thread(target=self._run, args=(k,), daemon=True)
            worker.start()
            self._workers.append(worker)
        return self

    def _run(self, k: int) -> None:
        turns = itertools.count(k)
        while not self._stop.is_set():
            turn = next(turns)
            server = self.servers[turn % len(self.servers)]
            person_id, token = self.people[turn % len(self.people)]
            try:
                answer = read_profile(server.base, token)
                status = answer.status_code
            except httpx.HTTPError:
                status = 0
                time.sleep(0.01)
            with self._lock:
                self.statuses[status] = self.statuses.get(status, 0) + 1
                if status == 200:
                    self.received.append((int(answer.headers["Log-Index"]), person_id))

    def count(self, status: int) -> int:
        with self._lock:
            return self.statuses.get(status, 0)

    def stop(self) -> None:
        self._stop.set()
        for worker in self._workers:
            worker.join(60)


def wait_for_checkpoint(base: str, size: int, within: float) -> float:
    """Seconds until ``base`` serves a checkpoint of at least ``size`` entries (or fail)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            note = httpx.get(f"{base}/log/checkpoint", timeout=5).text
            if int(note.splitlines()[1]) >= size:
                return time.monotonic() - started
        except (httpx.HTTPError, IndexError, ValueError):
            pass
        time.sleep(0.02)
    raise AssertionError(f"no checkpoint of {size} entries from {base} within {within} s")


def check_received_from_tiles(base: str, received: list[tuple[int, str]], secret: bytes) -> int:
    """Verify the whole log ``base`` publishes, then find every received index in the entry
    bundles: an allowed read of that person's profile by ``tunes``. Returns the log's size."""
    source = HttpLogSource(f"{base}/log")
    verifier = NoteVerifier.parse(httpx.get(f"{base}/log/vkey", timeout=10).text.strip())
    size = verify_log(source, verifier).size
    ref = PersonRef(secret)
    bundles: dict[int, list[bytes]] = {}
    for index, person_id in received:
        assert index < size, f"Log-Index {index} is not in the signed log of {size}"
        n = index // TILE_WIDTH
        if n not in bundles:
            width = min(TILE_WIDTH, size - n * TILE_WIDTH)
            bundles[n] = decode_bundle(source.tile(TileId(-1, n, width)))
        entry = decode_entry(bundles[n][index % TILE_WIDTH])
        assert isinstance(entry, AccessDecision), (index, entry)
        assert (entry.partner, entry.category, entry.decision) == ("tunes", "profile", "allow")
        assert entry.person_ref == ref(person_id), f"entry {index} is not {person_id}'s read"
    assert len({index for index, _ in received}) == len(received)  # no index given twice
    return size
