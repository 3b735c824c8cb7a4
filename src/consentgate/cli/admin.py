"""``consentgate partner|agreement|purpose|client|person``: the admin operations from a shell.

The same use cases as the admin API (``/admin/…``), straight on the database named by
``--database`` or ``CONSENTGATE_DATABASE_URL`` (migrated first). Commands that print data take
``--json`` and then print exactly the API's JSON for the same object.
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, ValidationError

from consentgate.api.admin_models import (
    AgreementIn,
    AgreementOut,
    ClientOut,
    ImportOut,
    IssuedClientOut,
    ObligationOut,
    PartnerOut,
    PersonOut,
    PurposeOut,
)
from consentgate.cli.common import DatabaseOption, connect, print_json, say
from consentgate.domain import PartnerStatus
from consentgate.errors import InvalidInput
from consentgate.services.wiring import Services
from consentgate.validation import describe

partner_app = typer.Typer(help="Partners: register, list, show, suspend, terminate, reinstate.")
agreement_app = typer.Typer(help="Agreement versions: sign, list, show, end.")
purpose_app = typer.Typer(help="Purposes people read on the consent screen: create, list.")
client_app = typer.Typer(help="Partners' OAuth clients: create, rotate the secret.")
person_app = typer.Typer(help="People of the built-in data source: create, show, import.")
for _group in (partner_app, agreement_app, purpose_app, client_app, person_app):
    _group.info.no_args_is_help = True

Json = Annotated[bool, typer.Option("--json", help="Print JSON (as the admin API answers).")]
Reason = Annotated[str, typer.Option("--reason", help="Why; kept in the partner's history.")]


def _services(database: str | None) -> Services:
    """The admin commands write, so the database is migrated first."""
    return connect(database, migrate=True)


def _show(data: BaseModel | list[Any], as_json: bool, text: str | None = None) -> None:
    if as_json:
        dumped = (
            [m.model_dump(mode="json") for m in data]
            if isinstance(data, list)
            else data.model_dump(mode="json")
        )
        print_json(dumped)
    elif text is not None:
        say(text)


# --- partner --------------------------------------------------------------------------------------
@partner_app.command("create")
def partner_create(
    partner_id: Annotated[str, typer.Argument(help="Short id: a-z, 0-9, '-'.")],
    name: Annotated[str, typer.Option(help="The company's name.")],
    kind: Annotated[str, typer.Option(help="What kind of partner (descriptive only).")],
    database: DatabaseOption = None,
    as_json: Json = False,
) -> None:
    """Register a partner (active, no agreement yet)."""
    p = PartnerOut.of(_services(database).partners.register_partner(partner_id, name, kind))
    _show(p, as_json, f"partner {p.id} registered ({p.status})")


@partner_app.command("list")
def partner_list(database: DatabaseOption = None, as_json: Json = False) -> None:
    """Every partner with its status."""
    found = [PartnerOut.of(p) for p in _services(database).partners.list_partners()]
    _show(found, as_json, "\n".join(f"{p.id}\t{p.status}\t{p.name}" for p in found) or "none")


@partner_app.command("show")
def partner_show(partner_id: str, database: DatabaseOption = None, as_json: Json = False) -> None:
    """A partner, its agreement versions and its open deletion obligations."""
    services = _services(database)
    p = PartnerOut.of(services.partners.get_partner(partner_id))
    agreements = [AgreementOut.of(a) for a in services.partners.agreements_of(partner_id)]
    open_ = services.grants.obligations_of_partner(partner_id, open_only=True)
    if as_json:
        print_json(
            p.model_dump(mode="json")
            | {"agreements": [a.model_dump(mode="json") for a in agreements]}
            | {"open_obligations": [ObligationOut.of(o).model_dump(mode="json") for o in open_]}
        )
        return
    lines = [f"{p.id}: {p.name} ({p.kind}), {p.status}"]
    lines += [_agreement_line(a) for a in agreements]
    lines.append(f"open deletion obligations: {len(open_)}")
    say("\n".join(lines))


def _status(
    partner_id: str, status: PartnerStatus, reason: str, database: str | None, as_json: bool
) -> None:
    p = PartnerOut.of(_services(database).partners.set_status(partner_id, status, reason))
    _show(p, as_json, f"partner {p.id} is now {p.status}")


@partner_app.command("suspend")
def partner_suspend(
    partner_id: str, reason: Reason, database: DatabaseOption = None, as_json: Json = False
) -> None:
    """Suspend: every grant is revoked and deletion obligations are opened."""
    _status(partner_id, PartnerStatus.SUSPENDED, reason, database, as_json)


@partner_app.command("terminate")
def partner_terminate(
    partner_id: str, reason: Reason, database: DatabaseOption = None, as_json: Json = False
) -> None:
    """Terminate for good (grants revoked, obligations opened; cannot be undone)."""
    _status(partner_id, PartnerStatus.TERMINATED, reason, database, as_json)


@partner_app.command("reinstate")
def partner_reinstate(
    partner_id: str, reason: Reason, database: DatabaseOption = None, as_json: Json = False
) -> None:
    """Make a suspended partner active again (revoked grants stay revoked)."""
    _status(partner_id, PartnerStatus.ACTIVE, reason, database, as_json)


# --- agreement ------------------------------------------------------------------------------------
def _agreement_line(a: AgreementOut) -> str:
    caps = ", ".join(f"{c.category}.{c.action}:{c.purpose}" for c in a.capabilities)
    ended = f", ended {a.ended_at.isoformat()}" if a.ended_at else ""
    return (
        f"{a.id} v{a.version} {a.valid_from.isoformat()} .. {a.valid_until.isoformat()}"
        f"{ended} [{caps}]"
    )


def _capability(spec: str) -> dict[str, Any]:
    parts = spec.split(":")
    if len(parts) not in (4, 5) or not all(parts):
        raise InvalidInput(
            f"--capability {spec!r}: expected CATEGORY:ACTION:PURPOSE:FIELD[,FIELD…][:SCOPE]"
        )
    cap: dict[str, Any] = {
        "category": parts[0],
        "action": parts[1],
        "purpose": parts[2],
        "fields": [f for f in parts[3].split(",") if f],
    }
    if len(parts) == 5:
        cap["scope"] = parts[4]
    return cap


def _terms(path: Path) -> dict[str, Any]:
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInput(f"cannot read {path}: {err}") from None
    try:
        data = tomllib.loads(raw) if path.suffix == ".toml" else json.loads(raw)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as err:
        raise InvalidInput(
            f"{path}: not valid {path.suffix.lstrip('.') or 'JSON'}: {err}"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(f"{path}: expected an object with the agreement's terms")
    return data


def parse_agreement(data: dict[str, Any], where: str) -> AgreementIn:
    """Agreement terms from a loaded file or from flags, checked exactly as the API checks them."""
    try:
        return AgreementIn.model_validate(data)
    except ValidationError as err:
        raise InvalidInput(f"{where}: {describe(err, whole='terms')}") from None


@agreement_app.command("sign")
def agreement_sign(
    partner_id: Annotated[str, typer.Argument(help="The partner signing.")],
    file: Annotated[
        Path | None, typer.Option("--file", help="The terms as JSON or TOML (as the API body).")
    ] = None,
    capability: Annotated[
        list[str] | None,
        typer.Option(
            "--capability", help="CATEGORY:ACTION:PURPOSE:FIELD[,FIELD…][:SCOPE] (repeatable)."
        ),
    ] = None,
    valid_from: Annotated[str | None, typer.Option(help="ISO 8601 with a time zone.")] = None,
    valid_until: Annotated[
        str | None, typer.Option(help="ISO 8601 with a time zone (required).")
    ] = None,
    retention_days: Annotated[int | None, typer.Option(help="Days to delete data in.")] = None,
    database: DatabaseOption = None,
    as_json: Json = False,
) -> None:
    """Sign the partner's next agreement version, from a file or from flags (flags win)."""
    data = _terms(file) if file is not None else {}
    if capability:
        data["capabilities"] = [_capability(c) for c in capability]
    flags = {"valid_from": valid_from, "valid_until": valid_until, "retention_days": retention_days}
    data |= {k: v for k, v in flags.items() if v is not None}
    terms = parse_agreement(data, str(file) if file is not None else "agreement")
    agreement = _services(database).partners.sign_agreement(
        partner_id,
        terms.domain_capabilities(),
        valid_from=terms.valid_from,
        valid_until=terms.valid_until,
        retention_days=terms.retention_days,
    )
    a = AgreementOut.of(agreement)
    _show(a, as_json, "signed " + _agreement_line(a))


