"""One vocabulary of reason codes (``consentgate.policy.reasons``), held on every path: the
engine's outcomes, deletion obligations, the data API's own check and the consent screen's
refusal name states with codes of the one table, and the same state with the same code."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest

import consentgate.policy
from consentgate.domain import Action, Agreement, Category, GrantScope, ObligationReason
from consentgate.errors import NotCovered
from consentgate.policy import reasons as r
from consentgate.services.grants import covering_agreement

from .world import NOW, OTHER_PURPOSE, PURPOSE, agreement, ask, world


def _documented() -> str:
    # Read from the source: a compiled module keeps no docstring.
    source = (Path(consentgate.policy.__file__).parent / "reasons.py").read_text()
    return ast.get_docstring(ast.parse(source)) or ""


def test_every_reason_code_is_in_the_one_table() -> None:
    table = _documented()
    for code in r.CODES:
        assert f"``{code}``" in table
    assert r.TOKEN_NOT_COVERED in r.CODES


def test_every_outcome_holds_or_fails_except_an_unchecked_quota() -> None:
    neither = [o.code for o in r.OUTCOMES.values() if o.ok == o.fails]
    assert neither == ["quota.unchecked"]
    assert not any(o.ok and o.fails for o in r.OUTCOMES.values())


def test_deletion_obligations_are_named_with_codes_of_the_table() -> None:
    assert {reason.value for reason in ObligationReason} <= r.CODES


FRIENDS = GrantScope(Category.FRIENDS, Action.READ, PURPOSE)
CONTACTS = GrantScope(Category.CONTACTS, Action.READ, PURPOSE)


@pytest.mark.parametrize(
    ("agreements", "code"),
    [
        ((), "agreement.none"),
        ((agreement(start=NOW - timedelta(days=400), days=365),), "agreement.expired"),
        ((agreement(ended_at=NOW - timedelta(days=1)),), "agreement.ended"),
        ((agreement(start=NOW + timedelta(days=1)),), "agreement.not_started"),
        ((agreement(categories=(Category.MESSAGES,)),), "agreement.not_covered"),
        ((agreement(purpose=OTHER_PURPOSE),), "agreement.not_covered"),
    ],
)
def test_the_consent_screen_names_an_agreement_as_the_engine_does(
    agreements: tuple[Agreement, ...], code: str
) -> None:
    # The engine, for the data API and ``explain``:
    assert world(agreements=agreements).decide(ask(), NOW).codes[1] == code
    # The consent screen (``/oauth/authorize`` and the grant it records), for the same request:
    with pytest.raises(NotCovered) as refused:
        covering_agreement(list(agreements), frozenset({CONTACTS}), NOW)
    assert refused.value.reasons == (code,)


def test_scopes_covered_one_by_one_but_not_by_one_version_are_not_covered() -> None:
    friends = agreement(categories=(Category.FRIENDS,))
    contacts = agreement(version=2, categories=(Category.CONTACTS,))
    with pytest.raises(NotCovered) as refused:
        covering_agreement([friends, contacts], frozenset({FRIENDS, CONTACTS}), NOW)
    assert refused.value.reasons == ("agreement.not_covered",)
    assert covering_agreement([friends, contacts], frozenset({FRIENDS}), NOW) is friends
