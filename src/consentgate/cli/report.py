"""``consentgate report``: transparency, partner and person reports, and checking one.

A report is computed from the transparency log's entries up to its latest signed checkpoint,
states that checkpoint's size and root hash, and carries a C2SP signed note by the log's key over
its SHA-256 and the checkpoint. ``--out FILE`` writes JSON, CSV or HTML (from the extension, or
``--format``); without it the report goes to standard output (JSON unless ``--format``).

``verify FILE`` checks the signature, that the log signed that checkpoint (consistency with its
current one), and recomputes the report from the entries: the first figure that differs is named.
"""

from __future__ import annotations

import base64
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated

import httpx
import typer

from consentgate.cli.common import DatabaseOption, connect, progress_bar, settings_from
from consentgate.cli.log import (
    HttpLogSource,
    LogDatabaseOption,
    LogUrlOption,
    VkeyOption,
    _verifier,
)
from consentgate.cli.policy import parse_at
from consentgate.errors import InvalidInput, NotFound, Unavailable
from consentgate.services.reports.formats import ReportFile, format_of
from consentgate.services.reports.service import ReportService, recompute_from_log
from consentgate.services.reports.stream import EntryBatches, Progress, bundle_batches
from consentgate.services.reports.verify import verify_report
from consentgate.web.report_html import render

app = typer.Typer(
    help="Reports computed from the log and signed with its key; verify one.",
    no_args_is_help=True,
)

Out = Annotated[Path | None, typer.Option("--out", help="Write to FILE (.json, .csv or .html).")]
Format = Annotated[
    str | None, typer.Option("--format", help="json, csv or html (default: from --out, else json).")
]


def _write(signed: ReportFile, out: Path | None, fmt: str | None) -> None:
    chosen = format_of(str(out), fmt) if out is not None else format_of("", fmt or "json")
    data = render(signed, chosen)
    if out is None:
        sys.stdout.buffer.write(data)
        return
    try:
        out.write_bytes(data)
    except OSError as err:
        raise InvalidInput(f"cannot write {out}: {err.strerror}") from None
    report = signed.report
    print(f"wrote {out}: {report.kind} report at log size {report.log.size}", file=sys.stderr)


def _count(
    compute: Callable[[ReportService, Progress], ReportFile],
    out: Path | None,
    fmt: str | None,
    database: str | None,
) -> None:
    """Compute one signed report from the database's log (a progress bar on standard error
    while the entries are counted) and write it as ``--out``/``--format`` say."""
    reports = connect(database, migrate=False).reports()
    with progress_bar("counting") as bar:
        signed = compute(reports, bar)
    _write(signed, out, fmt)


def _moment(value: str) -> datetime:
    moment = parse_at(value)
    if moment is None:  # parse_at gives None only for no value, and Typer requires one
        raise InvalidInput("--from and --to are required")
    return moment


@app.command()
def transparency(
    start: Annotated[str, typer.Option("--from", help="Start of the period (ISO 8601, UTC).")],
    end: Annotated[str, typer.Option("--to", help="End of the period, excluded.")],
    out: Out = None,
    fmt: Format = None,
    database: DatabaseOption = None,
) -> None:
    """Per partner × category × action: allowed and denied, records returned and filtered,
    people reached; totals, revocations, deletions opened and confirmed."""
    begin, finish = _moment(start), _moment(end)
    if out is not None or fmt is not None:
        format_of(str(out or ""), fmt)  # a bad format fails before the log is read
    _count(lambda reports, bar: reports.transparency(begin, finish, bar), out, fmt, database)


@app.command()
def partner(
    partner_id: Annotated[str, typer.Option("--partner", help="The partner's id.")],
    out: Out = None,
    fmt: Format = None,
    database: DatabaseOption = None,
) -> None:
    """A record of processing for one partner (GDPR Art. 30 style)."""
    _count(lambda reports, bar: reports.partner(partner_id, bar), out, fmt, database)


@app.command()
def person(
    person_id: Annotated[str, typer.Option("--person", help="The person's id or handle.")],
    out: Out = None,
    fmt: Format = None,
    database: DatabaseOption = None,
) -> None:
    """Every recipient of one person's data (GDPR Art. 15(1)(c)); names nobody else."""
    _count(lambda reports, bar: reports.person(person_id, bar), out, fmt, database)


class HttpLog:
    """The log over HTTP (its URL prefix, e.g. https://host/log): checkpoint, proofs, bundles."""

    def __init__(self, url: str) -> None:
        self.source = HttpLogSource(url)

    def checkpoint_note(self) -> bytes:
        return self.source.checkpoint_note()

    def consistency(self, old: int, new: int) -> list[bytes]:
        url = f"{self.source.url}/proof/consistency"
        try:
            answer = self.source.client.get(url, params={"from": old, "to": new})
        except httpx.HTTPError as err:
            raise Unavailable(f"cannot fetch {url}: {err}") from None
        if answer.status_code == 404:
            raise NotFound(f"the log never signed a checkpoint of size {old}")
        if answer.status_code != 200:
            raise Unavailable(f"{url} answered {answer.status_code}")
        try:
            return [base64.b64decode(h, validate=True) for h in answer.json()["proof"]]
        except (ValueError, KeyError, TypeError):
            raise Unavailable(f"{url} answered something that is not a proof") from None

    @property
    def batches(self) -> EntryBatches:
        return bundle_batches(self.source.tile)


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="The report (JSON, CSV or HTML).")],
    url: LogUrlOption = None,
    database: LogDatabaseOption = None,
    vkey: VkeyOption = None,
) -> None:
    """Check the signature and the checkpoint, recompute from the log, name the first
    difference. Exits non-zero on any failure."""
    if url is not None and database is not None:
        raise InvalidInput("give at most one of --url and --database")
    try:
        data = file.read_bytes()
    except OSError as err:
        raise InvalidInput(f"cannot read {file}: {err.strerror}") from None
    verifier = _verifier(settings_from(database), vkey)
    with progress_bar("recomputing") as bar:
        if url is not None:
            log = HttpLog(url)
            report = verify_report(data, log, verifier, recompute_from_log(log.batches), bar)
            unchecked = sorted({"capabilities", "through_others"} & set(report.tables))
        else:
            report = connect(database, migrate=False).reports().verify(data, verifier, bar)
            unchecked = []
    root = report.log.as_json()["root"]
    print(f"ok: {report.kind} report matches the log at size {report.log.size}, root {root}")
    for name in unchecked:
        print(f"note: table {name} comes from the platform's database; give --database to check it")
