"""``consentgate staff``: staff accounts (``admin`` or ``auditor``) and their API tokens.

Passwords are prompted (twice, hidden) on a terminal, or read as the first line of standard
input otherwise (``printf '%s\\n' "$PASSWORD" | consentgate staff create …``); never taken as
an argument, where other users of the machine could read them.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import Annotated

import typer

from consentgate.cli.common import DatabaseOption, connect, print_json, say
from consentgate.domain.staff import ApiToken, Role, StaffMember, parse_role
from consentgate.errors import InvalidInput
from consentgate.services.staff import MAX_TOKEN_DAYS
from consentgate.services.wiring import Services

app = typer.Typer(
    help="Staff accounts: create, list, disable, reset-password; API tokens.",
    no_args_is_help=True,
)
token_app = typer.Typer(help="Named API tokens of a staff account: create, list.")
token_app.info.no_args_is_help = True
app.add_typer(token_app, name="token")

Handle = Annotated[str, typer.Option("--handle", help="The staff member's handle.")]
Json = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def _services(database: str | None) -> Services:
    return connect(database, migrate=True)


def read_password() -> str:
    """The new password: prompted twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))
    line = sys.stdin.readline()
    password = line.removesuffix("\n").removesuffix("\r")
    if not password:
        raise InvalidInput("no password on standard input (one line expected)")
    return password


def _json_value(value: object) -> object:
    """A field as JSON: a role by its value, a time in ISO 8601, anything else (None too) as is."""
    if isinstance(value, Role):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _member_json(member: StaffMember) -> dict[str, object]:
    fields = ("id", "handle", "role", "created_at", "disabled_at")
    return {name: _json_value(getattr(member, name)) for name in fields}


def _token_json(token: ApiToken) -> dict[str, object]:
    """A token as JSON: its secret is never kept, and its owner is the member being listed."""
    fields = ("id", "name", "role", "created_at", "expires_at", "revoked_at")
    return {name: _json_value(getattr(token, name)) for name in fields}


@app.command("create")
def create(
    handle: Handle,
    role: Annotated[str, typer.Option("--role", help="admin or auditor.")],
    database: DatabaseOption = None,
    as_json: Json = False,
) -> None:
    """Create a staff account; the password is prompted (or read from stdin)."""
    parsed = parse_role(role)
    password = read_password()
    member = _services(database).staff.create(handle, parsed, password)
    if as_json:
        print_json(_member_json(member))
    else:
        say(f"created {member.role} {member.handle}")


@app.command("list")
def list_staff(database: DatabaseOption = None, as_json: Json = False) -> None:
    """Every staff account, its role and whether it is disabled."""
    members = _services(database).staff.members()
    if as_json:
        print_json([_member_json(m) for m in members])
        return
    for m in members:
        state = f"disabled {m.disabled_at:%Y-%m-%d %H:%M}" if m.disabled_at else "active"
        say(f"{m.handle}\t{m.role}\t{state}")


@app.command("disable")
def disable(handle: Handle, database: DatabaseOption = None) -> None:
    """Disable an account: its console sessions and API tokens stop working at once."""
    member = _services(database).staff.disable(handle)
    say(f"disabled {member.handle}")


@app.command("reset-password")
def reset_password(handle: Handle, database: DatabaseOption = None) -> None:
    """Set a new password (prompted, or from stdin); the account's sessions end."""
    services = _services(database)
    services.staff.by_handle(handle)  # an unknown handle fails before the prompt
    member = services.staff.reset_password(handle, read_password())
    say(f"new password set for {member.handle}; their sessions ended")


@token_app.command("create")
def token_create(
    handle: Handle,
    name: Annotated[str, typer.Option("--name", help="A label for the token.")],
    role: Annotated[str, typer.Option("--role", help="admin or auditor (at most the owner's).")],
    days: Annotated[
        int, typer.Option("--days", help=f"Days until it expires (1-{MAX_TOKEN_DAYS}).")
    ] = 30,
    database: DatabaseOption = None,
    as_json: Json = False,
) -> None:
    """Create a named API token for the admin API; the token is printed once, store it now."""
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(f"--days must be between 1 and {MAX_TOKEN_DAYS}")
    services = _services(database)
    member = services.staff.by_handle(handle)
    if not member.active:
        raise InvalidInput(f"{handle} is disabled")
    expires = services.clock() + timedelta(days=days)
    issued = services.staff.create_token(member, name, parse_role(role), expires)
    if as_json:
        print_json({**_token_json(issued.token), "token": issued.secret})
        return
    say(issued.secret)
    say(f"({issued.token.role} token {name!r} of {handle}, expires {expires:%Y-%m-%d})")


@token_app.command("list")
def token_list(handle: Handle, database: DatabaseOption = None, as_json: Json = False) -> None:
    """The API tokens of an account (never their secrets)."""
    services = _services(database)
    tokens = services.staff.tokens_of(services.staff.by_handle(handle))
    if as_json:
        print_json([_token_json(t) for t in tokens])
        return
    for t in tokens:
        state = "revoked" if t.revoked_at else f"expires {t.expires_at:%Y-%m-%d}"
        say(f"{t.id}\t{t.name}\t{t.role}\t{state}")
