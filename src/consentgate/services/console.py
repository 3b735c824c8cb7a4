"""The console's read model: what staff see on the partners list, a partner's page, the exposure
table and the activity charts, gathered from the store and the decision index.

Reachability ("how many people's messages can this partner read right now?") comes from the
engine's exposure queries (:meth:`DecisionService.reach_of_partner`), so the console shows
exactly what the engine would allow. Everything else is a few SQL statements per page
(``store/console.py``), sized for a million people: lists are capped and counted apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import RowMapping

from consentgate.domain import Agreement, Category, Partner
from consentgate.domain.clock import Clock
from consentgate.errors import NotFound
from consentgate.services.decisions import DecisionService
from consentgate.store import Database
from consentgate.store import agreements as agreement_rows
from consentgate.store import clients as client_rows
from consentgate.store import console as rows
from consentgate.store import partners as partner_rows
from consentgate.store.log import SqlLogStore

CATEGORIES = tuple(c.value for c in Category)
#: How many grants and deletion obligations a partner's page lists (the counts are complete).
PAGE_ROWS = 50


@dataclass(frozen=True, slots=True)
class PartnerLine:
    """One line of the partners list."""

    partner: Partner
    #: The agreement version in force now (else the latest one), its number and end.
    agreement_version: int | None
    agreement_end: datetime | None
    in_force: bool
    #: People holding an active grant, and per category how many the partner can reach now.
    grantees: int
    reachable: dict[str, int]
    last_access: datetime | None
    overdue_deletions: int


@dataclass(frozen=True, slots=True)
class CapabilityChange:
    """One (category, action, purpose) in a diff of two agreement versions."""

    key: str
    change: str  # "added", "removed" or "changed"
    details: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AgreementDiff:
    """What changed from agreement version ``old`` to ``new``."""

    old: Agreement
    new: Agreement
    capabilities: tuple[CapabilityChange, ...]
    dates: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PartnerPage:
    """Everything on one partner's page."""

    line: PartnerLine
    agreements: list[Agreement]
    clients: list[str]
    grants: list[RowMapping]
    grant_scopes: dict[str, list[str]]
    grant_counts: dict[str, int]
    obligations: list[RowMapping]
    obligation_counts: dict[str, int]
    status_history: list[tuple[Any, str, datetime]] = field(default_factory=list)


def _span_end(span: RowMapping) -> datetime:
    """When an agreement version stops being in force (its end date, or when it was ended)."""
    ended: datetime | None = span["ended_at"]
    until: datetime = span["valid_until"]
    return ended if ended is not None and ended < until else until


def _current(spans: list[RowMapping], now: datetime) -> tuple[RowMapping | None, bool]:
    """The version in force now (the newest such), else the newest version."""
    in_force = [r for r in spans if r["valid_from"] <= now < _span_end(r)]
    if in_force:
        return max(in_force, key=lambda r: r["version"]), True
    return (max(spans, key=lambda r: r["version"]) if spans else None), False


def _capability_text(cap: Any) -> dict[str, str]:
    quota = f"{cap.quota.max_requests} per {cap.quota.window_seconds} s" if cap.quota else "none"
    return {
        "fields": ", ".join(sorted(cap.fields)) or "(none)",
        "record scope": cap.scope.value,
        "quota": quota,
    }


def diff_agreements(old: Agreement, new: Agreement) -> AgreementDiff:
    """Capabilities added, removed or changed (fields, record scope, quota), and date changes."""
    before = {"{}:{}:{}".format(*(str(k) for k in c.key)): c for c in old.capabilities}
    after = {"{}:{}:{}".format(*(str(k) for k in c.key)): c for c in new.capabilities}
    changes: list[CapabilityChange] = []
    for key in sorted(before.keys() | after.keys()):
        if key not in before:
            text = _capability_text(after[key])
            changes.append(
                CapabilityChange(key, "added", tuple(f"{k}: {v}" for k, v in text.items()))
            )
        elif key not in after:
            changes.append(CapabilityChange(key, "removed"))
        else:
            a, b = _capability_text(before[key]), _capability_text(after[key])
            moved = tuple(f"{k}: {a[k]} → {b[k]}" for k in a if a[k] != b[k])
            if moved:
                changes.append(CapabilityChange(key, "changed", moved))
    dates = []
    for label, x, y in (
        ("valid from", old.valid_from, new.valid_from),
        ("valid until", old.valid_until, new.valid_until),
    ):
        if x != y:
            dates.append(f"{label}: {x:%Y-%m-%d} → {y:%Y-%m-%d}")
    if old.retention_days != new.retention_days:
        dates.append(f"retention: {old.retention_days} → {new.retention_days} days")
    return AgreementDiff(old, new, tuple(changes), tuple(dates))


