"""A small pure world for the engine's unit tests: a partner, an agreement, people, grants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from consentgate.domain import (
    Action,
    Agreement,
    Capability,
    Category,
    Grant,
    GrantScope,
    PartnerStatus,
    PrivacySettings,
    Quota,
    RecordScope,
)
from consentgate.policy import DecisionIndex, DecisionRequest, Engine, GrantRow

NOW = datetime(2017, 3, 1, tzinfo=UTC)
PURPOSE = "essential.service"
OTHER_PURPOSE = "marketing.advertising"
_FIELDS = {
    Category.CONTACTS: frozenset({"id", "name"}),
    Category.MESSAGES: frozenset({"id", "body", "participants", "sender_id"}),
}


def agreement(
    partner_id: str = "device-maker",
    *,
    version: int = 1,
    start: datetime = NOW - timedelta(days=30),
    days: int = 365,
    ended_at: datetime | None = None,
    categories: tuple[Category, ...] = (Category.CONTACTS, Category.MESSAGES),
    purpose: str = PURPOSE,
    scope: RecordScope = RecordScope.ALL,
    quota: Quota | None = None,
) -> Agreement:
    caps = tuple(
        Capability(c, Action.READ, purpose, _FIELDS.get(c, frozenset({"id"})), scope, quota)
        for c in categories
    )
    return Agreement(
        id=f"{partner_id}-v{version}", partner_id=partner_id, version=version,
        valid_from=start, valid_until=start + timedelta(days=days), retention_days=30,
        capabilities=caps, signed_at=start, ended_at=ended_at,
    )  # fmt: skip


def grant(
    person_id: str = "alice",
    partner_id: str = "device-maker",
    *,
    grant_id: str = "g1",
    categories: tuple[Category, ...] = (Category.CONTACTS,),
    purpose: str = PURPOSE,
    issued: datetime = NOW - timedelta(days=1),
    days: int = 90,
    revoked_at: datetime | None = None,
    client_id: str | None = None,
) -> Grant:
    return Grant(
        id=grant_id, person_id=person_id, partner_id=partner_id, client_id=client_id,
        scopes=frozenset(GrantScope(c, Action.READ, purpose) for c in categories),
        issued_at=issued, expires_at=issued + timedelta(days=days), receipt_hash="0" * 64,
        agreement_id=f"{partner_id}-v1", revoked_at=revoked_at,
    )  # fmt: skip


def sharing(
    person_id: str = "alice",
    *,
    share: bool = True,
    categories: tuple[Category, ...] = tuple(Category),
    via: tuple[Category, ...] = (),
) -> PrivacySettings:
    return PrivacySettings(person_id, share, frozenset(categories), frozenset(via))


def world(
    *,
    status: PartnerStatus = PartnerStatus.ACTIVE,
    agreements: tuple[Agreement, ...] | None = None,
    grants: tuple[Grant, ...] | None = None,
    settings: tuple[PrivacySettings, ...] | None = None,
) -> Engine:
    """An engine over one partner ``device-maker`` and the given agreements, grants, settings."""
    index = DecisionIndex()
    index.put_purposes([PURPOSE, OTHER_PURPOSE])
    index.put_partner(
        "device-maker", status, agreements if agreements is not None else (agreement(),)
    )
    for s in settings if settings is not None else (sharing(),):
        index.put_settings(s)
    pairs: dict[tuple[str, str], list[GrantRow]] = {}
    for g in grants if grants is not None else (grant(),):
        pairs.setdefault((g.person_id, g.partner_id), []).append(GrantRow.of(g))
    for (person, partner), rows in pairs.items():
        index.put_grants(person, partner, rows)
    return Engine(index)


def ask(
    person_id: str = "alice",
    category: Category = Category.CONTACTS,
    *,
    purpose: str = PURPOSE,
    partner_id: str = "device-maker",
    grant_id: str | None = None,
    client_id: str | None = None,
) -> DecisionRequest:
    return DecisionRequest(
        partner_id,
        person_id,
        category,
        Action.READ,
        purpose,
        grant_id=grant_id,
        client_id=client_id,
    )
