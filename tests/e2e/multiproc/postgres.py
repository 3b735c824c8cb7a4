"""A throwaway PostgreSQL cluster of a test's own (initdb and pg_ctl from Debian's packages, run as
the ``postgres`` user on a free port), so that the test may stop and start it under load without
touching the server other tests share."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from consentgate.testing import free_port


def _pg_bin() -> Path | None:
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: p.parent.parent.name
    )
    return found[-1].parent if found else None


class ThrowawayPostgres:
    """One cluster in a temporary directory: :meth:`start`, :meth:`stop`, and its :attr:`url`."""

    def __init__(self, pg_bin: Path, root: Path) -> None:
        self.pg_bin = pg_bin
        self.root = root
        self.data = root / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *args: str) -> None:
        command = [str(self.pg_bin / args[0]), *args[1:]]
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def create(self) -> None:
        self._as_postgres("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres")
        self.start()

    def start(self) -> None:
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root}"
        log = str(self.root / "postgres.log")
        self._as_postgres("pg_ctl", "-D", str(self.data), "-l", log, "-w", "start", "-o", options)

    def stop(self, mode: str = "fast") -> None:
        self._as_postgres("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")


@pytest.fixture
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    """A cluster of the test's own; when it cannot be made, the test is skipped — or fails, when
    ``CONSENTGATE_REQUIRE_POSTGRES=1`` (as in CI), so CI never skips it."""
    pg_bin = _pg_bin()
    required = os.environ.get("CONSENTGATE_REQUIRE_POSTGRES") == "1"
    why = None
    if pg_bin is None or not (pg_bin / "initdb").exists():
        why = "PostgreSQL's initdb and pg_ctl are not installed (/usr/lib/postgresql/*/bin)"
    elif os.geteuid() == 0 and shutil.which("runuser") is None:
        why = "running as root without runuser to start PostgreSQL as its own user"
    if why is not None:
        if required:
            pytest.fail(f"CONSENTGATE_REQUIRE_POSTGRES=1 but {why}")
        pytest.skip(why)
    assert pg_bin is not None
    root = Path(tempfile.mkdtemp(prefix="consentgate-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres")
    cluster = ThrowawayPostgres(pg_bin, root)
    try:
        try:
            cluster.create()
        except (subprocess.CalledProcessError, OSError) as err:
            detail = getattr(err, "stderr", b"") or b""
            message = f"the throwaway PostgreSQL cluster did not start: {err} {detail!r}"
            if required:
                pytest.fail(message)
            pytest.skip(message)
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)
