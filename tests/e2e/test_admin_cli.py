"""``consentgate partner|agreement|purpose|client|person`` as a shell runs them: real processes on a
temporary SQLite database, checked by exit code, output and what the store then holds."""

from __future__ import annotations

import pytest
from tests.shell import Shell

TERMS_TOML = """\
valid_from = 2026-01-01T00:00:00Z
valid_until = 2026-12-31T00:00:00+01:00
retention_days = 14

[[capabilities]]
category = "messages"
action = "read"
purpose = "music.share"
fields = ["id", "body"]
scope = "created_by_partner"
"""


@pytest.fixture(scope="module")
def shell(tmp_path_factory: pytest.TempPathFactory) -> Shell:
    folder = tmp_path_factory.mktemp("cli")
    return Shell(f"sqlite:///{folder / 'cli.db'}", folder)


def test_the_privacy_team_works_from_the_shell(shell: Shell) -> None:
    assert shell.json("partner", "create", "tunes", "--name", "Tunes", "--kind", "music") == {
        "id": "tunes",
        "name": "Tunes",
        "kind": "music",
        "status": "active",
    }
    shell.json(
        "purpose", "create", "music.share", "--description", "Share a song", "--data-use",
        "essential.service",
    )  # fmt: skip
    terms = shell.data_dir / "terms.toml"
    terms.write_text(TERMS_TOML)
    agreement = shell.json("agreement", "sign", "tunes", "--file", str(terms))
    assert agreement["version"] == 1
    assert agreement["valid_until"] == "2026-12-30T23:00:00Z"
    client = shell.json(
        "client", "create", "tunes", "--name", "Tunes app", "--redirect-uri",
        "https://tunes.example/cb",
    )  # fmt: skip
    suspended = shell.run("partner", "suspend", "tunes", "--reason", "shared messages")
    assert suspended.returncode == 0
    assert "suspended" in suspended.stdout

    services = shell.services()
    assert services.partners.get_partner("tunes").status == "suspended"
    assert services.partners.get_agreement(agreement["id"]).retention_days == 14
    assert services.clients.authenticate(client["client_id"], client["client_secret"]) is not None


def test_bad_input_is_one_line_and_writes_nothing(shell: Shell) -> None:
    assert "partner id 'Bad Id' must be" in shell.fails(
        "partner", "create", "Bad Id", "--name", "X", "--kind", "k"
    )
    shell.json("partner", "create", "maps", "--name", "Maps", "--kind", "maps")
    shell.json(
        "purpose", "create", "route.plan", "--description", "Plan a route", "--data-use",
        "essential.service",
    )  # fmt: skip
    assert shell.fails(
        "agreement", "sign", "maps", "--capability", "messages:read:route.plan:id",
        "--valid-from", "2026-01-01T00:00:00Z",
    ) == "agreement: valid_until: Field required"  # fmt: skip
    assert "ends" in shell.fails(
        "agreement", "sign", "maps", "--capability", "messages:read:route.plan:id",
        "--valid-from", "2026-06-01T00:00:00Z", "--valid-until", "2026-01-01T00:00:00Z",
    )  # fmt: skip
    assert "unknown category 'dna'" in shell.fails(
        "agreement", "sign", "maps", "--capability", "dna:read:route.plan:id",
        "--valid-from", "2026-01-01T00:00:00Z", "--valid-until", "2026-06-01T00:00:00Z",
    )  # fmt: skip
    assert shell.fails("partner", "show", "nope") == "unknown partner 'nope'"
    assert shell.services().partners.agreements_of("maps") == []


def test_people_are_imported_all_or_nothing(shell: Shell) -> None:
    good = shell.data_dir / "people.jsonl"
    good.write_text(
        '{"type": "person", "id": "p-ann", "handle": "ann", "display_name": "Ann"}\n'
        '{"type": "person", "id": "p-ben", "handle": "ben", "display_name": "Ben"}\n'
    )
    bad = shell.data_dir / "bad.jsonl"
    bad.write_text(
        '{"type": "person", "id": "p-cy", "handle": "cy", "display_name": "Cy"}\n'
        '{"type": "friendship", "person_id": "p-cy", "friend_id": "p-nobody", '
        '"since": "2026-01-01T00:00:00Z"}\n'
    )

    assert shell.fails("person", "import", str(bad)) == "line 2: unknown person 'p-nobody'"
    assert shell.json("person", "import", str(good))["counts"]["person"] == 2

    services = shell.services()
    assert services.people.get_person("p-ben").handle == "ben"
    assert "unknown person 'p-cy'" in shell.fails("person", "show", "p-cy")


def test_every_admin_group_explains_itself(shell: Shell) -> None:
    done = shell.run("--help")
    assert done.returncode == 0
    for group in ("partner", "agreement", "purpose", "client", "person"):
        assert group in done.stdout
