"""Bodies of the findings and certification endpoints (admin API and partner API)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from consentgate.api.admin_models import Id, Whole, _Request, _Response
from consentgate.domain import parse_action, parse_category
from consentgate.domain.categories import Action, Category
from consentgate.domain.findings import Certification, CertifiedUse, Finding
from consentgate.services.certifications import CertificationStatus


class SubjectOut(BaseModel):
    kind: str = Field(description="partner, agreement or person (a person only by log reference)")
    id: str


class EvidenceOut(BaseModel):
    counts: dict[str, int]
    log_indexes: list[int] = Field(description="Log entries that show it (a sample)")
    refs: list[str] = Field(description="Other references: obligations, scopes, agreements")


class AcknowledgementOut(BaseModel):
    by: str
    at: datetime
    note: str


class FindingOut(BaseModel):
    id: str
    rule: str
    severity: str
    subject: SubjectOut
    partner_id: str
    summary: str
    evidence: EvidenceOut
    suggested_action: str
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None
    open: bool
    acknowledgement: AcknowledgementOut | None

    @classmethod
    def of(cls, f: Finding) -> FindingOut:
        o = f.observation
        ack = f.acknowledgement
        return cls(
            id=f.id,
            rule=o.rule.value,
            severity=o.severity.value,
            subject=SubjectOut(kind=o.subject_kind.value, id=o.subject_id),
            partner_id=o.partner_id,
            summary=o.summary,
            evidence=EvidenceOut(
                counts=dict(o.evidence.counts),
                log_indexes=list(o.evidence.log_indexes),
                refs=list(o.evidence.refs),
            ),
            suggested_action=o.suggested_action,
            first_seen=f.first_seen,
            last_seen=f.last_seen,
            resolved_at=f.resolved_at,
            open=f.open,
            acknowledgement=None
            if ack is None
            else AcknowledgementOut(by=ack.by, at=ack.at, note=ack.note),
        )


class FindingsOut(BaseModel):
    evaluated_at: datetime | None = Field(description="When findings were last evaluated")
    findings: list[FindingOut]


class AcknowledgeIn(_Request):
    """What is being done about a finding; kept with it and logged."""

    note: Annotated[str, Field(min_length=1, max_length=2000)]


class CertifiedUseIn(_Request):
    """One capability the partner uses: category, action, purpose, and why."""

    category: Annotated[str, Field(json_schema_extra={"enum": [c.value for c in Category]})]
    action: Annotated[str, Field(json_schema_extra={"enum": [a.value for a in Action]})]
    purpose: Id
    why: Annotated[str, Field(min_length=1, max_length=2000)]
    monthly_requests: Annotated[int, Field(ge=0, le=1_000_000_000), Whole] | None = None

    def to_domain(self) -> CertifiedUse:
        return CertifiedUse(
            parse_category(self.category),
            parse_action(self.action),
            self.purpose,
            self.why,
            self.monthly_requests,
        )


class CertificationIn(_Request):
    """Every capability and purpose the partner uses, and why (an empty list: it uses none)."""

    uses: Annotated[list[CertifiedUseIn], Field(max_length=100)]


class CertifiedUseOut(_Response):  # read from a CertifiedUse
    category: str
    action: str
    purpose: str
    why: str
    monthly_requests: int | None


class CertificationOut(_Response):  # read from a Certification
    id: str
    partner_id: str
    agreement_id: str
    certified_at: datetime
    via: str
    uses: list[CertifiedUseOut]


class CertificationStatusOut(BaseModel):
    partner_id: str
    last_certified_at: datetime | None
    due_at: datetime | None = Field(description="When the next certification is due")
    overdue: bool
    suspend_at: datetime | None = Field(
        description="When the partner is (or was) suspended if it has not certified by then"
    )
    suspended_for_it: bool = Field(description="Suspended because the certification is overdue")
    certifications: list[CertificationOut]

    @classmethod
    def of(cls, s: CertificationStatus, certs: list[Certification]) -> CertificationStatusOut:
        return cls(**asdict(s), certifications=[CertificationOut.of(c) for c in certs])
