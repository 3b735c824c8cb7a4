"""``consentgate explain`` and ``consentgate exposure`` on a real store."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from consentgate.cli import policy
from consentgate.domain import Action, Category, GrantScope
from consentgate.errors import InvalidInput, NotFound
from consentgate.services.wiring import Services
from consentgate.testing import FrozenClock

PURPOSE = "contacts.sync"

app = typer.Typer()
app.command("explain")(policy.explain)
app.command("exposure")(policy.exposure)


@pytest.fixture
def world(device_maker: Services, database_url: str) -> str:
    """The device maker's world with alice's grant, in the database the CLI opens."""
    device_maker.grants.record_grant(
        "p-alice",
        "device-maker",
        frozenset({GrantScope(Category.CONTACTS, Action.READ, PURPOSE)}),
        receipt_text="…",
    )
    return database_url


def run(*args: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output, result.exception


EXPLAIN = ["explain", "--partner", "device-maker", "--person", "p-alice", "--category", "contacts",
           "--action", "read", "--purpose", PURPOSE]  # fmt: skip


def test_explain_prints_every_rule_as_json(world: str, clock: FrozenClock) -> None:
    code, out, _ = run(*EXPLAIN, "--at", clock.now.isoformat(), "--json", "--database", world)
    assert code == 0
    doc = json.loads(out)
    assert doc["allowed"] is True
    assert [r["rule"] for r in doc["rules"]] == [
        "partner", "agreement", "grant", "purpose", "settings", "quota"
    ]  # fmt: skip


def test_explain_in_2010_shows_the_agreement_not_started(world: str) -> None:
    code, out, _ = run(*EXPLAIN, "--at", "2010-06-01", "--database", world)
    assert code == 0
    assert "agreement.not_started" in out
    assert "DENY" in out
    code, out, _ = run(*EXPLAIN, "--at", "2010-06-01", "--json", "--database", world)
    doc = json.loads(out)
    assert doc["reason"] == "agreement.not_started"
    # No capability in force, so no quota to count: the rule neither holds nor fails.
    assert {k: doc["rules"][-1][k] for k in ("code", "ok", "fails")} == {
        "code": "quota.unchecked",
        "ok": False,
        "fails": False,
    }


def test_a_date_in_the_wrong_format_is_an_error_not_an_allow(world: str) -> None:
    code, _, err = run(*EXPLAIN, "--at", "01/06/2010", "--database", world)
    assert code != 0
    assert isinstance(err, InvalidInput)


def test_an_unknown_person_is_an_error(world: str) -> None:
    args = [a if a != "p-alice" else "p-nobody" for a in EXPLAIN]
    code, _, err = run(*args, "--database", world)
    assert code != 0
    assert isinstance(err, NotFound)


def test_exposure_of_a_partner_and_of_a_person(world: str, clock: FrozenClock) -> None:
    at = clock.now.isoformat()
    code, out, _ = run("exposure", "--partner", "device-maker", "--category", "contacts",
                       "--at", at, "--json", "--database", world)  # fmt: skip
    assert code == 0
    assert json.loads(out)["total"] == 1
    code, out, _ = run("exposure", "--person", "p-alice", "--at", at, "--json", "--database", world)
    assert code == 0
    assert [a["partner_id"] for a in json.loads(out)["access"]] == ["device-maker"]


def test_exposure_needs_exactly_one_of_partner_and_person(world: str) -> None:
    code, _, err = run("exposure", "--database", world)
    assert code != 0
    assert isinstance(err, InvalidInput)
