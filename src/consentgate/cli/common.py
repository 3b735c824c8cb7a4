"""What every command shares: settings from the environment and flags, the database, output.

Every command that works on the database takes the same ``--database`` option
(:data:`DatabaseOption`) and gets its services from :func:`connect`, the one place where the CLI
connects, migrates (where the command needs it) and wires the services.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from consentgate.config import Settings, load_settings
from consentgate.errors import Error
from consentgate.services.wiring import Services

console = Console()
err_console = Console(stderr=True)


def settings_from(database_url: str | None = None, **overrides: Any) -> Settings:
    """The settings, with CLI flags overriding the environment."""
    return load_settings(database_url=database_url, **overrides)


def say(text: str) -> None:
    """One human-readable message; long lines stay whole (no wrapping, no markup)."""
    console.print(text, highlight=False, markup=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """Machine-readable output: one JSON document on stdout."""
    print(json.dumps(data, indent=2, sort_keys=True, default=str))


DATABASE_HELP = "Database URL (default: $CONSENTGATE_DATABASE_URL or sqlite:///var/consentgate.db)."
#: ``--database``: the same option on every command that opens the database.
DatabaseOption = Annotated[str | None, typer.Option("--database", help=DATABASE_HELP)]


def connect(database: str | None, *, migrate: bool) -> Services:
    """The services on the database named by ``--database`` (or the environment).

    ``migrate`` brings the schema up to date first: the commands that write (the admin commands,
    the demo seed) need it; the ones that only read (``explain``, ``exposure``) leave the
    database as it is.
    """
    return Services.connect(settings_from(database), migrate=migrate)


@contextmanager
def progress_bar(label: str) -> Iterator[Callable[[int, int], None]]:
    """A Rich progress bar on standard error (when it is a terminal) over the log's entries."""
    columns = (TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=True, disable=not sys.stderr.isatty()) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def run(app: typer.Typer, prog: str) -> None:
    """Run ``app`` with the project's errors caught once, at this edge: one line naming ``prog``
    on standard error and exit status 1, never a traceback."""
    try:
        app(standalone_mode=True)
    except Error as err:
        print(f"{prog}: error: {err.message}", file=sys.stderr)
        sys.exit(1)
