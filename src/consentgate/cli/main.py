"""The ``consentgate`` entry point. Errors are caught here, once (by :func:`common.run`): a
one-line message, exit 1."""

from __future__ import annotations

import typer

from consentgate.cli import admin, bench, db, demo, findings, policy, report, serve, staff
from consentgate.cli import log as log_cli
from consentgate.cli.common import run

app = typer.Typer(
    help="consentgate: partner access to personal data, only with consent, always logged.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(demo.app, name="demo")
app.add_typer(admin.partner_app, name="partner")
app.add_typer(admin.agreement_app, name="agreement")
app.add_typer(admin.purpose_app, name="purpose")
app.add_typer(admin.client_app, name="client")
app.add_typer(admin.person_app, name="person")
app.add_typer(log_cli.app, name="log")
app.add_typer(staff.app, name="staff")
app.add_typer(bench.app, name="bench")
app.add_typer(report.app, name="report")
app.command("serve")(serve.serve)
app.command("explain")(policy.explain)
app.command("exposure")(policy.exposure)
app.command("findings")(findings.findings)


def main() -> None:
    run(app, "consentgate")
