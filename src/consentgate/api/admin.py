"""The admin API under ``/admin/``: what the platform's privacy team does, as JSON.

Every route needs a bearer token (``Authorization: Bearer <token>``): the admin token, compared in
constant time, or a staff member's named API token (``services/staff.py``), which carries a role.
An ``auditor`` reads every route and changes nothing: every write (any method but GET, HEAD and
OPTIONS) answers 403 before its body is read. Every write, done or refused, is written to the
audit trail with who asked. The admin token comes from ``CONSENTGATE_ADMIN_TOKEN``; production
mode refuses to serve the admin API without one (staff API tokens still work). In development mode an unset token is generated once into
``<data_dir>/admin-token`` (mode 0600) and its location logged, so there is never a default
password. The token is checked before the body is read, so an unauthenticated caller learns nothing
from validation errors.

Bodies are strict JSON (see :mod:`consentgate.api.admin_models`) of at most 64 KiB, nested at most
32 levels; the JSON Lines import at ``POST /admin/import`` takes up to 16 MiB (see
:mod:`consentgate.api.body_limit`). Every error is an RFC 9457 problem body.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPBearer
from starlette.concurrency import run_in_threadpool

from consentgate.api.admin_models import (
    AgreementIn,
    AgreementOut,
    ClientIn,
    ClientOut,
    ImportOut,
    IssuedClientOut,
    ObligationOut,
    PartnerIn,
    PartnerOut,
    PersonIn,
    PersonOut,
    PurposeIn,
    PurposeOut,
    StatusChangeIn,
)
from consentgate.api.body_limit import IMPORT_BODY_LIMIT
from consentgate.api.limits import JSON_BODY_LIMIT, limited_route
from consentgate.api.problems import endpoint_problems, problem_response
from consentgate.config import Settings
from consentgate.domain import PartnerStatus
from consentgate.domain.staff import Actor, Role
from consentgate.errors import ConfigError, InvalidInput
from consentgate.secretfiles import secret_file
from consentgate.services.wiring import Services
from consentgate.web.console.frame import role_refused
from consentgate.web.state import AdminCredentials, ServicesDep, state_of

log = logging.getLogger("consentgate.api.admin")

TOKEN_FILE = "admin-token"  # noqa: S105 - a file name, not a secret

#: Every admin route documents these problems besides the common ones.
ADMIN_RESPONSES = endpoint_problems(
    {
        401: "No or wrong admin token",
        403: "A write with a read-only (auditor) token",
        413: "The body is too large",
    }
)


def resolve_admin_token(settings: Settings) -> str:
    """The admin token: configured, or (development only) generated once into ``data_dir``.

    Raises :class:`ConfigError` in production mode without ``CONSENTGATE_ADMIN_TOKEN``.
    """
    if settings.admin_token:
        return settings.admin_token
    if settings.mode == "production":
        raise ConfigError("CONSENTGATE_ADMIN_TOKEN is required in production mode")
    path = Path(settings.data_dir) / TOKEN_FILE
    generated = not path.exists()
    raw = secret_file(
        path,
        setting="CONSENTGATE_DATA_DIR",
        make=lambda: (secrets.token_urlsafe(32) + "\n").encode("ascii"),
    )
    token = raw.decode("utf-8", errors="replace").strip()
    if not token:
        raise ConfigError(f"the admin token file {path} is empty; delete it")
    if generated:
        log.warning("no CONSENTGATE_ADMIN_TOKEN set: generated an admin token into %s", path)
    return token


def admin_credentials(settings: Settings) -> AdminCredentials:
    """The admin token, resolved once when the app is built (so a generated token's location is
    logged then, not at the first admin request). A missing production token keeps the admin API
    closed (503) instead of stopping the partner-facing API."""
    try:
        return AdminCredentials(resolve_admin_token(settings))
    except ConfigError as err:
        log.error("the admin API stays closed: %s", err.message)
        return AdminCredentials(None)


def _unauthorized() -> Response:
    return problem_response(
        401,
        "unauthenticated",
        "the admin API needs a valid admin bearer token",
        headers={"WWW-Authenticate": 'Bearer realm="consentgate-admin"'},
    )


#: Methods that read; every other method is a write (RFC 9110 §9.2.1, safe methods).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Who the configured admin token stands for: automation, with the admin role.
AUTOMATION = Actor("admin-token", "automation", Role.ADMIN)


def admin_actor(request: Request) -> Actor | Response:
    """Who the request's bearer token stands for, or a problem response (401, or 503 when no
    admin token is configured and the token is no staff API token either).

    The configured admin token is compared in constant time; any other token must be a staff
    API token (``services/staff.py``) that is unrevoked, unexpired and of an active account,
    checked on this very request.
    """
    state = state_of(request.app)
    expected = state.admin.token
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    given = given.strip()
    if scheme.lower() != "bearer" or not given:
        return _unauthorized() if expected is not None else _closed()
    # Compare digests of equal length, so the time taken tells nothing about the token's length.
    given_digest = hashlib.sha256(given.encode("utf-8", "surrogatepass")).digest()
    if expected is not None and hmac.compare_digest(
        given_digest, hashlib.sha256(expected.encode()).digest()
    ):
        return AUTOMATION
    actor = state.services.staff.authenticate_token(given)
    if actor is not None:
        return actor
    return _unauthorized() if expected is not None else _closed()


def _closed() -> Response:
    return problem_response(503, "unavailable", "the admin API is not configured")


def request_actor(request: Request) -> Actor:
    """The actor the admin guard found for this request (a dependency for routes that record
    who did something, such as acknowledging a finding)."""
    actor = getattr(request.state, "actor", None)
    if not isinstance(actor, Actor):
        raise TypeError("request_actor is only for routes behind the admin guard")
    return actor


ActorDep = Annotated[Actor, Depends(request_actor)]


async def guard(request: Request, handler: Callable[[Request], Awaitable[Response]]) -> Response:
    """Authenticate, refuse writes by read-only roles, and put every write in the audit trail
    (done, failed or refused), before and after ``handler``."""
    found = await run_in_threadpool(admin_actor, request)
    if isinstance(found, Response):
        return found
    request.state.actor = found
    if request.method in SAFE_METHODS:
        return await handler(request)
    staff = state_of(request.app).services.staff
    target = request.url.path
    if not found.role.may_write:
        await run_in_threadpool(staff.record, found, request.method, target, status=403)
        return role_refused(found)
    response = await handler(request)
    await run_in_threadpool(
        staff.record, found, request.method, target, status=response.status_code
    )
    return response


def _guarded(route: type[APIRoute]) -> type[APIRoute]:
    class GuardedRoute(route):  # type: ignore[valid-type, misc]  # a class made by limited_route
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                return await guard(request, handler)

            return guarded

    return GuardedRoute


# Declared for OpenAPI (the security scheme); the route class above does the actual check.
_bearer = HTTPBearer(auto_error=False, scheme_name="admin", description="The admin token")
_docs = [Depends(_bearer)]
#: What other admin routers (``api/reports.py``) are made of: the same guard, limits and docs.
admin_route = _guarded(limited_route(JSON_BODY_LIMIT))
admin_docs = _docs


def admin_router() -> APIRouter:
    """A router under ``/admin`` whose every route needs the admin token (this module's, and the
    other admin modules': findings)."""
    return APIRouter(
        prefix="/admin",
        tags=["admin"],
        responses=ADMIN_RESPONSES,
        dependencies=_docs,
        route_class=admin_route,
    )


router = admin_router()
# Included into ``router`` below, which adds the prefix, the tags, the responses and the scheme.
import_router = APIRouter(route_class=_guarded(limited_route(IMPORT_BODY_LIMIT)))


# --- partners ---------------------------------------------------------------------------------------
@router.post("/partners", status_code=201)
def create_partner(body: PartnerIn, services: ServicesDep) -> PartnerOut:
    """Register a partner (active, with no agreement yet)."""
    return PartnerOut.of(services.partners.register_partner(body.id, body.name, body.kind))


@router.get("/partners")
def list_partners(services: ServicesDep) -> list[PartnerOut]:
    """Every partner with its status."""
    return [PartnerOut.of(p) for p in services.partners.list_partners()]


@router.get("/partners/{partner_id}")
def get_partner(partner_id: str, services: ServicesDep) -> PartnerOut:
    """One partner with its status."""
    return PartnerOut.of(services.partners.get_partner(partner_id))


def _set_status(
    services: Services, partner_id: str, status: PartnerStatus, reason: str
) -> PartnerOut:
    return PartnerOut.of(services.partners.set_status(partner_id, status, reason))


@router.post("/partners/{partner_id}/suspend")
def suspend_partner(partner_id: str, body: StatusChangeIn, services: ServicesDep) -> PartnerOut:
    """Suspend: every grant is revoked at once and deletion obligations are opened."""
    return _set_status(services, partner_id, PartnerStatus.SUSPENDED, body.reason)


@router.post("/partners/{partner_id}/terminate")
def terminate_partner(partner_id: str, body: StatusChangeIn, services: ServicesDep) -> PartnerOut:
    """Terminate for good: like suspension, and it cannot be undone."""
    return _set_status(services, partner_id, PartnerStatus.TERMINATED, body.reason)


@router.post("/partners/{partner_id}/reinstate")
def reinstate_partner(partner_id: str, body: StatusChangeIn, services: ServicesDep) -> PartnerOut:
    """Make a suspended partner active again (revoked grants stay revoked)."""
    return _set_status(services, partner_id, PartnerStatus.ACTIVE, body.reason)


@router.get("/partners/{partner_id}/obligations")
def partner_obligations(partner_id: str, services: ServicesDep) -> list[ObligationOut]:
    """Every deletion obligation of one partner, open and confirmed."""
    services.partners.get_partner(partner_id)
    return [ObligationOut.of(o) for o in services.grants.obligations_of_partner(partner_id)]


@router.get("/obligations/overdue")
def overdue_obligations(services: ServicesDep) -> list[ObligationOut]:
    """Deletion obligations past their due date and not confirmed: findings for auditors."""
    return [ObligationOut.of(o) for o in services.grants.overdue_obligations()]


# --- agreements and purposes --------------------------------------------------------------------------
@router.post("/partners/{partner_id}/agreements", status_code=201)
def sign_agreement(partner_id: str, body: AgreementIn, services: ServicesDep) -> AgreementOut:
    """Sign the partner's next agreement version; earlier versions stay as they were."""
    agreement = services.partners.sign_agreement(
        partner_id,
        body.domain_capabilities(),
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        retention_days=body.retention_days,
    )
    return AgreementOut.of(agreement)


@router.get("/partners/{partner_id}/agreements")
def list_agreements(partner_id: str, services: ServicesDep) -> list[AgreementOut]:
    """Every agreement version of the partner, oldest first."""
    return [AgreementOut.of(a) for a in services.partners.agreements_of(partner_id)]


@router.get("/agreements/{agreement_id}")
def get_agreement(agreement_id: str, services: ServicesDep) -> AgreementOut:
    """One agreement version with its capabilities."""
    return AgreementOut.of(services.partners.get_agreement(agreement_id))


@router.post("/agreements/{agreement_id}/end")
def end_agreement(agreement_id: str, services: ServicesDep) -> AgreementOut:
    """End an agreement now: its grants are revoked and deletion obligations opened."""
    return AgreementOut.of(services.partners.end_agreement(agreement_id))


@router.post("/purposes", status_code=201)
def create_purpose(body: PurposeIn, services: ServicesDep) -> PurposeOut:
    """Register a purpose people will read on the consent screen."""
    purpose = services.partners.register_purpose(body.id, body.description, body.data_use)
    return PurposeOut.of(purpose)


@router.get("/purposes")
def list_purposes(services: ServicesDep) -> list[PurposeOut]:
    """Every registered purpose."""
    return [PurposeOut.of(p) for p in services.partners.list_purposes()]


# --- OAuth clients ------------------------------------------------------------------------------------
@router.post("/partners/{partner_id}/clients", status_code=201)
def create_client(partner_id: str, body: ClientIn, services: ServicesDep) -> IssuedClientOut:
    """Create an OAuth client. The secret is in this response only; store it now."""
    issued = services.clients.create_client(partner_id, body.name, list(body.redirect_uris))
    return IssuedClientOut.issued(issued)


@router.get("/clients/{client_id}")
def get_client(client_id: str, services: ServicesDep) -> ClientOut:
    """One OAuth client (never its secret)."""
    return ClientOut.of(services.clients.get_client(client_id))


@router.post("/clients/{client_id}/rotate-secret")
def rotate_client_secret(client_id: str, services: ServicesDep) -> IssuedClientOut:
    """A new secret, shown once; the old one stops working at once."""
    return IssuedClientOut.issued(services.clients.rotate_secret(client_id))


# --- people and reference data ------------------------------------------------------------------------
@router.post("/people", status_code=201)
def create_person(body: PersonIn, services: ServicesDep) -> PersonOut:
    """Register a person of the built-in data source (every sharing switch off)."""
    person = services.people.register_person(
        body.handle,
        body.display_name,
        password=body.password,
        person_id=body.id,
        city=body.city,
        birth_year=body.birth_year,
    )
    return PersonOut.of(person)


@router.get("/people/{person_id}")
def get_person(person_id: str, services: ServicesDep) -> PersonOut:
    """One person of the built-in data source."""
    return PersonOut.of(services.people.get_person(person_id))


_JSONL_BODY = {
    "requestBody": {
        "required": True,
        "description": "One JSON object per line, each with a 'type': person, contact, "
        "friendship, thread, message or event.",
        "content": {"application/jsonl": {"schema": {"type": "string"}}},
    }
}


@import_router.post("/import", openapi_extra=_JSONL_BODY)
async def import_reference_data(request: Request, services: ServicesDep) -> ImportOut:
    """Import reference data from JSON Lines: all of it, or (on any bad line) none of it."""
    raw = await request.body()
    try:
        text = raw.decode("utf-8-sig")  # a byte order mark some editors add is not data
    except UnicodeDecodeError:
        raise InvalidInput("the import must be UTF-8 text") from None
    report = await run_in_threadpool(services.imports.import_jsonl, text)
    return ImportOut(counts=report.counts, total=report.total)


router.include_router(import_router)
