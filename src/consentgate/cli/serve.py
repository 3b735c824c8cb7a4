"""``consentgate serve``: the app on one host and port."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from consentgate.cli.common import DatabaseOption, console, settings_from


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="TCP port (default 8000).")] = None,
    database: DatabaseOption = None,
) -> None:
    """Migrate the database, then serve the API, the pages and the log."""
    from consentgate.api.app import create_app
    from consentgate.policy.compiled import engine_build

    settings = settings_from(database, host=host, port=port)
    app = create_app(settings)
    base = f"http://{settings.host}:{settings.port}"
    console.print(f"consentgate on {base}")
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
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning")
