"""A person's access history: every logged access to their data, each with its log index.

Includes accesses made through someone else's grant that included or filtered them (a friend's
list, a shared thread), so nobody learns of those only from a leak. Each entry names the log index
whose leaf proves it (``/log/proof/inclusion?index=…``) and the person's own reference, the keyed
hash that stands for them in the log's access entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from consentgate.api.account import PersonId
from consentgate.api.problems import MEDIA_TYPE, PROBLEM_RESPONSES, Problem
from consentgate.web.state import RunningDep, ServicesDep

router = APIRouter(prefix="/v1/me", tags=["people"])

MAX_PAGE = 200
#: Log indexes are 64-bit signed integers in both databases.
MAX_LOG_INDEX = (1 << 63) - 1
_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    401: {"model": Problem, "description": "Not signed in", "content": {MEDIA_TYPE: {}}},
}


class Access(BaseModel):
    log_index: int = Field(description="The log entry recording this access")
    at: datetime
    partner: str
    category: str
    action: str
    purpose: str
    decision: str = Field(description="allow or deny")
    role: str = Field(
        description="subject: your own data; included / filtered: your part of someone else's data"
    )
    reasons: list[str] | None = Field(
        description="The entry's stable reason codes; null for accesses logged before they were kept"
    )
    records_returned: int | None = Field(
        description=(
            "How many records the access let out; for role included / filtered these are"
            " records of a friend's data (you were in them, or left out), not your own."
            " Null for accesses logged before it was kept"
        )
    )


class History(BaseModel):
    person_reference: str = Field(
        description="The keyed hash that stands for you in access entries"
    )
    accesses: list[Access]
    next_before: int | None = Field(
        description="Pass as `before` for older entries; null at the end"
    )


@router.get("/history", response_model=History, responses=_RESPONSES)
def my_history(
    person_id: PersonId,
    services: ServicesDep,
    running: RunningDep,
    before: Annotated[
        int | None, Query(ge=0, le=MAX_LOG_INDEX, description="Only entries below this log index")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 50,
) -> History:
    """Who accessed your data, when, for what, and what was decided — newest first."""
    rows = services.people.access_history(person_id, before=before, limit=limit)
    return History(
        person_reference=running.person_ref(person_id),
        accesses=[
            Access(
                log_index=r.log_index,
                at=r.at,
                partner=r.partner_id,
                category=r.category,
                action=r.action,
                purpose=r.purpose,
                decision=r.decision,
                role=r.role,
                reasons=list(r.reasons) if r.reasons is not None else None,
                records_returned=r.records_returned,
            )
            for r in rows
        ],
        next_before=rows[-1].log_index if len(rows) == limit else None,
    )
