"""Certification, as the partner does it, under ``/v1/partner/certification``.

* ``GET /v1/partner/certification`` — where the calling partner stands: its last certification,
  when the next is due, whether it is overdue, and when it is (or was) suspended for it. This is
  how a partner is told of an overdue certification and of a suspension for it.
* ``POST /v1/partner/certification`` — certify which capabilities and purposes it uses, and why.
  A capability the agreement in force does not have is a 422 problem listing each one.

The partner authenticates with its OAuth client credentials (HTTP Basic, RFC 6749 §2.3.1), as for
deletions, so a partner suspended for an overdue certification can still certify.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends

from consentgate.api.deletions import RESPONSES, ClientDep, partner_route_class, partner_scheme
from consentgate.api.findings_models import (
    CertificationIn,
    CertificationOut,
    CertificationStatusOut,
)
from consentgate.api.limits import JSON_BODY_LIMIT
from consentgate.web.state import ServicesDep

router = APIRouter(
    prefix="/v1/partner/certification",
    tags=["partner"],
    responses=RESPONSES,
    route_class=partner_route_class(JSON_BODY_LIMIT),
    dependencies=[Depends(partner_scheme)],
)


@router.get("")
def certification_status(services: ServicesDep, client: ClientDep) -> CertificationStatusOut:
    """The calling partner's certification: due, overdue, suspended for it, and its history."""
    status = services.certifications.status(client.partner_id)
    return CertificationStatusOut.of(
        status, services.certifications.certifications_of(client.partner_id)
    )


@router.post("", status_code=201)
def certify(body: CertificationIn, services: ServicesDep, client: ClientDep) -> CertificationOut:
    """Certify which capabilities and purposes the partner uses, and why."""
    uses = tuple(u.to_domain() for u in body.uses)
    return CertificationOut.of(services.certifications.certify(client.partner_id, uses))
