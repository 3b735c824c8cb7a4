"""``consentgate demo``: the demo population."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from consentgate.cli.common import (
    DatabaseOption,
    connect,
    console,
    err_console,
    print_json,
    settings_from,
)
from consentgate.cli.replay_table import print_replay
from consentgate.demo.clients import DEMO_CLIENTS, register_demo_clients
from consentgate.demo.findings_world import play_activity
from consentgate.demo.people import DEMO_PEOPLE
from consentgate.demo.replay import (
    DEFAULT_PEOPLE,
    REPLAY_ORIGIN,
    run_replay,
    validate_replay_args,
)
from consentgate.demo.replay_report import replay_html, replay_json
from consentgate.demo.seed import seed_demo, validate_seed_args
from consentgate.demo.staff import DEMO_STAFF, register_demo_staff
from consentgate.errors import InvalidInput
from consentgate.store.bulk import is_empty

app = typer.Typer(help="The demo population.", no_args_is_help=True)


def _progress(output: Console) -> Progress:
    """A progress bar for the long demo jobs: what is being done, how far, and the time so far."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=output,
    )


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
        if services.settings.mode != "production" and register_demo_staff(services):
            console.print(
                "demo staff (console): " + ", ".join(f"{h} / {p}" for h, p, _ in DEMO_STAFF)
            )
        return
    as_of = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    with _progress(console) as bar:
        people_task = bar.add_task("people", total=people)
        records_task = bar.add_task("their data", total=people)

        def progress(stage: str, n: int) -> None:
            if stage == "people":
                bar.advance(people_task, n)
            elif stage == "records":
                bar.advance(records_task, n)

        report = seed_demo(db, people=people, seed=seed, as_of=as_of, progress=progress)
    register_demo_clients(services)
    register_demo_staff(services)
    # A month of partner requests through the decision path, then findings evaluated, so the
    # console has something to show for every rule.
    requests = play_activity(services, datetime.now(UTC))
    elapsed = time.perf_counter() - started
    console.print(
        f"seeded {report.people:,} people, {report.partners} partners, {report.agreements} agreement versions, "
        f"{report.grants:,} grants ({report.rows:,} rows) and {requests} partner requests in "
        f"{elapsed:.1f} s; findings evaluated"
    )
    console.print("demo sign-ins: " + ", ".join(f"{h} / {p}" for h, p, *_ in DEMO_PEOPLE))
    console.print("demo OAuth clients: " + ", ".join(f"{c} / {s}" for _, c, s, _ in DEMO_CLIENTS))
    console.print("demo staff (console): " + ", ".join(f"{h} / {p}" for h, p, _ in DEMO_STAFF))


@app.command("replay")
def replay_command(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the rows and totals as JSON instead of a table.")
    ] = False,
    out: Annotated[
        Path,
        typer.Option(help="Where replay.html, replay.json and the replay log's keys are written."),
    ] = Path("var/replay"),
    seed: Annotated[
        int, typer.Option(help="Random seed: the same seed gives the same replay.")
    ] = 1,
    people: Annotated[
        int, typer.Option(help="How many people the story's world has.")
    ] = DEFAULT_PEOPLE,
    smaller_partners: Annotated[
        int, typer.Option(help="How many smaller partners with 2010–2012 deals (0 to 1,000).")
    ] = 150,
    database: DatabaseOption = None,
) -> None:
    """Replay the 2010–2018 story through consentgate, month by month, into a fresh database."""
    validate_replay_args(people, seed, smaller_partners)
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"--out {out} is not a directory")
    settings = settings_from(database, data_dir=out / "state", log_origin=REPLAY_ORIGIN)
    # Suspensions for overdue certifications are the replay's story, shown in its table (as
    # ``partner.suspended``): not warnings to print over the progress bar.
    logging.getLogger("consentgate.services.findings").setLevel(logging.ERROR)
    started = time.perf_counter()
    with _progress(err_console) as bar:
        task = bar.add_task("replaying 2010", total=None)

        def progress(done: int, total: int, month: str) -> None:
            bar.update(task, completed=done, total=total, description=f"replaying {month}")

        result = run_replay(
            settings,
            seed=seed,
            people=people,
            small_partners=smaller_partners,
            progress=progress,
        )
    elapsed = time.perf_counter() - started
    document = replay_json(
        result.table, seed=seed, people=people, partners=result.partners, log_size=result.log_size
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "replay.json").write_text(json.dumps(document, indent=2, sort_keys=True), "utf-8")
    html = replay_html(
        result.table, seed=seed, people=people, partners=result.partners, log_size=result.log_size
    )
    (out / "replay.html").write_text(html, "utf-8")
    if as_json:
        print_json(document)
        return
    print_replay(result.table, console)
    console.print(
        f"{result.ticks} months, {document['totals']['requests']:,} requests, "
        f"{result.log_size:,} log entries in {elapsed:.1f} s; report: {out / 'replay.html'}"
    )
