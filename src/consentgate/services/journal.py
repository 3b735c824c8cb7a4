"""Grants, revocations, agreement versions and deletion confirmations, written to the log.

A listener on the service layer's committed writes: for each change that the public should be able
to see in the log, it appends an entry (``consentgate.ledger.entries``). Access decisions are
logged by :mod:`consentgate.services.access` itself, before data leaves.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import time
from collections.abc import Callable, Iterable

from consentgate import logs
from consentgate.domain import Agreement
from consentgate.ledger.entries import (
    AgreementVersion,
    DeletionConfirmation,
    Entry,
    GrantIssued,
    Revocation,
    format_time,
    person_reference,
)
from consentgate.ledger.sequencer import Sequencer
from consentgate.services import metrics
from consentgate.services.base import ChangeKind
from consentgate.store import Database
from consentgate.store import agreements as agreement_rows
from consentgate.store import grants as grant_rows
from consentgate.store.changes import Change

log = logging.getLogger(__name__)


def agreement_digest(agreement: Agreement) -> str:
    """SHA-256 of the agreement version's canonical JSON: what exactly was signed."""
    body = {
        "id": agreement.id,
        "partner": agreement.partner_id,
        "version": agreement.version,
        "valid_from": format_time(agreement.valid_from),
        "valid_until": format_time(agreement.valid_until),
        "retention_days": agreement.retention_days,
        "capabilities": sorted(
            [
                c.category.value,
                c.action.value,
                c.purpose,
                sorted(c.fields),
                c.scope.value,
                [c.quota.max_requests, c.quota.window_seconds] if c.quota else None,
            ]
            for c in agreement.capabilities
        ),
    }
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


class Journal:
    """Appends a log entry for each grant, revocation, agreement version and deletion confirmation."""

    def __init__(
        self, db: Database, log_appender: Sequencer, person_ref: Callable[[str], str]
    ) -> None:
        self.db = db
        self.log = log_appender
        self.person_ref = person_ref

    def apply_changes(self, changes: Iterable[Change]) -> None:
        """Log the entries of one committed transaction; they share group commits."""
        entries = [e for e in (self._entry(c) for c in changes) if e is not None]
        started = time.perf_counter()
        waiting = [self.log.submit(e.encode()) for e in entries]
        for future in waiting:
            future.result(timeout=30)
            metrics.observe_append("journal", started)

    def _entry(self, change: Change) -> Entry | None:
        at = format_time(change.at)
        # The HTTP request that made the change, when there is one (see consentgate.logs).
        request_id = logs.request_id.get() or secrets.token_hex(8)
        with self.db.read() as conn:
            if change.kind == ChangeKind.GRANT and change.ref_id:
                grant = grant_rows.get_grant(conn, change.ref_id)
                if grant is None:
                    return None
                if grant.revoked_at is not None and grant.revoked_at == change.at:
                    return Revocation(
                        time=at,
                        request_id=request_id,
                        grant_id=grant.id,
                        partner=grant.partner_id,
                        person_ref=self.person_ref(grant.person_id),
                        by="platform",
                    )
                if grant.issued_at != change.at:
                    return None
                return GrantIssued(
                    time=at,
                    request_id=request_id,
                    grant_id=grant.id,
                    partner=grant.partner_id,
                    client=grant.client_id or "",
                    person_ref=self.person_ref(grant.person_id),
                    scopes=tuple(
                        f"{s.category}:{s.action}:{s.purpose}" for s in sorted(grant.scopes)
                    ),
                    expires=format_time(grant.expires_at),
                    receipt_id=grant.id,
                    receipt_hash=grant.receipt_hash,
                )
            if change.kind == ChangeKind.AGREEMENT and change.ref_id:
                agreement = agreement_rows.get_agreement(conn, change.ref_id)
                if agreement is None or agreement.signed_at != change.at:
                    return None
                return AgreementVersion(
                    time=at,
                    request_id=request_id,
                    agreement_id=agreement.id,
                    version=agreement.version,
                    partner=agreement.partner_id,
                    valid_from=format_time(agreement.valid_from),
                    valid_until=format_time(agreement.valid_until),
                    digest=agreement_digest(agreement),
                )
            if change.kind == ChangeKind.OBLIGATION and change.ref_id:
                obligation = grant_rows.get_obligation(conn, change.ref_id)
                if obligation is None or obligation.confirmed_at is None:
                    return None
                return DeletionConfirmation(
                    time=at,
                    request_id=request_id,
                    obligation_id=obligation.id,
                    partner=obligation.partner_id,
                    person_ref=self.person_ref(obligation.person_id),
                    grant_id=obligation.grant_id,
                    agreement_id=None,
                )
        return None


class PersonRef:
    """The keyed hash standing for a person in log entries (HMAC-SHA-256 with the log secret)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __call__(self, person_id: str) -> str:
        return person_reference(self._secret, person_id)
