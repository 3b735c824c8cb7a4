"""People and their privacy settings (DESIGN.md: Person)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from consentgate.domain.categories import Category
from consentgate.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Person:
    """A platform user, the subject of data."""

    id: str
    handle: str
    display_name: str
    created_at: datetime

    def __post_init__(self) -> None:
        if not self.id or not self.handle:
            raise InvalidInput("a person needs an id and a handle")


@dataclass(frozen=True, slots=True)
class PrivacySettings:
    """What a person lets partners see.

    ``share_with_partners`` is the master switch; ``categories`` are the categories switched on for
    partners the person grants access to; ``via_others`` are the categories in which the person's
    data may reach a partner through *someone else's* grant (a message they wrote in a shared
    thread, their name in a friend's list). Every one defaults to off.
    """

    person_id: str
    share_with_partners: bool = False
    categories: frozenset[Category] = field(default_factory=frozenset)
    via_others: frozenset[Category] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for c in self.categories | self.via_others:
            if not isinstance(c, Category):
                raise InvalidInput(f"unknown category {c!r} in settings")

    @classmethod
    def default(cls, person_id: str) -> PrivacySettings:
        """Nothing shared: the settings of a person who never opened the privacy center."""
        return cls(person_id=person_id)

    def allows_own(self, category: Category) -> bool:
        """Whether the person's own data of ``category`` may reach a partner they granted."""
        return self.share_with_partners and category in self.categories

    def allows_via_others(self, category: Category) -> bool:
        """Whether this person's part of another person's ``category`` data may reach a partner."""
        return self.share_with_partners and category in self.via_others