@agreement_app.command("list")
def agreement_list(partner_id: str, database: DatabaseOption = None, as_json: Json = False) -> None:
    """Every agreement version of a partner, oldest first."""
    found = [AgreementOut.of(a) for a in _services(database).partners.agreements_of(partner_id)]
    _show(found, as_json, "\n".join(_agreement_line(a) for a in found) or "none")


@agreement_app.command("show")
def agreement_show(
    agreement_id: str, database: DatabaseOption = None, as_json: Json = False
) -> None:
    """One agreement version with its capabilities."""
    a = AgreementOut.of(_services(database).partners.get_agreement(agreement_id))
    _show(a, as_json, _agreement_line(a))


@agreement_app.command("end")
def agreement_end(
    agreement_id: str, database: DatabaseOption = None, as_json: Json = False
) -> None:
    """End an agreement now: its grants are revoked and deletion obligations opened."""
    a = AgreementOut.of(_services(database).partners.end_agreement(agreement_id))
    _show(a, as_json, "ended " + _agreement_line(a))


# --- purpose --------------------------------------------------------------------------------------
@purpose_app.command("create")
def purpose_create(
    purpose_id: str,
    description: Annotated[str, typer.Option(help="What people read on the consent screen.")],
    data_use: Annotated[str, typer.Option(help="fideslang data use, e.g. essential.service.")],
    database: DatabaseOption = None,
    as_json: Json = False,
) -> None:
    """Register a purpose."""
    p = _services(database).partners.register_purpose(purpose_id, description, data_use)
    _show(PurposeOut.of(p), as_json, f"purpose {p.id} registered")


