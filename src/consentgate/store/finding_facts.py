"""The SQL behind the findings rules: the aggregates they read.

Every aggregate is one grouped query over the access history that sits beside the log
(``access_subjects``, one ``subject`` row per logged access, written in the log append's own
transaction), over grants or over deletion obligations; nothing here loads rows per person.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    Text,
    and_,
    case,
    delete,
    distinct,
    func,
    insert,
    literal,
    or_,
    select,
    type_coerce,
    update,
)

from consentgate.policy.finding_facts import (
    AgreementFact,
    CertificationFact,
    Denials,
    Overdue,
    PartnerFacts,
    Scope,
    Tally,
)
from consentgate.store.tables import (
    access_subjects,
    agreements,
    capabilities,
    certifications,
    certified_uses,
    deletion_obligations,
    exposure_snapshots,
    grant_scopes,
    grants,
    partner_status_history,
    partners,
    privacy_settings,
)

#: How many log indexes (or ids) a finding's evidence lists at most.
SAMPLE = 10
#: The status-history reason of a suspension for an overdue certification.
UNCERTIFIED_REASON = "certification overdue"

_S = access_subjects.c


def _agreement_end() -> ColumnElement[datetime]:
    a = agreements.c
    return case(
        (and_(a.ended_at.is_not(None), a.ended_at < a.valid_until), a.ended_at), else_=a.valid_until
    )


# --- partners, agreements, certifications ----------------------------------------------------------
def partner_facts(conn: Connection) -> list[PartnerFacts]:
    """Every partner with its agreement versions, latest certification and uncertified suspension."""
    a, c = agreements.c, capabilities.c
    scopes: dict[str, set[Scope]] = defaultdict(set)
    for aid, cat, act, pur in conn.execute(
        select(c.agreement_id, c.category, c.action, c.purpose_id)
    ):
        scopes[aid].add((cat, act, pur))
    by_partner: dict[str, list[AgreementFact]] = defaultdict(list)
    rows = conn.execute(
        select(a.id, a.partner_id, a.version, a.valid_from, a.valid_until, a.ended_at, a.signed_at)
    )
    for aid, pid, version, start, until, ended, signed in rows:
        end = ended if ended is not None and ended < until else until
        by_partner[pid].append(
            AgreementFact(aid, pid, version, start, end, signed, frozenset(scopes[aid]))
        )
    certs = latest_certifications(conn)
    suspended = uncertified_suspensions(conn)
    return [
        PartnerFacts(
            pid,
            status,
            tuple(sorted(by_partner[pid], key=lambda f: f.version)),
            certs.get(pid),
            suspended.get(pid),
        )
        for pid, status in conn.execute(
            select(partners.c.id, partners.c.status).order_by(partners.c.id)
        )
    ]


def latest_certifications(conn: Connection) -> dict[str, CertificationFact]:
    """Each partner's latest certification, with the scopes it states."""
    c = certifications.c
    newest = (
        select(c.partner_id, func.max(c.certified_at).label("at")).group_by(c.partner_id).subquery()
    )
    query = (
        select(c.id, c.partner_id, c.certified_at)
        .join(newest, and_(newest.c.partner_id == c.partner_id, newest.c.at == c.certified_at))
        .order_by(c.id)
    )
    found: dict[str, tuple[str, datetime]] = {}
    for cid, pid, at in conn.execute(query):
        found[pid] = (cid, at)
    uses: dict[str, dict[Scope, int | None]] = defaultdict(dict)
    ids = [cid for cid, _ in found.values()]
    if ids:
        u = certified_uses.c
        for cid, cat, act, pur, monthly in conn.execute(
            select(
                u.certification_id, u.category, u.action, u.purpose_id, u.monthly_requests
            ).where(u.certification_id.in_(ids))
        ):
            uses[cid][(cat, act, pur)] = monthly
    return {pid: CertificationFact(cid, at, uses[cid]) for pid, (cid, at) in found.items()}


def uncertified_suspensions(conn: Connection) -> dict[str, datetime]:
    """When each partner was last suspended for an overdue certification."""
    h = partner_status_history.c
    query = (
        select(h.partner_id, func.max(h.at))
        .where(h.status == "suspended", h.reason.like(UNCERTIFIED_REASON + "%"))
        .group_by(h.partner_id)
    )
    return {pid: at for pid, at in conn.execute(query)}  # noqa: C416 - a Result has keys()


# --- the access history ---------------------------------------------------------------------------
def _samples(
    conn: Connection, where: ColumnElement[bool], partner_ids: Iterable[str]
) -> dict[str, tuple[int, ...]]:
    found: dict[str, tuple[int, ...]] = {}
    for pid in partner_ids:
        query = (
            select(_S.log_index)
            .where(where, _S.partner_id == pid)
            .order_by(_S.log_index.desc())
            .limit(SAMPLE)
        )
        found[pid] = tuple(conn.execute(query).scalars())
    return found


