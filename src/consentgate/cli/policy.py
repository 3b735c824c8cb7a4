"""``consentgate explain`` and ``consentgate exposure``: why a request is decided as it is, and who
can reach whose data right now.

Both read the store once, loading only the keys they need (a partner, a person), so they answer
in well under a second on a full-size database. Bad input raises a consentgate ``Error``, which
``cli.main`` renders as one line and a non-zero exit.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.table import Table

from consentgate.cli.common import DatabaseOption, connect, console, print_json
from consentgate.errors import InvalidInput
from consentgate.policy.explain import RuleLine
from consentgate.services.decisions import MAX_LIMIT, DecisionService


def parse_at(value: str | None) -> datetime | None:
    """``--at``: an ISO 8601 date or date-time; without a zone it is UTC."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"--at {value!r} is not a date; use ISO 8601, e.g. 2017-03-01 or 2017-03-01T12:00:00Z"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _service(database: str | None) -> DecisionService:
    """Both commands only read: the database is not migrated."""
    return connect(database, migrate=False).decisions_at_rest()


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def explain(
    partner: Annotated[str, typer.Option(help="Partner id.")],
    person: Annotated[str, typer.Option(help="Person id.")],
    category: Annotated[str, typer.Option(help="profile, contacts, friends, messages, calendar.")],
    action: Annotated[str, typer.Option(help="read or write.")],
    purpose: Annotated[str, typer.Option(help="A registered purpose id.")],
    at: Annotated[
        str | None, typer.Option(help="Decide as of this ISO 8601 time (default now).")
    ] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Explain a decision: every rule, its outcome and its reason code."""
    when = parse_at(at)
    service = _service(database)
    service.load_keys(people=[person], partners=[partner])
    explanation = service.explain(partner, person, category, action, purpose, at=when)
    if json:
        print_json(explanation.as_dict())
        return
    verdict = "[green]ALLOW[/green]" if explanation.allowed else "[red]DENY[/red]"
    table = Table(
        title=f"{partner} → {person}: {category}.{action} for {purpose} at "
        f"{explanation.at.isoformat(timespec='seconds')} — {verdict}"
    )
    table.add_column("rule")
    table.add_column("outcome")
    table.add_column("reason code")
    table.add_column("from")
    for line in explanation.rules:
        table.add_row(line.rule, _mark(line), line.code, line.detail)
    console.print(table)
    if explanation.allowed:
        console.print(
            f"obligations: fields {', '.join(explanation.fields)}; "
            f"record scope {explanation.record_scope}; other people's consent applies"
        )


def _mark(line: RuleLine) -> str:
    """Whether a rule holds or fails; ``quota.unchecked`` does neither (nothing to count)."""
    if line.ok:
        return "[green]holds[/green]"
    return "[red]fails[/red]" if line.fails else "not checked"


def exposure(
    partner: Annotated[str | None, typer.Option(help="Partner id (with --category).")] = None,
    person: Annotated[str | None, typer.Option(help="Person id.")] = None,
    category: Annotated[str | None, typer.Option(help="Data category.")] = None,
    page: Annotated[int, typer.Option(help="Page of people, from 1.")] = 1,
    limit: Annotated[int, typer.Option(help=f"People per page (at most {MAX_LIMIT}).")] = 100,
    at: Annotated[str | None, typer.Option(help="As of this ISO 8601 time (default now).")] = None,
    json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    database: DatabaseOption = None,
) -> None:
    """Who can reach whose data now: --partner P --category C, or --person X."""
    if (partner is None) == (person is None):
        raise InvalidInput("give either --partner P --category C, or --person X")
    when = parse_at(at)
    service = _service(database)
    if person is not None:
        service.load_keys(people=[person], all_partners=True)
        found = service.exposure_of_person(person, category, at=when)
        if json:
            print_json({"person": person, "access": [asdict(a) for a in found]})
            return
        table = Table(title=f"who can reach {person}'s data now ({len(found)} ways)")
        for col in ("partner", "scope", "agreement", "grant", "until"):
            table.add_column(col)
        for a in found:
            table.add_row(
                a.partner_id,
                f"{a.category}.{a.action}:{a.purpose}",
                f"{a.agreement_id} v{a.agreement_version}",
                a.grant_id,
                _iso(min(a.grant_until, a.agreement_until)),
            )
        console.print(table)
        return
    if partner is None or category is None:
        raise InvalidInput("--partner needs --category")
    service.load_keys(partners=[partner])
    result = service.exposure_of_partner(partner, category, page=page, limit=limit, at=when)
    if json:
        print_json(
            {
                "partner": partner,
                "category": result.category,
                "total": result.total,
                "page": result.page,
                "limit": result.limit,
                "has_more": result.has_more,
                "people": list(result.person_ids),
            }
        )
        return
    console.print(
        f"{partner} can access the {result.category} of {result.total:,} people now; "
        f"page {result.page} ({len(result.person_ids)} shown"
        + (", more with --page)" if result.has_more else ")")
    )
    for person_id in result.person_ids:
        console.print(f"  {person_id}")
