"""Checks on untrusted JSON that a schema cannot express: nesting depth and NUL characters.

Both walk the input without recursion, so a document nested thousands of levels deep is refused
with a clear message instead of exhausting Python's stack (a ``RecursionError``, which would be an
internal error) in a parser, a validator or one of these checks.
"""

from __future__ import annotations

import re

#: The deepest nesting of arrays and objects any request may carry. The deepest real request
#: (an agreement's capability quota, an event's attendees) nests 4 levels.
MAX_JSON_DEPTH = 32

# A JSON string (escapes included) or a bracket: brackets inside strings are not structure.
_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)


def too_deep(text: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON text ``text`` nests arrays and objects more than ``limit`` levels deep.

    Reads the text, not a parsed value, so it can run before any parser; malformed text is left
    for the parser to refuse.
    """
    if text.count("[") + text.count("{") <= limit:
        return False
    depth = 0
    for token in _TOKENS.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > limit:
                return True
        elif bracket in "]}":
            depth -= 1
    return False


def has_nul(value: object) -> bool:
    """Whether any string in ``value`` (nested lists and dicts too) holds a NUL character.

    PostgreSQL cannot store NUL in text, so such input is refused up front rather than failing
    half-way through a write.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False
