"""Data categories and actions (DESIGN.md: Category, Action)."""

from __future__ import annotations

from enum import StrEnum

from consentgate.errors import InvalidInput


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


def parse_category(value: str) -> Category:
    """The category named ``value``, or :class:`InvalidInput` listing the known ones."""
    try:
        return Category(value)
    except ValueError:
        known = ", ".join(c.value for c in Category)
        raise InvalidInput(f"unknown category {value!r} (known: {known})") from None


def parse_action(value: str) -> Action:
    """The action named ``value``, or :class:`InvalidInput` listing the known ones."""
    try:
        return Action(value)
    except ValueError:
        known = ", ".join(a.value for a in Action)
        raise InvalidInput(f"unknown action {value!r} (known: {known})") from None
