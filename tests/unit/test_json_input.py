"""The JSON checks that run before any parser: nesting depth on raw text, NUL without recursion."""

from __future__ import annotations

import json

from consentgate.services.json_input import MAX_JSON_DEPTH, has_nul, too_deep


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_depth_counts_arrays_and_objects_up_to_the_limit() -> None:
    assert not too_deep(nested(MAX_JSON_DEPTH))
    assert too_deep(nested(MAX_JSON_DEPTH + 1))
    assert too_deep('{"a": ' * 600 + "1" + "}" * 600)
    assert not too_deep(json.dumps({"capabilities": [{"quota": {"max_requests": 1}}]}))


def test_brackets_inside_strings_are_not_structure() -> None:
    text = json.dumps({"body": "[" * 1000, "escaped": '\\"[[[' * 100})
    assert not too_deep(text)


def test_nul_is_found_however_deep_it_hides() -> None:
    value: object = "fine"
    for _ in range(100_000):  # far beyond Python's recursion limit
        value = [value]
    assert not has_nul(value)
    assert has_nul({"a": [{"b": ["x\x00y"]}]})
    assert has_nul({"k\x00": 1})
