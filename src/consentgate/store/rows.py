"""Turning rows into domain objects and back: one place, shared by every repository."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import RowMapping

from consentgate.domain import (
    Action,
    Agreement,
    Capability,
    Category,
    DeletionObligation,
    Grant,
    GrantScope,
    ObligationReason,
    Partner,
    PartnerStatus,
    Person,
    PrivacySettings,
    Purpose,
    Quota,
    RecordScope,
)


def person(row: RowMapping) -> Person:
    return Person(
        id=row["id"],
        handle=row["handle"],
        display_name=row["display_name"],
        created_at=row["created_at"],
    )


def settings(row: RowMapping) -> PrivacySettings:
    return PrivacySettings(
        person_id=row["person_id"],
        share_with_partners=bool(row["share_with_partners"]),
        categories=frozenset(Category(c) for c in row["categories"]),
        via_others=frozenset(Category(c) for c in row["via_others"]),
    )


def partner(row: RowMapping) -> Partner:
    return Partner(
        id=row["id"], name=row["name"], kind=row["kind"], status=PartnerStatus(row["status"])
    )


def purpose(row: RowMapping) -> Purpose:
    return Purpose(id=row["id"], description=row["description"], data_use=row["data_use"])


def capability(row: RowMapping) -> Capability:
    quota = None
    if row["quota_max_requests"] is not None:
        quota = Quota(row["quota_max_requests"], row["quota_window_seconds"])
    return Capability(
        category=Category(row["category"]),
        action=Action(row["action"]),
        purpose=row["purpose_id"],
        fields=frozenset(row["fields"]),
        scope=RecordScope(row["scope"]),
        quota=quota,
    )


def capability_row(agreement_id: str, cap: Capability) -> dict[str, Any]:
    return {
        "agreement_id": agreement_id,
        "category": cap.category.value,
        "action": cap.action.value,
        "purpose_id": cap.purpose,
        "fields": cap.fields,
        "scope": cap.scope.value,
        "quota_max_requests": cap.quota.max_requests if cap.quota else None,
        "quota_window_seconds": cap.quota.window_seconds if cap.quota else None,
    }


def agreement(row: RowMapping, caps: Iterable[Capability]) -> Agreement:
    return Agreement(
        id=row["id"],
        partner_id=row["partner_id"],
        version=row["version"],
        valid_from=row["valid_from"],
        valid_until=row["valid_until"],
        retention_days=row["retention_days"],
        capabilities=tuple(caps),
        signed_at=row["signed_at"],
        ended_at=row["ended_at"],
    )


def scope(row: RowMapping) -> GrantScope:
    return GrantScope(Category(row["category"]), Action(row["action"]), row["purpose_id"])


def grant(row: RowMapping, scopes: Iterable[GrantScope]) -> Grant:
    return Grant(
        id=row["id"],
        person_id=row["person_id"],
        partner_id=row["partner_id"],
        client_id=row["client_id"],
        scopes=frozenset(scopes),
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        receipt_hash=row["receipt_hash"],
        agreement_id=row["agreement_id"],
        revoked_at=row["revoked_at"],
    )


def obligation(row: RowMapping) -> DeletionObligation:
    return DeletionObligation(
        id=row["id"],
        partner_id=row["partner_id"],
        person_id=row["person_id"],
        category=Category(row["category"]),
        grant_id=row["grant_id"],
        reason=ObligationReason(row["reason"]),
        opened_at=row["opened_at"],
        due_at=row["due_at"],
        confirmed_at=row["confirmed_at"],
    )