@purpose_app.command("list")
def purpose_list(database: DatabaseOption = None, as_json: Json = False) -> None:
    """Every purpose."""
    found = [PurposeOut.of(p) for p in _services(database).partners.list_purposes()]
    _show(
        found, as_json, "\n".join(f"{p.id}\t{p.data_use}\t{p.description}" for p in found) or "none"
    )


# --- client ---------------------------------------------------------------------------------------
def _issued(c: IssuedClientOut, as_json: bool, verb: str) -> None:
    _show(
        c,
        as_json,
        f"client {c.client_id} {verb} for {c.partner_id}\n"
        f"secret (shown once, store it now): {c.client_secret}",
    )


@client_app.command("create")
def client_create(
    partner_id: str,
    name: Annotated[str, typer.Option(help="The client's name, shown on the consent screen.")],
    redirect_uri: Annotated[
        list[str], typer.Option("--redirect-uri", help="Exact redirect URI (repeatable).")
    ],
    database: DatabaseOption = None,
    as_json: Json = False,
) -> None:
    """Create an OAuth client; its secret is printed once."""
    issued = _services(database).clients.create_client(partner_id, name, list(redirect_uri))
    _issued(IssuedClientOut.issued(issued), as_json, "created")


@client_app.command("show")
def client_show(client_id: str, database: DatabaseOption = None, as_json: Json = False) -> None:
    """A client (never its secret)."""
    c = ClientOut.of(_services(database).clients.get_client(client_id))
    _show(c, as_json, f"{c.client_id} of {c.partner_id}: {c.name} {' '.join(c.redirect_uris)}")


@client_app.command("rotate-secret")
def client_rotate(client_id: str, database: DatabaseOption = None, as_json: Json = False) -> None:
    """A new secret, printed once; the old one stops working at once."""
    issued = _services(database).clients.rotate_secret(client_id)
    _issued(IssuedClientOut.issued(issued), as_json, "rotated")


# --- person ---------------------------------------------------------------------------------------
@person_app.command("create")
def person_create(
    handle: str,
    name: Annotated[str, typer.Option(help="Display name.")],
    person_id: Annotated[str | None, typer.Option("--id", help="Id (default: generated).")] = None,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read a sign-in password from stdin.")
    ] = False,
    city: Annotated[str | None, typer.Option(help="City (profile field).")] = None,
    birth_year: Annotated[int | None, typer.Option(help="Birth year (profile field).")] = None,
    database: DatabaseOption = None,
    as_json: Json = False,
) -> None:
    """Register a person (every sharing switch off)."""
    password = sys.stdin.readline().rstrip("\r\n") if password_stdin else None
    person = _services(database).people.register_person(
        handle, name, password=password, person_id=person_id, city=city, birth_year=birth_year
    )
    _show(PersonOut.of(person), as_json, f"person {person.id} ({person.handle}) registered")


@person_app.command("show")
def person_show(person_id: str, database: DatabaseOption = None, as_json: Json = False) -> None:
    """A person and their privacy settings."""
    services = _services(database)
    p = PersonOut.of(services.people.get_person(person_id))
    s = services.people.get_settings(person_id)
    settings = {
        "share_with_partners": s.share_with_partners,
        "categories": sorted(c.value for c in s.categories),
        "via_others": sorted(c.value for c in s.via_others),
    }
    if as_json:
        print_json(p.model_dump(mode="json") | {"settings": settings})
        return
    say(f"{p.id}: {p.handle} ({p.display_name}) {settings}")


@person_app.command("import")
def person_import(
    file: Annotated[
        Path, typer.Argument(help="JSON Lines: person, contact, friendship, thread, …")
    ],
    database: DatabaseOption = None,
    as_json: Json = False,
) -> None:
    """Import reference data: every line is checked first, then all of it is written, or none."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as err:
        raise InvalidInput(f"cannot read {file}: {err}") from None
    services = _services(database)
    report = services.imports.import_jsonl(text)
    out = ImportOut(counts=report.counts, total=report.total)
    counts = ", ".join(f"{n} {t}" for t, n in report.counts.items() if n)
    _show(out, as_json, f"imported {counts}")
