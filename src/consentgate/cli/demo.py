"""``consentgate demo``: the demo population."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from consentgate.cli.common import DatabaseOption, connect, console
from consentgate.demo.clients import DEMO_CLIENTS, register_demo_clients
from consentgate.demo.people import DEMO_PEOPLE
from consentgate.demo.seed import seed_demo, validate_seed_args
from consentgate.store.bulk import is_empty

app = typer.Typer(help="The demo population.", no_args_is_help=True)


@app.command("seed")
def seed_command(
    people: Annotated[
        int, typer.Option(help="How many generated people (the four demo people come on top).")
    ] = 3000,
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same population.")
    ] = 1,
    database: DatabaseOption = None,
    if_empty: Annotated[
        bool,
        typer.Option("--if-empty", help="Do nothing (exit 0) if the store already holds people."),
    ] = False,
) -> None:
    """Load partners, agreements back to 2010, people, their data and grants (one transaction)."""
    validate_seed_args(people, seed)
    services = connect(database, migrate=True)
    db = services.db
    with db.read() as conn:
        empty = is_empty(conn)
    if not empty and if_empty:
        console.print("the database already holds people; not seeding")
        return
    as_of = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        people_task = bar.add_task("people", total=people)
        records_task = bar.add_task("their data", total=people)

        def progress(stage: str, n: int) -> None:
            if stage == "people":
                bar.advance(people_task, n)
            elif stage == "records":
                bar.advance(records_task, n)

        report = seed_demo(db, people=people, seed=seed, as_of=as_of, progress=progress)
    register_demo_clients(services)
    elapsed = time.perf_counter() - started
    console.print(
        f"seeded {report.people:,} people, {report.partners} partners, {report.agreements} agreement versions, "
        f"{report.grants:,} grants ({report.rows:,} rows) in {elapsed:.1f} s"
    )
    console.print("demo sign-ins: " + ", ".join(f"{h} / {p}" for h, p, *_ in DEMO_PEOPLE))
    console.print("demo OAuth clients: " + ", ".join(f"{c} / {s}" for _, c, s, _ in DEMO_CLIENTS))
