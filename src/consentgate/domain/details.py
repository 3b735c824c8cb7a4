"""What a partner asks for: RFC 9396 ``authorization_details`` of type ``consentgate_access``.

A partner names the data it wants as a JSON array of objects (RFC 9396 §2)::

    [{"type": "consentgate_access",
      "categories": ["messages"], "actions": ["read", "write"], "purpose": "music.share"}]

Each object asks for every (category, action) pair it lists, for its one purpose. Only the four
members above are allowed; anything else is refused rather than ignored, so a partner can never
believe it asked for a limit the server did not apply.

For clients that only speak plain OAuth, ``scope=messages.read friends.read`` is accepted together
with a ``purpose`` parameter (a scope alone says nothing about *why*, so it is refused).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from consentgate.domain.categories import parse_action, parse_category
from consentgate.domain.grants import GrantScope
from consentgate.errors import InvalidInput

#: The ``type`` of our authorization details (RFC 9396 §2), listed in the server metadata.
DETAILS_TYPE = "consentgate_access"
#: The members an authorization details object of our type may have.
_MEMBERS = frozenset({"type", "categories", "actions", "purpose"})
#: Bounds on what one request may carry: far above any real request, far below abuse.
_MAX_DETAILS_CHARS = 8192
_MAX_OBJECTS = 16
#: Deepest nesting a valid value has: the array, its objects, their lists of names.
_MAX_DEPTH = 3


class InvalidDetails(InvalidInput):
    """The requested authorization details are malformed (RFC 9396 §5 ``invalid_authorization_details``)."""

    code = "invalid-authorization-details"


def _names(obj: dict[str, Any], key: str) -> list[str]:
    value = obj.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise InvalidDetails(f"{key} must be a non-empty list of names")
    return list(value)


def _purpose(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidDetails("purpose must name a registered purpose")
    return value


def _nesting(text: str) -> int:
    """How deeply the JSON arrays and objects in ``text`` nest (brackets inside strings skipped).

    Checked before parsing: ``json.loads`` recurses once per level, and a few thousand
    characters of ``[`` raise ``RecursionError`` rather than ``ValueError``.
    """
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def parse_details(text: str) -> frozenset[GrantScope]:
    """The scopes a JSON ``authorization_details`` value asks for (RFC 9396 §2)."""
    if len(text) > _MAX_DETAILS_CHARS:
        raise InvalidDetails("authorization_details is too long")
    if _nesting(text) > _MAX_DEPTH:
        raise InvalidDetails(
            f"authorization_details nests deeper than {_MAX_DEPTH} levels (an array of objects "
            "holding lists of names)"
        )
    try:
        parsed = json.loads(text)
    except ValueError:
        raise InvalidDetails("authorization_details is not valid JSON") from None
    if not isinstance(parsed, list) or not parsed:
        raise InvalidDetails("authorization_details must be a non-empty JSON array")
    if len(parsed) > _MAX_OBJECTS:
        raise InvalidDetails(f"authorization_details may hold at most {_MAX_OBJECTS} objects")
    scopes: set[GrantScope] = set()
    for obj in parsed:
        if not isinstance(obj, dict):
            raise InvalidDetails("each authorization_details entry must be a JSON object")
        if obj.get("type") != DETAILS_TYPE:
            raise InvalidDetails(f"unsupported authorization_details type; use {DETAILS_TYPE}")
        unknown = sorted(set(obj) - _MEMBERS)
        if unknown:
            raise InvalidDetails(f"unknown authorization_details members: {', '.join(unknown)}")
        purpose = _purpose(obj.get("purpose"))
        try:
            categories = [parse_category(c) for c in _names(obj, "categories")]
            actions = [parse_action(a) for a in _names(obj, "actions")]
        except InvalidDetails:
            raise
        except InvalidInput as err:
            raise InvalidDetails(err.message) from None
        scopes.update(GrantScope(c, a, purpose) for c in categories for a in actions)
    return frozenset(scopes)


def parse_scope(scope: str, purpose: str | None) -> frozenset[GrantScope]:
    """The scopes a plain ``scope`` (``category.action`` words) asks for, for ``purpose``."""
    if purpose is None or not purpose.strip():
        raise InvalidDetails("a scope needs a purpose parameter naming why the data is wanted")
    words = scope.split()
    if not words or len(words) > 32:
        raise InvalidDetails("scope must list between 1 and 32 category.action words")
    scopes = set()
    for word in words:
        category, dot, action = word.partition(".")
        if not dot:
            raise InvalidDetails(f"scope {word} is not of the form category.action")
        try:
            scopes.add(GrantScope(parse_category(category), parse_action(action), purpose))
        except InvalidInput as err:
            raise InvalidDetails(err.message) from None
    return frozenset(scopes)


def requested_scopes(
    authorization_details: str | None, scope: str | None, purpose: str | None
) -> frozenset[GrantScope]:
    """What an authorization request asks for: details, or a scope with a purpose; not both."""
    if authorization_details and (scope or purpose):
        raise InvalidDetails("send either authorization_details or scope with purpose, not both")
    if authorization_details:
        return parse_details(authorization_details)
    if scope:
        return parse_scope(scope, purpose)
    raise InvalidDetails("say what is wanted: authorization_details, or scope with purpose")


def to_details(scopes: frozenset[GrantScope]) -> list[dict[str, Any]]:
    """The canonical authorization details of ``scopes``: one object per scope, sorted."""
    return [
        {
            "type": DETAILS_TYPE,
            "categories": [s.category.value],
            "actions": [s.action.value],
            "purpose": s.purpose,
        }
        for s in sorted(scopes)
    ]


def dump_details(scopes: frozenset[GrantScope]) -> str:
    """``to_details`` as compact JSON, the form codes and tokens store."""
    return json.dumps(to_details(scopes), separators=(",", ":"), sort_keys=True)


@lru_cache(maxsize=4096)
def load_details(text: str) -> frozenset[GrantScope]:
    """The scopes of stored (canonical) details. Cached by the text itself (a pure function of an
    immutable string), so a token's row is still read on every call and nothing can go stale."""
    return parse_details(text)


def scope_string(scopes: frozenset[GrantScope]) -> str:
    """The plain OAuth ``scope`` of ``scopes`` (RFC 6749 §3.3): ``category.action`` words."""
    return " ".join(sorted({f"{s.category.value}.{s.action.value}" for s in scopes}))
