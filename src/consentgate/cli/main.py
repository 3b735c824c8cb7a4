"""The ``consentgate`` entry point. Errors are caught here, once: a one-line message, exit 1."""

from __future__ import annotations

import sys

import typer

from consentgate.cli import db, demo, serve
from consentgate.errors import Error

app = typer.Typer(
    help="consentgate: partner access to personal data, only with consent, always logged.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(demo.app, name="demo")
app.command("serve")(serve.serve)


def main() -> None:
    try:
        app(standalone_mode=True)
    except Error as err:
        print(f"consentgate: error: {err.message}", file=sys.stderr)
        sys.exit(1)
