"""``consentgate serve``: the app on one host and port, in one or more processes.

With ``--workers N`` above 1, uvicorn's supervisor runs N processes on one listening socket; each
is a whole server (any process answers any request), and they share the database: the log's
appends, its integration lease, the change feed every decision checks, and quota counts (see the
README's "Scale" section). This command migrates the database and makes the secret files once,
before the processes start, so that they do not race to.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from consentgate.cli.common import DatabaseOption, console, settings_from
from consentgate.config import MAX_WORKERS, MIN_WORKERS, Settings
from consentgate.web.state import state_of

#: The app factory every worker process imports.
_FACTORY = "consentgate.api.app:app_from_environment"


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default 8000).")] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            help=f"Server processes, {MIN_WORKERS} to {MAX_WORKERS} "
            "(default: $CONSENTGATE_WORKERS or the CPU count)."
        ),
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Migrate the database, then serve the API, the pages and the log."""
    from consentgate.api.app import create_app, tune_collector_for_serving
    from consentgate.policy.compiled import engine_build

    settings = settings_from(database, host=host, port=port, workers=workers)
    app = create_app(settings)  # migrates, makes the secret files, checks the database
    services = state_of(app).services
    services.prepare()
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"consentgate on {base} ({settings.workers} process(es))")
    console.print(f"  home:            {base}/")
    console.print(f"  privacy center:  {base}/me")
    if settings.mode == "development":
        console.print("  demo sign-in:    alice / alice-demo-pass (with the demo population)")
    console.print(f"  console (staff): {base}/console")
    if settings.mode == "development":
        console.print("  demo staff:      auditor / auditor-demo-pass, admin / admin-demo-pass")
    console.print(f"  API docs:        {base}/docs")
    console.print(f"  log checkpoint:  {base}/log/checkpoint  (verifier key: {base}/log/vkey)")
    console.print(f"  decision engine: {engine_build()}")
    if settings.workers == 1:
        tune_collector_for_serving()
        uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
        return
    services.db.dispose()
    os.environ.update(_environment(settings))
    uvicorn.run(
        _FACTORY,
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_level="warning",
    )


def _environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the environment variables that reproduce them in a worker process."""
    out = {}
    for name, value in settings.model_dump().items():
        if value is not None:
            out[f"CONSENTGATE_{name.upper()}"] = str(value)
    return out
