"""A person's access history: every logged access to their data, each with its log index.

Includes accesses made through someone else's grant that included or filtered them (a friend's
list, a shared thread), so nobody learns of those only from a leak. Each entry names the log index
whose leaf proves it (``/log/proof/inclusion?index=…``) and the person's own reference, the keyed
hash that stands for them in the log's access entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from consentgate.api.account import PersonId
from consentgate.api.problems import endpoint_problems
from consentgate.web.state import RunningDep, ServicesDep

router = APIRouter(prefix="/v1/me", tags=["people"])

MAX_PAGE = 200
#: Log indexes are 64-bit signed integers in both databases.
MAX_LOG_INDEX = (1 << 63) - 1
_RESPONSES = endpoint_problems({401: "Not signed in"})


class Access(BaseModel):
    # Read from a history row's attributes of the same names; the partner is its ``partner_id``.
    # (A comment, not a docstring: that would become the model's description in OpenAPI.)
    model_config = ConfigDict(from_attributes=True)

    log_index: int = Field(description="The log entry recording this access")
    at: datetime
    partner: str = Field(validation_alias="partner_id")
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
        accesses=[Access.model_validate(r) for r in rows],
        next_before=rows[-1].log_index if len(rows) == limit else None,
    )
