"""Data categories and actions (DESIGN.md: Category, Action)."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from consentgate.errors import InvalidInput

#: An enumeration of named values, as :func:`parse_enum` reads them.
_Named = TypeVar("_Named", bound=StrEnum)


class Category(StrEnum):
    """A kind of personal data a partner may ask for."""

    PROFILE = "profile"
    CONTACTS = "contacts"
    FRIENDS = "friends"
    MESSAGES = "messages"
    CALENDAR = "calendar"


class Action(StrEnum):
    """What a partner does with a category: ``read`` it, or ``write`` into it on the person's behalf."""

    READ = "read"
    WRITE = "write"


def parse_enum(kind: type[_Named], value: str, noun: str) -> _Named:
    """The member of ``kind`` named ``value``, or :class:`InvalidInput` naming the ``noun`` and
    listing the known values (one message for every enumerated input: categories, actions, …)."""
    try:
        return kind(value)
    except ValueError:
        known = ", ".join(member.value for member in kind)
        raise InvalidInput(f"unknown {noun} {value!r} (known: {known})") from None


def parse_category(value: str) -> Category:
    """The category named ``value``, or :class:`InvalidInput` listing the known ones."""
    return parse_enum(Category, value, "category")


def parse_action(value: str) -> Action:
    """The action named ``value``, or :class:`InvalidInput` listing the known ones."""
    return parse_enum(Action, value, "action")
