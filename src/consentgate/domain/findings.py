"""Findings: what an auditor should look at (DESIGN.md: Finding), and partners' certifications.

A finding is one rule's observation about one subject (a partner or an agreement; never a
person's identity or data), with its evidence (log indexes and counts), when it was first seen and
what to do about it. Findings are kept, so "first seen" and an acknowledgement stay as they were
across evaluations; one that is no longer observed is marked resolved, not deleted.

The rules (``FindingRule``), their severities and the suggested actions are the vocabulary auditors
read: like reason codes, they only ever get added to.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from consentgate.domain.categories import Action, Category
from consentgate.domain.grants import GrantScope
from consentgate.errors import InvalidInput


class FindingRule(StrEnum):
    """The rules a findings evaluation applies (issue: "Findings"; see ``policy/findings.py``)."""

    ACCESS_AFTER_AGREEMENT_END = "access_after_agreement_end"
    AGREEMENT_ENDING_SOON = "agreement_ending_soon"
    AGREEMENT_UNREVIEWED = "agreement_unreviewed"
    SCOPE_UNUSED = "scope_unused"
    DELETION_OVERDUE = "deletion_overdue"
    DENIAL_BURST = "denial_burst"
    CAPABILITY_DRIFT = "capability_drift"
    EXPOSURE_SPIKE = "exposure_spike"
    CERTIFICATION_OVERDUE = "certification_overdue"
    CERTIFICATION_MISMATCH = "certification_mismatch"


class Severity(StrEnum):
    """How urgent a finding is, most urgent first."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


#: Sort order of severities: critical first.
SEVERITY_ORDER: Final[Mapping[Severity, int]] = {s: i for i, s in enumerate(Severity)}


class SubjectKind(StrEnum):
    """What a finding is about. A person would be named by their log reference only (the keyed
    hash of :func:`consentgate.ledger.entries.person_reference`); no rule names one today."""

    PARTNER = "partner"
    AGREEMENT = "agreement"
    PERSON = "person"


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a finding holds: counts by name, and the log indexes (or other ids) to open."""

    counts: Mapping[str, int] = field(default_factory=dict)
    #: Indexes of log entries that show it (at most a sample; ``counts`` says how many in all).
    log_indexes: tuple[int, ...] = ()
    #: Other references behind it: deletion obligation ids, scopes, agreement ids.
    refs: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Observation:
    """What one rule sees at one moment about one subject: a finding before it is kept.

    ``key`` distinguishes several observations of one rule about one subject (a scope, a
    category); the finding's id is derived from rule, subject and key, so the same observation
    made again is the same finding.
    """

    rule: FindingRule
    severity: Severity
    subject_kind: SubjectKind
    subject_id: str
    partner_id: str
    summary: str
    suggested_action: str
    evidence: Evidence = Evidence()
    key: str = ""

    @property
    def finding_id(self) -> str:
        """``fnd_`` and 20 hex digits of SHA-256 over rule, subject and key: stable across runs."""
        raw = "\x1f".join((self.rule.value, self.subject_kind.value, self.subject_id, self.key))
        return "fnd_" + hashlib.sha256(raw.encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    """A staff member read a finding and said what is being done (the note is kept as written)."""

    by: str
    at: datetime
    note: str


@dataclass(frozen=True, slots=True)
class Finding:
    """A kept finding: its latest observation, when first and last seen, whether it still holds
    (``resolved_at`` is set once an evaluation no longer observes it), and its acknowledgement."""

    id: str
    observation: Observation
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None = None
    acknowledgement: Acknowledgement | None = None

    @property
    def open(self) -> bool:
        return self.resolved_at is None

    @property
    def rule(self) -> FindingRule:
        return self.observation.rule

    @property
    def severity(self) -> Severity:
        return self.observation.severity

    @property
    def partner_id(self) -> str:
        return self.observation.partner_id


@dataclass(frozen=True, slots=True)
class CertifiedUse:
    """One capability a partner says it uses: (category, action, purpose), and why."""

    category: Category
    action: Action
    purpose: str
    why: str
    #: The partner's own estimate of requests per 30 days, if it gives one (drift is measured
    #: against it).
    monthly_requests: int | None = None

    def __post_init__(self) -> None:
        if not self.why.strip():
            raise InvalidInput(f"say why {self.category}.{self.action} for {self.purpose} is used")
        if len(self.why) > 2000:
            raise InvalidInput("a reason is at most 2000 characters")
        if self.monthly_requests is not None and not 0 <= self.monthly_requests <= 10**9:
            raise InvalidInput("monthly_requests must be between 0 and 1,000,000,000")

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.category.value, self.action.value, self.purpose)

    def __str__(self) -> str:
        """Written as the grant scope it names is (``category.action:purpose``)."""
        return str(GrantScope(self.category, self.action, self.purpose))


@dataclass(frozen=True, slots=True)
class Certification:
    """A partner's yearly statement of which capabilities and purposes it uses, and why."""

    id: str
    partner_id: str
    agreement_id: str
    certified_at: datetime
    uses: tuple[CertifiedUse, ...]
    #: Who certified: ``partner`` (its API or page) or ``admin``.
    via: str = "partner"

    def __post_init__(self) -> None:
        keys = [u.key for u in self.uses]
        if len(keys) != len(set(keys)):
            raise InvalidInput("a certification lists the same (category, action, purpose) twice")


__all__ = [
    "SEVERITY_ORDER",
    "Acknowledgement",
    "Certification",
    "CertifiedUse",
    "Evidence",
    "Finding",
    "FindingRule",
    "Observation",
    "Severity",
    "SubjectKind",
]
