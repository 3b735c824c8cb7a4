"""``consentgate bench NAME``: run a benchmark from the source tree's ``bench/`` folder.

Benchmarks live beside the package, not in it (they bring peers such as cedarpy and pycasbin from
the ``bench`` dependency group), so this command runs them from a checkout.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from consentgate.errors import InvalidInput, NotFound

app = typer.Typer(
    help="Benchmarks with their peers, side by side in one run.", no_args_is_help=True
)

BENCHMARKS = ("policy", "ledger", "api", "reports", "findings", "console")


def bench_dir() -> Path:
    """The checkout's ``bench/`` folder (the package is installed editable from the checkout)."""
    return Path(__file__).resolve().parents[3] / "bench"


def _run(name: str, args: list[str]) -> None:
    if name not in BENCHMARKS:
        raise InvalidInput(f"unknown benchmark {name!r} (known: {', '.join(BENCHMARKS)})")
    script = bench_dir() / f"{name}.py"
    if not script.is_file():
        raise NotFound(f"{script} not found: run benchmarks from a checkout of consentgate")
    result = subprocess.run([sys.executable, str(script), *args], check=False)  # noqa: S603 - our own script
    if result.returncode != 0:
        raise typer.Exit(result.returncode)


def _command(name: str) -> None:
    @app.command(
        name,
        help=f"Run bench/{name}.py; extra options go to it (see --help of the script).",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def command(
        ctx: typer.Context,
        json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    ) -> None:
        _run(name, (["--json"] if json else []) + list(ctx.args))


for _name in BENCHMARKS:
    _command(_name)
