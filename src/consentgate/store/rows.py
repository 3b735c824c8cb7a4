"""Turning rows into domain objects and back, and the few statements every repository writes the
same way: one place, shared by every repository."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Column, ColumnElement, Connection, RowMapping, Table, select, update

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

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T", bound="DataclassInstance")
C = TypeVar("C")


def from_row(cls: type[T], row: RowMapping, **computed: Any) -> T:
    """A ``cls`` whose fields are the row's columns of the same names, except those given in
    ``computed`` (the ones that need converting, or come from other rows)."""
    columns = {f.name: row[f.name] for f in fields(cls) if f.name not in computed}
    return cls(**columns, **computed)


def values(obj: DataclassInstance, table: Table, **extra: Any) -> dict[str, Any]:
    """The ``table`` row of ``obj``: each column from the attribute of the same name, except
    those given in ``extra`` (columns the object does not carry)."""
    return {c.name: getattr(obj, c.name) for c in table.columns if c.name not in extra} | extra


def children(
    conn: Connection,
    parent: Column[Any],
    parent_ids: Sequence[str],
    convert: Callable[[RowMapping], C],
    *order_by: Column[Any],
) -> dict[str, list[C]]:
    """The rows whose ``parent`` column is one of ``parent_ids`` (in ``order_by`` order),
    converted, and grouped by that parent."""
    found: dict[str, list[C]] = defaultdict(list)
    query = select(parent.table).where(parent.in_(parent_ids)).order_by(*order_by)
    for row in conn.execute(query).mappings():
        found[row[parent.name]].append(convert(row))
    return found


def one(
    conn: Connection, column: Column[Any], value: Any, convert: Callable[[RowMapping], C]
) -> C | None:
    """The row of ``column``'s table whose ``column`` (a unique key) is ``value``, converted;
    ``None`` when there is none."""
    row = conn.execute(select(column.table).where(column == value)).mappings().first()
    return None if row is None else convert(row)


def every(
    conn: Connection, table: Table, convert: Callable[[RowMapping], C], *order_by: Column[Any]
) -> list[C]:
    """Every row of ``table`` in ``order_by`` order, converted."""
    return [convert(row) for row in conn.execute(select(table).order_by(*order_by)).mappings()]


def revoke(conn: Connection, table: Table, at: datetime, *where: ColumnElement[bool]) -> int:
    """Stamp ``revoked_at`` with ``at`` on the rows of ``table`` matching ``where`` that are not
    revoked yet (a revocation, once made, keeps its time); how many rows it stamped."""
    result = conn.execute(
        update(table).where(*where, table.c.revoked_at.is_(None)).values(revoked_at=at)
    )
    return result.rowcount


def person(row: RowMapping) -> Person:
    return from_row(Person, row)


def settings(row: RowMapping) -> PrivacySettings:
    return PrivacySettings(
        person_id=row["person_id"],
        share_with_partners=bool(row["share_with_partners"]),
        categories=frozenset(Category(c) for c in row["categories"]),
        via_others=frozenset(Category(c) for c in row["via_others"]),
    )


def partner(row: RowMapping) -> Partner:
    return from_row(Partner, row, status=PartnerStatus(row["status"]))


def purpose(row: RowMapping) -> Purpose:
    return from_row(Purpose, row)


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
    return from_row(Agreement, row, capabilities=tuple(caps))


def scope(row: RowMapping) -> GrantScope:
    return GrantScope(Category(row["category"]), Action(row["action"]), row["purpose_id"])


def lapsable_scope(row: RowMapping) -> tuple[GrantScope, datetime | None]:
    """A grant scope with when it lapsed (None: it did not)."""
    return scope(row), row["lapsed_at"]


def grant(row: RowMapping, scopes: Iterable[tuple[GrantScope, datetime | None]]) -> Grant:
    """A grant from its row and its scopes' rows: the lapsed ones apart (see ``Grant.lapsed``)."""
    found = list(scopes)
    lapsed = tuple(sorted((s, at) for s, at in found if at is not None))
    return from_row(Grant, row, scopes=frozenset(s for s, at in found if at is None), lapsed=lapsed)


def obligation(row: RowMapping) -> DeletionObligation:
    return from_row(
        DeletionObligation,
        row,
        category=Category(row["category"]),
        reason=ObligationReason(row["reason"]),
    )