def late_accesses(conn: Connection) -> dict[str, Tally]:
    """Allowed accesses at a time when none of the partner's agreement versions was in force."""
    a = agreements.c
    in_force = (
        select(a.id)
        .where(a.partner_id == _S.partner_id, a.valid_from <= _S.at, _S.at < _agreement_end())
        .exists()
    )
    where = and_(_S.role == "subject", _S.decision == "allow", ~in_force)
    counts = {
        pid: int(n)
        for pid, n in conn.execute(
            select(_S.partner_id, func.count()).where(where).group_by(_S.partner_id)
        )
    }
    samples = _samples(conn, where, counts)
    return {pid: Tally(n, samples[pid]) for pid, n in counts.items()}


def denials(
    conn: Connection, window_start: datetime, baseline_start: datetime, now: datetime
) -> dict[str, Denials]:
    """Per partner: denials in ``[window_start, now)`` and in ``[baseline_start, window_start)``."""
    recent = case((_S.at >= window_start, 1), else_=0)
    where = and_(_S.role == "subject", _S.decision == "deny", _S.at >= baseline_start, _S.at <= now)
    rows = conn.execute(
        select(_S.partner_id, func.sum(recent), func.count()).where(where).group_by(_S.partner_id)
    ).all()
    bursting = [pid for pid, r, _ in rows if r]
    samples = _samples(conn, and_(where, _S.at >= window_start), bursting)
    return {
        pid: Denials(Tally(int(r or 0), samples.get(pid, ())), int(n) - int(r or 0))
        for pid, r, n in rows
    }


def allowed_uses(
    conn: Connection, since: datetime, now: datetime
) -> dict[tuple[str, Scope], Tally]:
    """Allowed accesses per (partner, scope) in ``[since, now)``, with the latest log index."""
    query = (
        select(
            _S.partner_id, _S.category, _S.action, _S.purpose, func.count(), func.max(_S.log_index)
        )
        .where(_S.role == "subject", _S.decision == "allow", _S.at >= since, _S.at <= now)
        .group_by(_S.partner_id, _S.category, _S.action, _S.purpose)
    )
    return {
        (pid, (cat, act, pur)): Tally(int(n), (int(last),))
        for pid, cat, act, pur, n, last in conn.execute(query)
    }


def uses_since_certified(
    conn: Connection, certs: dict[str, CertificationFact], now: datetime
) -> dict[tuple[str, Scope], Tally]:
    """Allowed accesses per (partner, scope) since each partner's latest certification."""
    found: dict[tuple[str, Scope], Tally] = {}
    by_time: dict[datetime, list[str]] = defaultdict(list)
    for pid, cert in certs.items():
        by_time[cert.certified_at].append(pid)
    for at, pids in by_time.items():
        query = (
            select(
                _S.partner_id,
                _S.category,
                _S.action,
                _S.purpose,
                func.count(),
                func.max(_S.log_index),
            )
            .where(
                _S.role == "subject",
                _S.decision == "allow",
                _S.at >= at,
                _S.at <= now,
                _S.partner_id.in_(pids),
            )
            .group_by(_S.partner_id, _S.category, _S.action, _S.purpose)
        )
        for pid, cat, act, pur, n, last in conn.execute(query):
            found[(pid, (cat, act, pur))] = Tally(int(n), (int(last),))
    return found


# --- grants: lapsing scopes and exposure ------------------------------------------------------------
def _active_at(now: datetime) -> ColumnElement[bool]:
    g = grants.c
    return and_(
        g.issued_at <= now, g.expires_at > now, or_(g.revoked_at.is_(None), g.revoked_at > now)
    )


def unused_scopes(
    conn: Connection, now: datetime, cutoff: datetime
) -> list[tuple[str, str, str, Scope]]:
    """(grant id, person id, partner id, scope) of unlapsed scopes of grants active at ``now``,
    issued at or before ``cutoff``, which the partner has not used for that person since
    ``cutoff`` (no allowed access to the person's own data in that category, action and purpose)."""
    g, gs = grants.c, grant_scopes.c
    used = (
        select(_S.log_index)
        .where(
            _S.person_id == g.person_id,
            _S.partner_id == g.partner_id,
            _S.role == "subject",
            _S.decision == "allow",
            _S.category == gs.category,
            _S.action == gs.action,
            _S.purpose == gs.purpose_id,
            _S.at >= cutoff,
        )
        .exists()
    )
    query = (
        select(g.id, g.person_id, g.partner_id, gs.category, gs.action, gs.purpose_id)
        .select_from(grants.join(grant_scopes, gs.grant_id == g.id))
        .where(_active_at(now), g.issued_at <= cutoff, gs.lapsed_at.is_(None), ~used)
        .order_by(g.id)
    )
    return [
        (gid, person, pid, (cat, act, pur))
        for gid, person, pid, cat, act, pur in conn.execute(query)
    ]


