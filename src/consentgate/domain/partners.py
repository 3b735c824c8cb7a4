"""Partners: companies that integrate with the platform (DESIGN.md: Partner)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from consentgate.errors import InvalidInput

_ID = re.compile(r"^[a-z0-9][a-z0-9-]{1,63}$")


class PartnerStatus(StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"


@dataclass(frozen=True, slots=True)
class Partner:
    """A company. There is no partner kind that bypasses any rule: ``kind`` is descriptive only."""

    id: str
    name: str
    kind: str
    status: PartnerStatus = PartnerStatus.ACTIVE

    def __post_init__(self) -> None:
        if not _ID.match(self.id):
            raise InvalidInput(f"partner id {self.id!r} must be 2-64 characters of a-z, 0-9 or '-'")
        if not self.name.strip():
            raise InvalidInput("a partner needs a name")
