"""The facts the findings rules read, as plain values (pure): partners with their agreement
versions and latest certification, tallies of log entries, and the rules' thresholds.

The store gathers them (:mod:`consentgate.store.finding_facts`); the rules
(:mod:`consentgate.policy.findings`) turn them into observations.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

#: (category, action, purpose), as in the decision index.
Scope = tuple[str, str, str]


def scope_name(scope: Scope) -> str:
    return f"{scope[0]}.{scope[1]}:{scope[2]}"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Every number the rules compare with (units in the names)."""

    ending_soon_days: int = 30
    unreviewed_days: int = 365
    lapse_days: int = 90
    burst_window_hours: int = 24
    burst_baseline_days: int = 28
    burst_factor: float = 10.0
    burst_min_denials: int = 20
    drift_min_ratio: float = 0.1
    spike_percent: float = 50.0
    spike_min_people: int = 10
    spike_days: int = 7
    certification_days: int = 365
    #: Days past due before an uncertified partner is suspended; None: never suspended.
    certification_notice_days: int | None = 30


@dataclass(frozen=True, slots=True)
class AgreementFact:
    """One agreement version as the rules need it: when it is in force and what it covers."""

    agreement_id: str
    partner_id: str
    version: int
    valid_from: datetime
    end: datetime
    signed_at: datetime
    scopes: frozenset[Scope]

    def in_force(self, at: datetime) -> bool:
        return self.valid_from <= at < self.end


@dataclass(frozen=True, slots=True)
class CertificationFact:
    """A partner's latest certification: when, and the scopes it states (with monthly estimates)."""

    certification_id: str
    certified_at: datetime
    uses: Mapping[Scope, int | None]


@dataclass(frozen=True, slots=True)
class PartnerFacts:
    """A partner: status, every agreement version, latest certification, and (when suspended for
    an overdue certification) when that happened."""

    partner_id: str
    status: str
    agreements: tuple[AgreementFact, ...]
    certification: CertificationFact | None = None
    suspended_uncertified_at: datetime | None = None

    def in_force(self, at: datetime) -> list[AgreementFact]:
        return [a for a in self.agreements if a.in_force(at)]

    def scopes_at(self, at: datetime) -> frozenset[Scope]:
        return frozenset(s for a in self.in_force(at) for s in a.scopes)


@dataclass(frozen=True, slots=True)
class Tally:
    """How many log entries match, with a few of their indexes."""

    count: int
    sample: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Overdue:
    """A partner's unconfirmed deletions past due: how many, the oldest due date, some ids."""

    count: int
    oldest_due: datetime
    sample: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Denials:
    """A partner's denials in the last window, and in the baseline period before it."""

    recent: Tally
    baseline: int
