"""People's own API: their privacy settings and their grants (DESIGN.md: "person").

A person is identified by their signed session cookie (the one the sign-in page sets). The cookie
is ``SameSite=Lax``, so no other site's page can send these requests with it; ``PUT`` also needs a
JSON body, which a cross-site form cannot send. :func:`current_person_id` is the dependency other
routers reuse for "the signed-in person".
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from consentgate.api.limits import JSON_BODY_LIMIT, limited_route
from consentgate.api.problems import PROBLEM_RESPONSES
from consentgate.domain import Category, Grant, PrivacySettings
from consentgate.errors import NotFound, NotSignedIn
from consentgate.web.session import current_session
from consentgate.web.state import CookiesDep, ServicesDep

router = APIRouter(prefix="/v1/me", tags=["people"], route_class=limited_route(JSON_BODY_LIMIT))


_RESPONSES = {
    **PROBLEM_RESPONSES,
    401: {**PROBLEM_RESPONSES[400], "description": "Not signed in"},
}


def current_person_id(request: Request, services: ServicesDep, cookies: CookiesDep) -> str:
    """The signed-in person's id, from the session cookie of a session the server still keeps;
    401 problem when there is none (never signed in, signed out, or signed out everywhere)."""
    session = current_session(request, cookies, services.sessions)
    if session is None or session.person_id is None:
        raise NotSignedIn("sign in first (no valid session)")
    return session.person_id


PersonId = Annotated[str, Depends(current_person_id)]


class SettingsBody(BaseModel):
    """A person's privacy settings. Every switch defaults to off."""

    share_with_partners: bool = Field(description="The master switch for every partner")
    categories: list[Category] = Field(description="Own data categories partners may receive")
    via_others: list[Category] = Field(
        description="Categories in which this person's part of someone else's data may be shared"
    )

    @classmethod
    def of(cls, settings: PrivacySettings) -> SettingsBody:
        return cls(
            share_with_partners=settings.share_with_partners,
            categories=sorted(settings.categories),
            via_others=sorted(settings.via_others),
        )


class SettingsChange(BaseModel):
    """A change of settings: fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    share_with_partners: bool | None = None
    categories: list[Category] | None = Field(default=None, max_length=len(Category))
    via_others: list[Category] | None = Field(default=None, max_length=len(Category))


class ScopeBody(BaseModel):
    category: Category
    action: str
    purpose: str


class GrantBody(BaseModel):
    """One grant the person gave a partner."""

    id: str
    partner_id: str
    client_id: str | None
    agreement_id: str
    scopes: list[ScopeBody]
    issued_at: datetime
    expires_at: datetime
    revoked_at: datetime | None
    active: bool
    receipt_hash: str = Field(description="SHA-256 of the consent text the person was shown")

    @classmethod
    def of(cls, grant: Grant, now: datetime) -> GrantBody:
        return cls(
            id=grant.id,
            partner_id=grant.partner_id,
            client_id=grant.client_id,
            agreement_id=grant.agreement_id,
            scopes=[
                ScopeBody(category=s.category, action=s.action.value, purpose=s.purpose)
                for s in sorted(grant.scopes)
            ],
            issued_at=grant.issued_at,
            expires_at=grant.expires_at,
            revoked_at=grant.revoked_at,
            active=grant.active(now),
            receipt_hash=grant.receipt_hash,
        )


class GrantList(BaseModel):
    grants: list[GrantBody]


@router.get("/settings", response_model=SettingsBody, responses=_RESPONSES)
def get_settings(person_id: PersonId, services: ServicesDep) -> SettingsBody:
    """The signed-in person's privacy settings."""
    return SettingsBody.of(services.people.get_settings(person_id))


@router.put("/settings", response_model=SettingsBody, responses=_RESPONSES)
def put_settings(
    person_id: PersonId, change: SettingsChange, services: ServicesDep
) -> SettingsBody:
    """Change settings; every later decision sees the change at once."""
    updated = services.people.set_settings(
        person_id,
        share_with_partners=change.share_with_partners,
        categories=None if change.categories is None else frozenset(change.categories),
        via_others=None if change.via_others is None else frozenset(change.via_others),
    )
    return SettingsBody.of(updated)


@router.get("/grants", response_model=GrantList, responses=_RESPONSES)
def list_grants(person_id: PersonId, services: ServicesDep) -> GrantList:
    """Every grant the signed-in person gave, newest last, active or not."""
    now = services.clock()
    grants = services.grants.grants_of_person(person_id)
    return GrantList(grants=[GrantBody.of(g, now) for g in grants])


@router.post("/grants/{grant_id}/revoke", response_model=GrantBody, responses=_RESPONSES)
def revoke_grant(grant_id: str, person_id: PersonId, services: ServicesDep) -> GrantBody:
    """Revoke one of the person's own grants now; the partner's next call is refused."""
    if len(grant_id) > 64:
        raise NotFound(f"unknown grant {grant_id[:64]!r}")
    revoked = services.grants.revoke_grant(grant_id, by_person=person_id)
    return GrantBody.of(revoked, services.clock())
