"""Purposes: why a partner wants data (DESIGN.md: Purpose)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from consentgate.errors import InvalidInput

_ID = re.compile(r"^[a-z][a-z0-9_.-]{1,63}$")

#: Data-use classes, aligned with the fideslang data-use taxonomy where one fits.
DATA_USES = frozenset(
    {
        "essential.service",
        "essential.service.operations",
        "functional.service.improve",
        "personalize",
        "personalize.content",
        "marketing.advertising",
        "analytics.reporting",
        "finance",
        "third_party_sharing",
    }
)


@dataclass(frozen=True, slots=True)
class Purpose:
    """A registered purpose: an id, the text people see, and its data-use class."""

    id: str
    description: str
    data_use: str

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise InvalidInput(
                f"purpose id {self.id!r} must be 2-64 characters of a-z, 0-9, '.', '_' or '-'"
            )
        if not self.description.strip():
            raise InvalidInput(f"purpose {self.id!r} needs a description people can read")
        if self.data_use not in DATA_USES:
            known = ", ".join(sorted(DATA_USES))
            raise InvalidInput(f"unknown data use {self.data_use!r} (known: {known})")
