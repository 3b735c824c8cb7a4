"""RFC 9457 problem details as consentgate renders them, shared by both HTTP edges.

The API (:mod:`consentgate.api`) and the pages (:mod:`consentgate.web`) answer a refused request
with the same ``application/problem+json`` body: ``type``, ``title``, ``status``, ``detail`` and,
where the engine decided, ``reasons`` (stable reason codes). Which error becomes which problem is
decided in one place, :mod:`consentgate.api.problems`.
"""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

#: Problem types are URNs: stable names, not pages that could go missing (RFC 9457 §3.1.1).
PROBLEM_TYPE_BASE = "urn:consentgate:problem:"
MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """RFC 9457 problem details, as consentgate sends them."""

    type: str = Field(description="URI naming the kind of problem")
    title: str
    status: int
    detail: str
    reasons: list[str] = Field(default_factory=list, description="Stable reason codes, if any")
    errors: list[dict[str, Any]] | None = Field(default=None, description="Per-field problems")
    log_index: int | None = Field(default=None, description="The log entry recording this decision")


def problem_response(
    status: int,
    code: str,
    detail: str,
    *,
    reasons: tuple[str, ...] | list[str] = (),
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
    log_index: int | None = None,
) -> JSONResponse:
    body = Problem(
        type=PROBLEM_TYPE_BASE + code,
        title=code.replace("-", " ").capitalize(),
        status=status,
        detail=detail,
        reasons=list(reasons),
        errors=errors,
        log_index=log_index,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=MEDIA_TYPE,
        headers=headers,
    )
