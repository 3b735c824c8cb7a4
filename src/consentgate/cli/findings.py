"""``consentgate findings``: evaluate every findings rule now and print the open findings.

The evaluation writes (findings are kept, unused scopes lapse, partners past their certification's
notice period are suspended), so the database is migrated first. A Rich progress bar counts the
steps on a terminal; ``--json`` prints exactly what ``GET /admin/findings`` answers.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from consentgate.api.findings_models import FindingOut, FindingsOut
from consentgate.cli.common import DatabaseOption, connect, console, err_console, print_json
from consentgate.cli.policy import parse_at
from consentgate.services.findings import STEPS, Evaluation


def findings(
    json: Annotated[
        bool, typer.Option("--json", help="Print JSON (as GET /admin/findings).")
    ] = False,
    at: Annotated[
        str | None, typer.Option(help="Evaluate as of this ISO 8601 time (default now).")
    ] = None,
    database: DatabaseOption = None,
) -> None:
    """Evaluate the findings rules and list the open findings, most severe first."""
    when = parse_at(at)
    services = connect(database, migrate=True)
    with Progress(
        TextColumn("findings: {task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=json,
    ) as bar:
        task = bar.add_task("partners", total=len(STEPS))

        def step(name: str) -> None:
            following = STEPS.index(name) + 1
            bar.update(
                task,
                advance=1,
                description=STEPS[following] if following < len(STEPS) else "done",
            )

        evaluation = services.findings.evaluate(when, progress=step)
    if json:
        body = FindingsOut(
            evaluated_at=evaluation.at, findings=[FindingOut.of(f) for f in evaluation.findings]
        )
        print_json(body.model_dump(mode="json"))
        return
    _print(evaluation)


def _print(evaluation: Evaluation) -> None:
    table = Table(title=f"open findings at {evaluation.at.isoformat(timespec='seconds')}")
    for name in ("severity", "rule", "partner", "summary", "id"):
        table.add_column(name, overflow="fold")
    for f in evaluation.findings:
        o = f.observation
        table.add_row(o.severity.value, o.rule.value, o.partner_id, o.summary, f.id)
    console.print(table)
    console.print(
        f"{len(evaluation.findings)} open finding(s); {evaluation.lapsed} scope(s) lapsed; "
        f"suspended: {', '.join(evaluation.suspended) or 'none'}; "
        f"{evaluation.seconds:.1f} s",
        highlight=False,
        markup=False,
    )
