"""Grants, revocations, lapsed scopes, agreement versions, deletion confirmations, certifications
and acknowledged findings, written to the log.

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
from collections.abc import Callable, Iterable, Mapping
from typing import ClassVar, TypedDict

from sqlalchemy import Connection

from consentgate import logs
from consentgate.domain import Agreement
from consentgate.domain.findings import Certification, CertifiedUse
from consentgate.domain.grants import GrantScope
from consentgate.ledger.entries import (
    AgreementVersion,
    CertificationMade,
    DeletionConfirmation,
    Entry,
    FindingAcknowledged,
    GrantIssued,
    Revocation,
    ScopeLapse,
    format_time,
    person_reference,
)
from consentgate.ledger.sequencer import Sequencer
from consentgate.services import metrics
from consentgate.services.base import ChangeKind
from consentgate.store import Database
from consentgate.store import agreements as agreement_rows
from consentgate.store import certifications as certification_rows
from consentgate.store import findings as finding_rows
from consentgate.store import grants as grant_rows
from consentgate.store.changes import Change

log = logging.getLogger(__name__)


def canonical_digest(body: Mapping[str, object]) -> str:
    """SHA-256, hex, of ``body`` as canonical JSON (sorted keys, no spaces), so that the digest
    in a log entry can be recomputed from the rows it names."""
    return hashlib.sha256(
        json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()


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
    return canonical_digest(body)


class _Stamp(TypedDict):
    """The fields every entry starts with (:class:`~consentgate.ledger.entries.Entry`)."""

    time: str
    request_id: str


def _stamp(change: Change) -> _Stamp:
    """A change's entry is stamped with the change's time and the request that made it."""
    return _Stamp(time=format_time(change.at), request_id=_request_id())


class _GrantEntry(_Stamp):
    """The fields every entry about a grant starts with (revocation, lapse, grant issued)."""

    grant_id: str
    partner: str
    person_ref: str


def _entry_scope(scope: GrantScope | CertifiedUse) -> str:
    """A (category, action, purpose) as entries write it: ``category:action:purpose``."""
    return f"{scope.category}:{scope.action}:{scope.purpose}"


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
        make = self._makers.get(change.kind)
        if make is None or not change.ref_id:
            return None
        with self.db.read() as conn:
            return make(self, conn, change, change.ref_id)

    def _grant(self, conn: Connection, change: Change, grant_id: str) -> Entry | None:
        grant = grant_rows.get_grant(conn, grant_id)
        if grant is None:
            return None
        about = _GrantEntry(
            **_stamp(change),
            grant_id=grant.id,
            partner=grant.partner_id,
            person_ref=self.person_ref(grant.person_id),
        )
        if grant.revoked_at is not None and grant.revoked_at == change.at:
            return Revocation(**about, by="platform")
        lapsed = sorted(s for s, when in grant.lapsed if when == change.at)
        if lapsed:
            return ScopeLapse(**about, scopes=tuple(map(_entry_scope, lapsed)))
        if grant.issued_at != change.at:
            return None
        return GrantIssued(
            **about,
            client=grant.client_id or "",
            scopes=tuple(map(_entry_scope, sorted(grant.scopes))),
            expires=format_time(grant.expires_at),
            receipt_id=grant.id,
            receipt_hash=grant.receipt_hash,
        )

    def _agreement(self, conn: Connection, change: Change, agreement_id: str) -> Entry | None:
        agreement = agreement_rows.get_agreement(conn, agreement_id)
        if agreement is None or agreement.signed_at != change.at:
            return None
        return AgreementVersion(
            **_stamp(change),
            agreement_id=agreement.id,
            version=agreement.version,
            partner=agreement.partner_id,
            valid_from=format_time(agreement.valid_from),
            valid_until=format_time(agreement.valid_until),
            digest=agreement_digest(agreement),
        )

    def _obligation(self, conn: Connection, change: Change, obligation_id: str) -> Entry | None:
        obligation = grant_rows.get_obligation(conn, obligation_id)
        if obligation is None or obligation.confirmed_at is None:
            return None
        return DeletionConfirmation(
            **_stamp(change),
            obligation_id=obligation.id,
            partner=obligation.partner_id,
            person_ref=self.person_ref(obligation.person_id),
            grant_id=obligation.grant_id,
            agreement_id=None,
        )

    def _certification(self, conn: Connection, change: Change, cert_id: str) -> Entry | None:
        certs = certification_rows.certifications_of(conn, change.partner_id or "")
        cert = next((c for c in certs if c.id == cert_id), None)
        if cert is None:
            return None
        return CertificationMade(
            **_stamp(change),
            certification_id=cert.id,
            partner=cert.partner_id,
            agreement_id=cert.agreement_id,
            uses=tuple(sorted(map(_entry_scope, cert.uses))),
            digest=certification_digest(cert),
        )

    def _finding(self, conn: Connection, change: Change, finding_id: str) -> Entry | None:
        finding = finding_rows.get_finding(conn, finding_id)
        ack = finding.acknowledgement if finding is not None else None
        if finding is None or ack is None or ack.at != change.at:
            return None
        return FindingAcknowledged(
            **_stamp(change),
            finding_id=finding.id,
            rule=finding.rule.value,
            partner=finding.partner_id,
            by=ack.by,
            note_sha256=hashlib.sha256(ack.note.encode()).hexdigest(),
        )

    _makers: ClassVar[dict[str, Callable[[Journal, Connection, Change, str], Entry | None]]] = {
        ChangeKind.GRANT: _grant,
        ChangeKind.AGREEMENT: _agreement,
        ChangeKind.OBLIGATION: _obligation,
        ChangeKind.CERTIFICATION: _certification,
        ChangeKind.FINDING: _finding,
    }


def certification_digest(cert: Certification) -> str:
    """SHA-256 of the certification's canonical JSON, reasons included: what exactly was stated."""
    body = {
        "id": cert.id,
        "partner": cert.partner_id,
        "agreement": cert.agreement_id,
        "certified_at": format_time(cert.certified_at),
        "uses": sorted(
            [u.category.value, u.action.value, u.purpose, u.why, u.monthly_requests]
            for u in cert.uses
        ),
    }
    return canonical_digest(body)


class PersonRef:
    """The keyed hash standing for a person in log entries (HMAC-SHA-256 with the log secret)."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def __call__(self, person_id: str) -> str:
        return person_reference(self._secret, person_id)


def _request_id() -> str:
    """The id of the HTTP request that made the change, when there is one (``consentgate.logs``),
    so its entry names the same request as the server's log lines; otherwise a fresh one."""
    return logs.request_id.get() or secrets.token_hex(8)
