"""Request and response bodies of the admin API (and the agreement file the CLI reads).

Requests are strict: unknown fields are refused, numbers are not strings, booleans are not numbers,
and dates are ISO 8601 strings with a time zone. Categories, actions, scopes and fields are checked
by the domain, which names the known values in its message.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from consentgate.domain import (
    Agreement,
    Capability,
    Quota,
    RecordScope,
    parse_action,
    parse_category,
)
from consentgate.domain.categories import Action, Category
from consentgate.errors import InvalidInput
from consentgate.services.clients import IssuedClient
from consentgate.services.imports import IsoDatetime
from consentgate.services.json_input import has_nul


def _whole_number(value: object) -> object:
    """``30.0`` is the integer 30 in JSON (RFC 8259 §6 has one number type; JSON Schema's
    ``integer`` admits it); any other float, and strings and booleans, stay refused."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


#: An integer field: strict, but a JSON number with a zero fraction counts.
Whole = BeforeValidator(_whole_number)
Name = Annotated[str, Field(min_length=1, max_length=200)]
Id = Annotated[str, Field(min_length=1, max_length=64)]
Reason = Annotated[str, Field(min_length=1, max_length=2000)]


class _Request(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if has_nul(data):
            raise ValueError("text must not contain NUL characters")
        return data


class PartnerIn(_Request):
    """A partner to register: a short id (a-z, 0-9, '-'), the company name, what kind it is."""

    id: Id
    name: Name
    kind: Annotated[str, Field(min_length=1, max_length=100)]


class StatusChangeIn(_Request):
    """Why a partner's status changes; kept in the partner's history."""

    reason: Reason


class PurposeIn(_Request):
    """A purpose: an id, the text people read on the consent screen, a fideslang data use."""

    id: Id
    description: Annotated[str, Field(min_length=1, max_length=2000)]
    data_use: Annotated[str, Field(min_length=1, max_length=64)]


#: Quotas are stored as 32-bit integers (SQLite and PostgreSQL INTEGER); these bounds keep every
#: accepted value storable, and are far beyond any real agreement.
MAX_QUOTA_REQUESTS = 1_000_000_000
MAX_QUOTA_WINDOW_SECONDS = 366 * 24 * 3600


class QuotaIn(_Request):
    max_requests: Annotated[int, Field(ge=1, le=MAX_QUOTA_REQUESTS), Whole]
    window_seconds: Annotated[int, Field(ge=1, le=MAX_QUOTA_WINDOW_SECONDS), Whole]


class CapabilityIn(_Request):
    """One (category, action, purpose) an agreement covers, with its fields and limits."""

    category: Annotated[str, Field(json_schema_extra={"enum": [c.value for c in Category]})]
    action: Annotated[str, Field(json_schema_extra={"enum": [a.value for a in Action]})]
    purpose: Id
    fields: Annotated[list[Annotated[str, Field(max_length=64)]], Field(min_length=1)]
    scope: Annotated[str, Field(json_schema_extra={"enum": [s.value for s in RecordScope]})] = (
        RecordScope.ALL.value
    )
    quota: QuotaIn | None = None

    def to_domain(self) -> Capability:
        try:
            scope = RecordScope(self.scope)
        except ValueError:
            known = ", ".join(s.value for s in RecordScope)
            raise InvalidInput(f"unknown record scope {self.scope!r} (known: {known})") from None
        quota = Quota(self.quota.max_requests, self.quota.window_seconds) if self.quota else None
        return Capability(
            category=parse_category(self.category),
            action=parse_action(self.action),
            purpose=self.purpose,
            fields=frozenset(self.fields),
            scope=scope,
            quota=quota,
        )


class AgreementIn(_Request):
    """The terms of a new agreement version. ``valid_until`` is required: every agreement ends."""

    capabilities: Annotated[list[CapabilityIn], Field(min_length=1, max_length=100)]
    valid_from: IsoDatetime
    valid_until: IsoDatetime
    retention_days: Annotated[int, Field(ge=0, le=3650), Whole] = 30

    def domain_capabilities(self) -> tuple[Capability, ...]:
        return tuple(c.to_domain() for c in self.capabilities)


class ClientIn(_Request):
    """An OAuth client of a partner, with its exact redirect URIs."""

    name: Name
    redirect_uris: Annotated[
        list[Annotated[str, Field(min_length=1, max_length=2000)]],
        Field(min_length=1, max_length=20),
    ]


class PersonIn(_Request):
    """A person of the built-in data source; with a password they can sign in to the consent screen."""

    handle: Annotated[str, Field(min_length=2, max_length=64)]
    display_name: Name
    id: Id | None = None
    password: Annotated[str, Field(min_length=8, max_length=200)] | None = None
    city: Annotated[str, Field(max_length=100)] | None = None
    birth_year: Annotated[int, Field(ge=1900, le=2100), Whole] | None = None


# --- responses ------------------------------------------------------------------------------------
class _Response(BaseModel):
    # A response body read from a domain object's attributes of the same names (enums as their
    # values, tuples as lists): ``PartnerOut.of(partner)``. A model whose fields need more than
    # that (``AgreementOut``, ``CapabilityOut``) says how in its own ``of``. (Comments, not
    # docstrings: a model's docstring would become its description in the OpenAPI document.)

    model_config = ConfigDict(from_attributes=True)

    @classmethod
    def of(cls, obj: object) -> Self:
        return cls.model_validate(obj)


class PartnerOut(_Response):  # read from a Partner
    id: str
    name: str
    kind: str
    status: str


class PurposeOut(_Response):  # read from a Purpose
    id: str
    description: str
    data_use: str


class QuotaOut(BaseModel):
    max_requests: int
    window_seconds: int


class CapabilityOut(BaseModel):
    category: str
    action: str
    purpose: str
    fields: list[str]
    scope: str
    quota: QuotaOut | None

    @classmethod
    def of(cls, c: Capability) -> CapabilityOut:
        quota = None
        if c.quota is not None:
            quota = QuotaOut(
                max_requests=c.quota.max_requests, window_seconds=c.quota.window_seconds
            )
        return cls(
            category=c.category.value,
            action=c.action.value,
            purpose=c.purpose,
            fields=sorted(c.fields),
            scope=c.scope.value,
            quota=quota,
        )


class AgreementOut(BaseModel):
    id: str
    partner_id: str
    version: int
    valid_from: datetime
    valid_until: datetime
    retention_days: int
    signed_at: datetime
    ended_at: datetime | None
    capabilities: list[CapabilityOut]

    @classmethod
    def of(cls, a: Agreement) -> AgreementOut:
        return cls(
            id=a.id,
            partner_id=a.partner_id,
            version=a.version,
            # As stored: in UTC, whatever offset the request used.
            valid_from=a.valid_from.astimezone(UTC),
            valid_until=a.valid_until.astimezone(UTC),
            retention_days=a.retention_days,
            signed_at=a.signed_at,
            ended_at=a.ended_at,
            capabilities=[CapabilityOut.of(c) for c in a.capabilities],
        )


class ClientOut(_Response):  # read from a ClientRow (never its secret hash)
    client_id: str
    partner_id: str
    name: str
    redirect_uris: list[str]
    created_at: datetime
    secret_rotated_at: datetime | None


class IssuedClientOut(ClientOut):
    client_secret: str = Field(description="Shown once: only its hash is stored")

    @classmethod
    def issued(cls, issued: IssuedClient) -> IssuedClientOut:
        return cls(**ClientOut.of(issued.client).model_dump(), client_secret=issued.secret)


class PersonOut(_Response):  # read from a Person
    id: str
    handle: str
    display_name: str
    created_at: datetime


class ObligationOut(_Response):  # read from a DeletionObligation
    id: str
    partner_id: str
    person_id: str
    category: str
    grant_id: str
    reason: str
    opened_at: datetime
    due_at: datetime
    confirmed_at: datetime | None


class ImportOut(BaseModel):
    counts: dict[str, int] = Field(description="Objects written, per type")
    total: int
