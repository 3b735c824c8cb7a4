"""``consentgate staff`` as a shell runs it: real processes on a temporary SQLite database, the
password on standard input, checked by exit code, output and what the store then holds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.shell import Shell


class StaffShell(Shell):
    """``consentgate staff ...``; a command given no input reads an empty standard input."""

    group = ("staff",)
    stdin = ""


@pytest.fixture
def shell(tmp_path: Path) -> StaffShell:
    return StaffShell(f"sqlite:///{tmp_path / 'staff.db'}", tmp_path)


def test_create_list_disable_and_reset_a_staff_account(shell: Shell) -> None:
    made = shell.run("create", "--handle", "ines", "--role", "auditor", stdin="ines-pass-123\n")
    assert made.returncode == 0, made.stderr
    assert "created auditor ines" in made.stdout
    services = shell.services()
    assert services.staff.authenticate("ines", "ines-pass-123") is not None

    listed = json.loads(shell.run("list", "--json").stdout)
    assert [(m["handle"], m["role"], m["disabled_at"]) for m in listed] == [
        ("ines", "auditor", None)
    ]

    reset = shell.run("reset-password", "--handle", "ines", stdin="ines-pass-456\n")
    assert reset.returncode == 0, reset.stderr
    assert services.staff.authenticate("ines", "ines-pass-123") is None
    assert services.staff.authenticate("ines", "ines-pass-456") is not None

    assert shell.run("disable", "--handle", "ines").returncode == 0
    assert services.staff.authenticate("ines", "ines-pass-456") is None
    assert json.loads(shell.run("list", "--json").stdout)[0]["disabled_at"] is not None


def test_a_token_is_printed_once_and_only_its_hash_is_stored(shell: Shell) -> None:
    shell.run("create", "--handle", "olek", "--role", "admin", stdin="olek-pass-123\n")
    made = shell.run(
        "token", "create", "--handle", "olek", "--name", "ci", "--role", "auditor", "--json"
    )
    assert made.returncode == 0, made.stderr
    secret = json.loads(made.stdout)["token"]
    actor = shell.services().staff.authenticate_token(secret)
    assert actor is not None
    assert (actor.role.value, actor.name) == ("auditor", "olek/ci")
    db = Path(shell.url.removeprefix("sqlite:///")).read_bytes()
    assert secret.encode() not in db
    listed = json.loads(shell.run("token", "list", "--handle", "olek", "--json").stdout)
    assert "token" not in listed[0]


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("create", "--handle", "x1", "--role", "boss"), "pass-pass-1\n", "role must be"),
        (("create", "--handle", "Bad Handle", "--role", "admin"), "pass-pass-1\n", "handle"),
        (("create", "--handle", "short", "--role", "admin"), "short\n", "at least 8"),
        (("create", "--handle", "nopass", "--role", "admin"), "", "no password"),
        (("disable", "--handle", "nobody"), "", "no staff account"),
        (
            ("token", "create", "--handle", "nobody", "--name", "n", "--role", "auditor"),
            "",
            "no staff account",
        ),
        (
            ("token", "create", "--handle", "x", "--name", "n", "--role", "admin", "--days", "0"),
            "",
            "--days",
        ),
    ],
)
def test_bad_input_is_one_line_and_a_non_zero_exit(
    shell: Shell, args: tuple[str, ...], stdin: str, message: str
) -> None:
    done = shell.run(*args, stdin=stdin)
    assert done.returncode == 1
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert shell.services().staff.members() == []


def test_a_second_account_with_the_same_handle_is_refused(shell: Shell) -> None:
    assert (
        shell.run(
            "create", "--handle", "ines", "--role", "admin", stdin="ines-pass-123\n"
        ).returncode
        == 0
    )
    again = shell.run("create", "--handle", "ines", "--role", "auditor", stdin="ines-pass-123\n")
    assert again.returncode == 1
    assert "exists already" in again.stderr
    assert [m.role.value for m in shell.services().staff.members()] == ["admin"]
