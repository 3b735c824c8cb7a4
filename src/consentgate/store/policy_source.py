"""The SQL behind the decision index: bulk loads at start, and reloads of one key after a change.

Everything here returns plain values the pure index takes (:class:`GrantRow`, settings rows,
domain agreements); nothing here decides anything. Bulk loads read rows in primary-key order and
turn them into index entries as they stream, without building domain objects per grant, so a
million people load in seconds rather than minutes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Float,
    Integer,
    Select,
    cast,
    extract,
    func,
    select,
    type_coerce,
)

from consentgate.domain import Agreement
from consentgate.policy.index import GrantRow, Scope, SettingsRow
from consentgate.store import agreements as agreement_rows
from consentgate.store.tables import (
    grant_scopes,
    grants,
    partners,
    people,
    privacy_settings,
    purposes,
)

_BATCH = 20_000


def _epoch(conn: Connection, column: ColumnElement[Any]) -> ColumnElement[float]:
    """POSIX seconds of a stored UTC time, computed by the database.

    Converting a million rows of datetimes in Python dominates a bulk load; the database does it
    for free. Both stores keep naive UTC timestamps (see ``store.types.UTCDateTime``).
    """
    raw = type_coerce(column, DateTime())  # the stored value, not the aware-datetime decorator
    if conn.dialect.name == "sqlite":
        # SQLite stores "YYYY-MM-DD HH:MM:SS.ffffff": exact whole seconds from strftime, plus the
        # stored fraction as written (strftime's own %f would round to milliseconds).
        whole = cast(func.strftime("%s", func.substr(raw, 1, 19)), Integer)
        return cast(whole + cast(func.substr(raw, 20), Float), Float)
    return cast(extract("epoch", raw), Float)


def purpose_ids(conn: Connection) -> list[str]:
    """Every registered purpose id."""
    return list(conn.execute(select(purposes.c.id)).scalars())


def partner_states(conn: Connection) -> list[tuple[str, str, list[Agreement]]]:
    """(partner id, status, every agreement version) for every partner."""
    by_partner: dict[str, list[Agreement]] = {}
    for agreement in agreement_rows.all_agreements(conn):
        by_partner.setdefault(agreement.partner_id, []).append(agreement)
    return [
        (pid, status, by_partner.get(pid, []))
        for pid, status in conn.execute(select(partners.c.id, partners.c.status))
    ]


def partner_state(conn: Connection, partner_id: str) -> tuple[str, list[Agreement]] | None:
    """(status, agreements) of one partner, or ``None`` if it does not exist."""
    status = conn.execute(
        select(partners.c.status).where(partners.c.id == partner_id)
    ).scalar_one_or_none()
    if status is None:
        return None
    return str(status), agreement_rows.agreements_of(conn, partner_id)


def _settings_query() -> Select[tuple[str, bool | None, Any, Any]]:
    """Every person with their settings row, if any (an outer join: no row means all off)."""
    return select(
        people.c.id,
        privacy_settings.c.share_with_partners,
        privacy_settings.c.categories,
        privacy_settings.c.via_others,
    ).select_from(people.outerjoin(privacy_settings, privacy_settings.c.person_id == people.c.id))


def person_settings(conn: Connection, person_id: str | None = None) -> Iterator[SettingsRow]:
    """The privacy settings of every person (or one); no settings row means all off."""
    query = _settings_query()
    if person_id is not None:
        query = query.where(people.c.id == person_id)
    for pid, share, own, via in conn.execute(query.execution_options(yield_per=_BATCH)):
        yield pid, bool(share), own or (), via or ()


def settings_of_partner_people(conn: Connection, partner_id: str) -> Iterator[SettingsRow]:
    """The privacy settings of every person who ever granted ``partner_id`` anything."""
    granted = select(grants.c.person_id).where(grants.c.partner_id == partner_id).distinct()
    for pid, share, own, via in conn.execute(_settings_query().where(people.c.id.in_(granted))):
        yield pid, bool(share), own or (), via or ()


def grant_rows(
    conn: Connection, *, person_id: str | None = None, partner_id: str | None = None
) -> Iterator[GrantRow]:
    """Every grant (or those of one person and/or partner) with its scopes, in grant id order."""
    query = (
        select(
            grants.c.id,
            grants.c.person_id,
            grants.c.partner_id,
            grants.c.client_id,
            grants.c.agreement_id,
            _epoch(conn, grants.c.issued_at),
            _epoch(conn, grants.c.expires_at),
            _epoch(conn, grants.c.revoked_at),
            grant_scopes.c.category,
            grant_scopes.c.action,
            grant_scopes.c.purpose_id,
            _epoch(conn, grant_scopes.c.lapsed_at),
        )
        .select_from(grants.join(grant_scopes, grant_scopes.c.grant_id == grants.c.id))
        .order_by(grants.c.id)
    )
    if person_id is not None:
        query = query.where(grants.c.person_id == person_id)
    if partner_id is not None:
        query = query.where(grants.c.partner_id == partner_id)
    current: list[object] | None = None
    scopes: set[Scope] = set()
    lapsed: list[tuple[Scope, float]] = []
    for row in conn.execute(query.execution_options(yield_per=_BATCH)):
        if current is None or current[0] != row[0]:
            if current is not None:
                yield _grant_row(current, scopes, lapsed)
            current, scopes, lapsed = list(row[:8]), set(), []
        if row[11] is None:
            scopes.add((row[8], row[9], row[10]))
        else:
            lapsed.append(((row[8], row[9], row[10]), float(row[11])))
    if current is not None:
        yield _grant_row(current, scopes, lapsed)


def _grant_row(
    values: list[object], scopes: set[Scope], lapsed: list[tuple[Scope, float]]
) -> GrantRow:
    gid, person, partner, client, agreement, issued, expires, revoked = values
    return GrantRow(
        str(gid),
        str(person),
        str(partner),
        None if client is None else str(client),
        str(agreement),
        float(issued),  # type: ignore[arg-type]
        float(expires),  # type: ignore[arg-type]
        None if revoked is None else float(revoked),  # type: ignore[arg-type]
        frozenset(scopes),
        tuple(sorted(lapsed)),
    )
