"""What the engine answers: a :class:`Decision`.

A decision is immutable: the engine hands the same object to every caller that gets the
same answer (every denial with the same outcomes, every allow under the same grant and capability),
so no caller can change what another one is told.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from consentgate.policy import reasons as r
from consentgate.policy.obligations import Obligations

Outcomes = tuple[r.Outcome, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """Allow or deny, every rule's outcome, and (when allowed) the obligations on the records.

    ``agreement_id``, ``grant_id`` and ``obligations`` are set only on allowed decisions; use
    :meth:`Engine.explain` for the references behind a denial.
    """

    allowed: bool
    outcomes: Outcomes
    obligations: Obligations | None = None
    agreement_id: str | None = None
    grant_id: str | None = None

    @property
    def codes(self) -> tuple[str, ...]:
        """Every rule's reason code, in rule order."""
        return tuple(o.code for o in self.outcomes)

    @property
    def failed(self) -> tuple[str, ...]:
        """A denial's reasons: the codes of the rules that fail (``engine.error`` when the request
        could not be evaluated); empty when allowed."""
        if self.allowed:
            return ()
        return tuple(o.code for o in self.outcomes if o.fails) or (r.ENGINE_ERROR,)

    @property
    def reason(self) -> str:
        """The first failing rule's code, or the last rule's ``ok`` code when allowed."""
        if self.allowed:
            return self.outcomes[-1].code
        return self.failed[0]

    def __repr__(self) -> str:
        return f"Decision(allowed={self.allowed}, codes={self.codes})"


#: Every rule held.
ALLOWED: Outcomes = (
    r.PARTNER_ACTIVE,
    r.AGREEMENT_IN_FORCE,
    r.GRANT_ACTIVE,
    r.PURPOSE_OK,
    r.SETTINGS_ALLOWED,
    r.QUOTA_OK,
)
#: The decision on a request that could not be evaluated: no rule is known to hold.
ERROR: Final = Decision(False, ())