def lapse(conn: Connection, grant_id: str, scope: Scope, at: datetime) -> None:
    gs = grant_scopes.c
    conn.execute(
        update(grant_scopes)
        .where(
            gs.grant_id == grant_id,
            gs.category == scope[0],
            gs.action == scope[1],
            gs.purpose_id == scope[2],
            gs.lapsed_at.is_(None),
        )
        .values(lapsed_at=at)
    )


def lapsed_scopes(conn: Connection, now: datetime) -> dict[tuple[str, Scope], int]:
    """How many grants active at ``now`` have each (partner, scope) lapsed."""
    g, gs = grants.c, grant_scopes.c
    query = (
        select(g.partner_id, gs.category, gs.action, gs.purpose_id, func.count())
        .select_from(grants.join(grant_scopes, gs.grant_id == g.id))
        .where(_active_at(now), gs.lapsed_at.is_not(None), gs.lapsed_at <= now)
        .group_by(g.partner_id, gs.category, gs.action, gs.purpose_id)
    )
    return {(pid, (cat, act, pur)): int(n) for pid, cat, act, pur, n in conn.execute(query)}


def exposure(conn: Connection, now: datetime) -> dict[tuple[str, str], int]:
    """People each active partner can read, per category, at ``now``: an active grant with an
    unlapsed read scope that an agreement in force covers, and the person's master switch and
    category switch on (the engine's rules 1 to 3, as one grouped query)."""
    g, gs, a, c, ps = grants.c, grant_scopes.c, agreements.c, capabilities.c, privacy_settings.c
    covered = (
        select(c.id)
        .select_from(capabilities.join(agreements, a.id == c.agreement_id))
        .where(
            a.partner_id == g.partner_id,
            a.valid_from <= now,
            _agreement_end() > now,
            c.category == gs.category,
            c.action == gs.action,
            c.purpose_id == gs.purpose_id,
        )
        .exists()
    )
    switched_on = (literal(",") + type_coerce(ps.categories, Text) + literal(",")).like(
        literal("%,") + gs.category + literal(",%")
    )
    query = (
        select(g.partner_id, gs.category, func.count(distinct(g.person_id)))
        .select_from(
            grants.join(grant_scopes, gs.grant_id == g.id)
            .join(privacy_settings, ps.person_id == g.person_id)
            .join(partners, partners.c.id == g.partner_id)
        )
        .where(
            _active_at(now),
            gs.action == "read",
            gs.lapsed_at.is_(None),
            partners.c.status == "active",
            ps.share_with_partners.is_(True),
            switched_on,
            covered,
        )
        .group_by(g.partner_id, gs.category)
    )
    return {(pid, cat): int(n) for pid, cat, n in conn.execute(query)}


def snapshot_before(
    conn: Connection, at: datetime, not_before: datetime
) -> dict[tuple[str, str], tuple[datetime, int]]:
    """The latest exposure snapshot of each (partner, category) taken in ``[not_before, at]``."""
    x = exposure_snapshots.c
    newest = (
        select(x.partner_id, x.category, func.max(x.taken_at).label("taken"))
        .where(x.taken_at <= at, x.taken_at >= not_before)
        .group_by(x.partner_id, x.category)
        .subquery()
    )
    query = select(x.partner_id, x.category, x.taken_at, x.people).join(
        newest,
        and_(
            newest.c.partner_id == x.partner_id,
            newest.c.category == x.category,
            newest.c.taken == x.taken_at,
        ),
    )
    return {(pid, cat): (taken, int(n)) for pid, cat, taken, n in conn.execute(query)}


def last_snapshot_at(conn: Connection) -> datetime | None:
    found: datetime | None = conn.execute(select(func.max(exposure_snapshots.c.taken_at))).scalar()
    return found


def save_snapshot(conn: Connection, counts: dict[tuple[str, str], int], at: datetime) -> None:
    values = [
        {"partner_id": pid, "category": cat, "taken_at": at, "people": n}
        for (pid, cat), n in sorted(counts.items())
    ]
    if values:
        conn.execute(insert(exposure_snapshots), values)


# --- deletion obligations ---------------------------------------------------------------------------
def overdue_deletions(conn: Connection, now: datetime) -> dict[str, Overdue]:
    d = deletion_obligations.c
    where = and_(d.confirmed_at.is_(None), d.due_at < now)
    rows = conn.execute(
        select(d.partner_id, func.count(), func.min(d.due_at)).where(where).group_by(d.partner_id)
    ).all()
    found = {}
    for pid, n, oldest in rows:
        sample = tuple(
            conn.execute(
                select(d.id)
                .where(where, d.partner_id == pid)
                .order_by(d.due_at, d.id)
                .limit(SAMPLE)
            ).scalars()
        )
        found[pid] = Overdue(int(n), oldest, sample)
    return found


def forget_snapshots_before(conn: Connection, before: datetime) -> None:
    conn.execute(delete(exposure_snapshots).where(exposure_snapshots.c.taken_at < before))
