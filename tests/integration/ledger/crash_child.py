"""A process that appends to the log as fast as it can until it is killed (for test_log_crash).

Usage: python crash_child.py <database URL> <key file> <origin> <run number>
Prints ``<index> <data>`` for every acknowledged append, flushed at once.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from consentgate.ledger.keys import load_signer
from consentgate.ledger.sequencer import Sequencer
from consentgate.store import Database
from consentgate.store.log import SqlLogStore

WRITERS = 8


def main() -> None:
    url, key_file, origin, run = sys.argv[1:5]
    signer = load_signer(Path(key_file), origin, create=False)
    store = SqlLogStore(Database.connect(url))
    sequencer = Sequencer(store, signer, checkpoint_interval=0.05).start()
    lock = threading.Lock()

    def writer(k: int) -> None:
        i = 0
        while True:
            data = f"run{run}-writer{k}-entry{i}-".encode() + b"x" * 250
            index = sequencer.append(data)
            with lock:
                sys.stdout.write(f"{index} {data.decode()}\n")
                sys.stdout.flush()
            i += 1

    threads = [threading.Thread(target=writer, args=(k,), daemon=True) for k in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
