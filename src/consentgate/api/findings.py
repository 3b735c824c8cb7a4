"""Findings in the admin API: ``GET /admin/findings``, one finding, and acknowledging one.

The list is what the last evaluation kept (``consentgate findings``, or the server's own
evaluation every ``CONSENTGATE_FINDINGS_INTERVAL_SECONDS``); ``POST /admin/findings``
runs one now. Acknowledging records the note and who wrote it, and is logged. A finding that does
not exist is a 404 problem.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Query
from starlette.concurrency import run_in_threadpool

from consentgate.api.admin import ActorDep, admin_router
from consentgate.api.findings_models import (
    AcknowledgeIn,
    CertificationOut,
    CertificationStatusOut,
    FindingOut,
    FindingsOut,
)
from consentgate.domain.findings import FindingRule
from consentgate.web.state import ServicesDep

router = admin_router()


@router.get("/findings")
def list_findings(
    services: ServicesDep,
    state: Annotated[
        Literal["open", "all"], Query(description="open (the default) or all findings")
    ] = "open",
    partner: Annotated[str | None, Query(max_length=64, description="Only this partner's")] = None,
    rule: Annotated[FindingRule | None, Query(description="Only this rule's")] = None,
) -> FindingsOut:
    """The kept findings, most severe first, and when they were last evaluated."""
    found = services.findings.list(open_only=state == "open", partner_id=partner, rule=rule)
    return FindingsOut(
        evaluated_at=services.findings.last_evaluated(),
        findings=[FindingOut.of(f) for f in found],
    )


@router.post("/findings")
async def evaluate_findings(services: ServicesDep) -> FindingsOut:
    """Evaluate every rule now (lapsing unused scopes and suspending partners past their
    certification's notice period), keep the result, and return the open findings."""
    evaluation = await run_in_threadpool(services.findings.evaluate)
    return FindingsOut(
        evaluated_at=evaluation.at, findings=[FindingOut.of(f) for f in evaluation.findings]
    )


@router.get("/findings/{finding_id}")
def get_finding(finding_id: str, services: ServicesDep) -> FindingOut:
    """One finding, with its evidence and acknowledgement."""
    return FindingOut.of(services.findings.get(finding_id))


@router.post("/findings/{finding_id}/acknowledge")
def acknowledge_finding(
    finding_id: str, body: AcknowledgeIn, services: ServicesDep, actor: ActorDep
) -> FindingOut:
    """Acknowledge a finding with a note (kept with the acknowledging staff member or token, and
    logged); acknowledging again replaces it. Auditors are refused (403), like every write."""
    return FindingOut.of(services.findings.acknowledge(finding_id, body.note, actor.label))


@router.get("/partners/{partner_id}/certification")
def partner_certification(partner_id: str, services: ServicesDep) -> CertificationStatusOut:
    """Where the partner stands with its yearly certification, and every certification it made."""
    status = services.certifications.status(partner_id)
    return CertificationStatusOut.of(status, services.certifications.certifications_of(partner_id))


__all__ = ["CertificationOut", "router"]
