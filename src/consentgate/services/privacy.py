"""The privacy center's reads: what a person sees about the partners they allowed, the accesses
to their data, and the deletions partners owe them (DESIGN.md: "person").

Everything here is scoped to one person: a grant or obligation of anyone else is
:class:`NotFound`, never shown, so a guessed id in a URL tells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from consentgate.domain import Agreement, DeletionObligation, Grant, Partner, PartnerStatus
from consentgate.domain.clock import Clock
from consentgate.domain.obligations import ObligationReason
from consentgate.errors import NotFound
from consentgate.store import Database
from consentgate.store import agreements as agreement_rows
from consentgate.store import grants as grant_rows
from consentgate.store import history as history_rows
from consentgate.store import partners as partner_rows
from consentgate.store.history import AccessRow, HistoryFilter

__all__ = ["AccessRow", "DeletionView", "EndReason", "GrantView", "HistoryFilter", "PrivacyCenter"]

#: "Recent" on the partners page: accesses counted over this many days.
RECENT_DAYS = 30
#: Closes a grant's window just after its end, so an access at that very moment still counts.
_INSTANT = timedelta(microseconds=1)
#: A timeline is drawn from at most this many accesses (the newest).
TIMELINE_LIMIT = 50_000


class EndReason(StrEnum):
    """Why a grant stopped working, as the person is told."""

    REVOKED = "revoked"
    EXPIRED = "expired"
    AGREEMENT_ENDED = "agreement_ended"
    PARTNER_SUSPENDED = "partner_suspended"


_BY_OBLIGATION = {
    ObligationReason.GRANT_REVOKED: EndReason.REVOKED,
    ObligationReason.GRANT_EXPIRED: EndReason.EXPIRED,
    ObligationReason.AGREEMENT_ENDED: EndReason.AGREEMENT_ENDED,
    ObligationReason.PARTNER_SUSPENDED: EndReason.PARTNER_SUSPENDED,
}


@dataclass(frozen=True, slots=True)
class GrantView:
    """One grant as the person's partners page shows it."""

    grant: Grant
    partner: Partner
    agreement: Agreement | None
    receipt_text: str
    #: The partner's last access to the person's own data while it held this grant, and how many
    #: of those in the last :data:`RECENT_DAYS` days (the history keeps partner and time, not the
    #: grant: two grants of one partner that overlap in time both count what it did then).
    last_access: datetime | None
    recent_accesses: int
    ended_because: EndReason | None  # None while the grant works

    @property
    def active(self) -> bool:
        return self.ended_because is None


@dataclass(frozen=True, slots=True)
class DeletionView:
    """One deletion a partner owes the person."""

    obligation: DeletionObligation
    partner: Partner


def end_reason(
    grant: Grant,
    partner: Partner,
    agreement: Agreement | None,
    obligations: list[DeletionObligation],
    now: datetime,
) -> EndReason | None:
    """Why ``grant`` no longer works at ``now`` (None if it does).

    The reason a deletion obligation was opened with is the record of why the grant ended; a
    grant that opened none (one that only ever wrote) is explained from its own dates, the
    agreement's end and the partner's status.
    """
    working = agreement is None or agreement.in_force(now)
    if grant.active(now) and partner.status is PartnerStatus.ACTIVE and working:
        return None
    for obligation in obligations:
        return _BY_OBLIGATION[obligation.reason]
    if partner.status is not PartnerStatus.ACTIVE:
        return EndReason.PARTNER_SUSPENDED
    ended = grant.ended_at()
    if agreement is not None and agreement.end <= min(ended, now):
        return EndReason.AGREEMENT_ENDED
    if grant.revoked_at is not None and grant.revoked_at < grant.expires_at:
        return EndReason.REVOKED
    return EndReason.EXPIRED


class PrivacyCenter:
    """Read-only views for one signed-in person."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def grants(self, person_id: str) -> list[GrantView]:
        """Every grant the person gave, working ones first, newest first within each."""
        now = self.clock()
        with self.db.read() as conn:
            grants = grant_rows.grants_of_person(conn, person_id)
            partners: dict[str, Partner] = {}
            agreements: dict[str, Agreement | None] = {}
            views = []
            for g in grants:
                if g.partner_id not in partners:
                    partner = partner_rows.get_partner(conn, g.partner_id)
                    if partner is None:  # a grant always names a registered partner
                        continue
                    partners[g.partner_id] = partner
                if g.agreement_id not in agreements:
                    agreements[g.agreement_id] = agreement_rows.get_agreement(conn, g.agreement_id)
                partner, agreement = partners[g.partner_id], agreements[g.agreement_id]
                # Counted per grant: accesses under an older, ended grant of the same partner
                # belong to that one, not to the permission given since.
                last_access, recent = history_rows.grant_use(
                    conn,
                    person_id,
                    g.partner_id,
                    g.issued_at,
                    min(g.ended_at(), now) + _INSTANT,
                    now - timedelta(days=RECENT_DAYS),
                )
                obligations = grant_rows.obligations_of_grant(conn, g.id)
                views.append(
                    GrantView(
                        grant=g,
                        partner=partner,
                        agreement=agreement,
                        receipt_text=grant_rows.receipt_text(conn, g.id) or "",
                        last_access=last_access,
                        recent_accesses=recent,
                        ended_because=end_reason(g, partner, agreement, obligations, now),
                    )
                )
        views.sort(key=lambda v: v.grant.issued_at, reverse=True)
        views.sort(key=lambda v: not v.active)
        return views

    def grant(self, person_id: str, grant_id: str) -> GrantView:
        """One of the person's own grants; anyone else's is :class:`NotFound`."""
        for view in self.grants(person_id):
            if view.grant.id == grant_id:
                return view
        raise NotFound(f"unknown grant {grant_id[:64]!r}")

    def deletions(self, person_id: str) -> list[DeletionView]:
        """Every deletion partners owe the person, soonest due first."""
        with self.db.read() as conn:
            obligations = grant_rows.obligations_of_person(conn, person_id)
            partners = {
                pid: partner_rows.get_partner(conn, pid)
                for pid in {o.partner_id for o in obligations}
            }
        return [
            DeletionView(o, p) for o in obligations if (p := partners[o.partner_id]) is not None
        ]

    def history(
        self, person_id: str, where: HistoryFilter, *, offset: int, limit: int
    ) -> tuple[list[AccessRow], int]:
        """One page of the accesses to the person's data, newest first, and how many match."""
        with self.db.read() as conn:
            return history_rows.history_page(conn, person_id, where, offset=offset, limit=limit)

    def recent_accesses(self, person_id: str, days: int) -> list[tuple[str, str, str, datetime]]:
        """(partner, category, decision, time) of every access in the last ``days`` days."""
        since = self.clock() - timedelta(days=days)
        with self.db.read() as conn:
            return history_rows.history_times(conn, person_id, since, limit=TIMELINE_LIMIT)

    def partners_seen(self, person_id: str) -> list[str]:
        """The partners in the person's history."""
        with self.db.read() as conn:
            return history_rows.partners_in_history(conn, person_id)

    def partner_names(self) -> dict[str, str]:
        """Every partner's display name, by id."""
        with self.db.read() as conn:
            return {p.id: p.name for p in partner_rows.list_partners(conn)}

    def purposes(self) -> dict[str, str]:
        """Every registered purpose's description (what people are shown), by id."""
        with self.db.read() as conn:
            return {p.id: p.description for p in partner_rows.list_purposes(conn)}