class ConsoleService:
    """The console's pages, read from the store and the decision index."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def partners(self, decisions: DecisionService) -> list[PartnerLine]:
        """Every partner, with its agreement, reach, last access and overdue deletions."""
        now = self.clock()
        with self.db.read() as conn:
            partners = partner_rows.list_partners(conn)
            spans: dict[str, list[RowMapping]] = {}
            for span in rows.agreement_spans(conn):
                spans.setdefault(span["partner_id"], []).append(span)
            last = rows.last_access_by_partner(conn)
            overdue = rows.overdue_by_partner(conn, now)
        return [self._line(p, spans.get(p.id, []), last, overdue, decisions, now) for p in partners]

    def _line(
        self,
        partner: Partner,
        spans: list[RowMapping],
        last: dict[str, datetime],
        overdue: dict[str, int],
        decisions: DecisionService,
        now: datetime,
    ) -> PartnerLine:
        current, in_force = _current(spans, now)
        try:
            grantees, reachable = decisions.reach_of_partner(partner.id, at=now)
        except NotFound:  # registered after the index last heard of it: nothing reachable yet
            grantees, reachable = 0, dict.fromkeys(CATEGORIES, 0)
        end = _span_end(current) if current is not None else None
        return PartnerLine(
            partner,
            current["version"] if current is not None else None,
            end,
            in_force,
            grantees,
            reachable,
            last.get(partner.id),
            overdue.get(partner.id, 0),
        )

    def partner(self, partner_id: str, decisions: DecisionService) -> PartnerPage:
        """One partner's page (NotFound for an unknown id)."""
        now = self.clock()
        with self.db.read() as conn:
            partner = partner_rows.get_partner(conn, partner_id)
            if partner is None:
                raise NotFound(f"unknown partner {partner_id!r}")
            agreements = agreement_rows.agreements_of(conn, partner_id)
            spans = [s for s in rows.agreement_spans(conn) if s["partner_id"] == partner_id]
            last = rows.last_access_by_partner(conn)
            overdue = rows.overdue_by_partner(conn, now)
            clients = client_rows.clients_of_partner(conn, partner_id)
            grants, grant_counts = rows.grants_page(conn, partner_id, now, PAGE_ROWS)
            scopes = rows.scopes_of(conn, [g["id"] for g in grants])
            obligations, obligation_counts = rows.obligations_page(conn, partner_id, now, PAGE_ROWS)
            history = partner_rows.status_history(conn, partner_id)
        line = self._line(partner, spans, last, overdue, decisions, now)
        return PartnerPage(
            line,
            agreements,
            clients,
            grants,
            scopes,
            grant_counts,
            obligations,
            obligation_counts,
            history,
        )

    def log_entries(self, indexes: list[int]) -> list[tuple[int, str]]:
        """The stored bytes of these log entries (JSON text), for a finding's evidence."""
        store = SqlLogStore(self.db)
        found = []
        for index in indexes:
            for idx, data in store.entries(index, index + 1):
                found.append((idx, data.decode("utf-8", "replace")))
        return found

    def people_named(self, person_ids: list[str]) -> dict[str, tuple[str, str]]:
        """The handle and display name of each of ``person_ids``."""
        with self.db.read() as conn:
            return rows.people_named(conn, person_ids)

    def diff(self, partner_id: str, old_version: int, new_version: int) -> AgreementDiff:
        """The diff between two of a partner's agreement versions (NotFound if either is not
        one of its versions)."""
        with self.db.read() as conn:
            versions = {a.version: a for a in agreement_rows.agreements_of(conn, partner_id)}
        if old_version not in versions or new_version not in versions:
            raise NotFound(
                f"{partner_id!r} has no agreement versions {old_version} and {new_version}"
            )
        return diff_agreements(versions[old_version], versions[new_version])

    def activity(
        self, days: int, partner_id: str | None = None
    ) -> tuple[list[date], list[dict[str, Any]]]:
        """The last ``days`` days (oldest first) and the accesses per day, partner, category and
        decision in them."""
        today = self.clock().date()
        since_day = today - timedelta(days=days - 1)
        since = datetime.combine(since_day, datetime.min.time(), tzinfo=self.clock().tzinfo)
        with self.db.read() as conn:
            found = rows.activity(conn, since, partner_id)
        return [since_day + timedelta(days=i) for i in range(days)], found
