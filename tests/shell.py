"""``consentgate`` as a shell runs it: a real process whose environment names one database and
one data folder and none of the caller's other ``CONSENTGATE_*`` settings, checked by exit code
and output. A suite's subclass names the command group it runs and what standard input a command
gets when the test gives none."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

from consentgate.config import Settings
from consentgate.services.wiring import Services

CONSENTGATE = str(Path(sys.executable).with_name("consentgate"))
ERROR = "consentgate: error: "


class Shell:
    """Runs ``consentgate [group] ...`` on the database at ``url`` with data in ``data_dir``."""

    group: ClassVar[tuple[str, ...]] = ()
    #: ``None``: the command inherits the test's standard input.
    stdin: ClassVar[str | None] = None
    timeout: ClassVar[float] = 60

    def __init__(self, url: str, data_dir: Path, **env: str) -> None:
        self.url = url
        self.data_dir = data_dir
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTGATE_")}
        self.env |= {"CONSENTGATE_DATABASE_URL": url, "CONSENTGATE_DATA_DIR": str(data_dir), **env}

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [CONSENTGATE, *self.group, *args],
            env=self.env,
            input=self.stdin if stdin is None else stdin,
            capture_output=True,
            text=True,
            timeout=self.timeout,
            check=False,
        )

    def json(self, *args: str) -> Any:
        """The parsed ``--json`` output of a command that must succeed."""
        done = self.run(*args, "--json")
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)

    def fails(self, *args: str) -> str:
        """The one-line error of a command that must fail (exit 1), without its prefix."""
        done = self.run(*args)
        assert done.returncode == 1, (done.stdout, done.stderr)
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(ERROR)
        return lines[0].removeprefix(ERROR)

    def services(self) -> Services:
        """The services on the same database (brought up to date first), to check what it holds."""
        return Services.connect(
            Settings(database_url=self.url, data_dir=self.data_dir), migrate=True
        )
