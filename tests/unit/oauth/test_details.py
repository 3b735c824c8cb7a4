"""RFC 9396 authorization details of type consentgate_access, and plain scopes with a purpose."""

from __future__ import annotations

import json

import pytest

from consentgate.domain import Action, Category, GrantScope
from consentgate.domain.details import (
    InvalidDetails,
    dump_details,
    load_details,
    requested_scopes,
    scope_string,
)

MUSIC = GrantScope(Category.MESSAGES, Action.READ, "music.share")


def _details(**members: object) -> str:
    return json.dumps([{"type": "consentgate_access", **members}])


def test_each_category_and_action_of_an_object_is_asked_for_its_purpose() -> None:
    scopes = requested_scopes(
        _details(categories=["messages", "friends"], actions=["read"], purpose="music.share"),
        None,
        None,
    )
    assert scopes == {MUSIC, GrantScope(Category.FRIENDS, Action.READ, "music.share")}


def test_stored_details_round_trip() -> None:
    scopes = frozenset({MUSIC, GrantScope(Category.MESSAGES, Action.WRITE, "music.share")})
    assert load_details(dump_details(scopes)) == scopes
    assert scope_string(scopes) == "messages.read messages.write"


def test_a_scope_needs_a_purpose() -> None:
    assert requested_scopes(None, "messages.read", "music.share") == {MUSIC}
    with pytest.raises(InvalidDetails, match="purpose"):
        requested_scopes(None, "messages.read", None)


@pytest.mark.parametrize(
    ("details", "scope", "purpose", "message"),
    [
        (None, None, None, "say what is wanted"),
        (
            _details(categories=["messages"], actions=["read"], purpose="p1"),
            "messages.read",
            None,
            "not both",
        ),
        ("[", None, None, "not valid JSON"),
        ("{}", None, None, "non-empty JSON array"),
        ("[]", None, None, "non-empty JSON array"),
        ('["x"]', None, None, "JSON object"),
        (json.dumps([{"type": "payment_initiation"}]), None, None, "unsupported"),
        (
            _details(categories=["messages"], actions=["read"], purpose="p1", locations=["x"]),
            None,
            None,
            "unknown",
        ),
        (
            _details(categories=["diary"], actions=["read"], purpose="p1"),
            None,
            None,
            "unknown category",
        ),
        (
            _details(categories=["messages"], actions=["delete"], purpose="p1"),
            None,
            None,
            "unknown action",
        ),
        (_details(categories=[], actions=["read"], purpose="p1"), None, None, "non-empty list"),
        (_details(categories=["messages"], actions=["read"], purpose=7), None, None, "purpose"),
        (
            _details(categories=["messages"], actions=["read"], purpose="p" * 9000),
            None,
            None,
            "too long",
        ),
        (None, "messages", "p1", "category.action"),
        (None, "messages.delete", "p1", "unknown action"),
    ],
)
def test_malformed_requests_are_refused_with_a_reason(
    details: str | None, scope: str | None, purpose: str | None, message: str
) -> None:
    with pytest.raises(InvalidDetails, match=message):
        requested_scopes(details, scope, purpose)
