"""Revoking grants and opening deletion obligations: one mechanism for every way access ends."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from consentgate.domain import Action, DeletionObligation, Grant
from consentgate.domain.obligations import ObligationReason
from consentgate.services.base import ChangeKind, new_id
from consentgate.store import agreements as agreement_rows
from consentgate.store import grants as grant_rows
from consentgate.store import oauth as oauth_rows

if TYPE_CHECKING:
    from consentgate.services.base import _Write


def revoke_grants(
    w: _Write, grants: Iterable[Grant], reason: ObligationReason, now: datetime
) -> list[DeletionObligation]:
    """Revoke ``grants`` (if not already) and their tokens, and open one obligation per category
    each one read.

    Obligations are due after the retention days of the agreement the grant was issued under.
    """
    grants = list(grants)
    to_revoke = [g.id for g in grants if g.revoked_at is None]
    grant_rows.set_revoked(w.conn, to_revoke, now)
    # A revoked grant's tokens die with it, in the same transaction (RFC 7009 §2: revocation
    # ends the authorization, so introspection and refresh agree with the engine at once).
    oauth_rows.revoke_tokens_of_grants(w.conn, [g.id for g in grants], now)
    opened = open_obligations(w, grants, reason, now)
    for g in grants:
        w.note(ChangeKind.GRANT, now, person_id=g.person_id, partner_id=g.partner_id, ref_id=g.id)
    return opened


def open_obligations(
    w: _Write, grants: Iterable[Grant], reason: ObligationReason, now: datetime
) -> list[DeletionObligation]:
    """Open the deletion obligations of ended ``grants`` (once per grant and category)."""
    retention: dict[str, int] = {}
    opened: list[DeletionObligation] = []
    for g in grants:
        if g.agreement_id not in retention:
            agreement = agreement_rows.get_agreement(w.conn, g.agreement_id)
            retention[g.agreement_id] = agreement.retention_days if agreement else 0
        existing = {o.category for o in grant_rows.obligations_of_grant(w.conn, g.id)}
        reads = {s.category for s in g.issued_scopes if s.action is Action.READ}
        categories = sorted(reads - existing)
        for category in categories:
            opened.append(
                DeletionObligation(
                    id=new_id("del"),
                    partner_id=g.partner_id,
                    person_id=g.person_id,
                    category=category,
                    grant_id=g.id,
                    reason=reason,
                    opened_at=now,
                    due_at=now + timedelta(days=retention[g.agreement_id]),
                )
            )
    grant_rows.insert_obligations(w.conn, opened)
    return opened
