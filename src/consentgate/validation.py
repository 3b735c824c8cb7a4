"""What pydantic refused, said in one line: the one wording of validation errors.

The CLI, the settings and the JSON Lines import all report the first problem pydantic found as
``where: message``. Messages raised by our own validators come back from pydantic prefixed with
``Value error, ``; that prefix is dropped, so people read the message as it was written.
"""

from __future__ import annotations

from pydantic import ValidationError


def first_problem(err: ValidationError, *, skip: int = 0) -> tuple[tuple[str, ...], str]:
    """The location (as text, without its first ``skip`` parts) and message of the first error."""
    first = err.errors()[0]
    where = tuple(str(part) for part in first["loc"][skip:])
    return where, str(first["msg"]).removeprefix("Value error, ")


def describe(err: ValidationError, *, skip: int = 0, whole: str = "value") -> str:
    """``where: message`` for the first error; ``whole`` names the place when the error is about
    the value as a whole (no location)."""
    where, message = first_problem(err, skip=skip)
    return f"{'.'.join(where) or whole}: {message}"
