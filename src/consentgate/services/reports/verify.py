"""``report verify``: is this report what the log says, at a state the log really signed?

In order, each failure naming what is wrong:

1. the file reads as a report (JSON, CSV or HTML) and carries a signed note;
2. the note is signed by the log's key (C2SP signed-note), for this log's origin;
3. the note's checkpoint is the one the report states;
4. the log signed that checkpoint: its current checkpoint (signed by the same key) is consistent
   with it, by an RFC 9162 §2.1.4 consistency proof (or equal, at the same size);
5. recomputed from the log's entries up to that size, every figure is the same (the first that
   differs is named);
6. the report's SHA-256 is the signed one (anything else edited, such as the notes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from consentgate.errors import IntegrityError
from consentgate.ledger.note import NoteError, NoteVerifier, open_checkpoint
from consentgate.ledger.tree import ProofError, verify_consistency
from consentgate.services.reports.document import (
    LogState,
    Report,
    ReportMismatch,
    first_difference,
)
from consentgate.services.reports.formats import read_report
from consentgate.services.reports.signing import open_signature
from consentgate.services.reports.stream import EntryBatches, Progress


class LogAccess(Protocol):
    """What verification reads from the log: its checkpoint, proofs and entries."""

    def checkpoint_note(self) -> bytes: ...

    def consistency(self, old: int, new: int) -> list[bytes]:
        """An RFC 9162 consistency proof between two sizes the log signed."""
        ...

    @property
    def batches(self) -> EntryBatches: ...


#: Recomputes a report of the same kind and parameters at the given log state.
Recompute = Callable[[Report, LogState, Progress | None], Report]


@dataclass(frozen=True)
class Verified:
    """A report that checked out, and what could not be checked from where it was read."""

    report: Report
    unchecked: tuple[str, ...]


def check_checkpoint(log: LogAccess, stated: LogState, verifier: NoteVerifier) -> None:
    """The log signed ``stated``: its current checkpoint is consistent with it."""
    try:
        current = open_checkpoint(log.checkpoint_note(), verifier)
    except NoteError as err:
        raise IntegrityError(f"the log's own checkpoint does not verify: {err.message}") from None
    never = f"the log never signed a checkpoint of size {stated.size} with this root"
    if stated.size > current.size:
        raise ReportMismatch(f"{never}: the log has {current.size} entries")
    if stated.size == current.size:
        if stated.root != current.root:
            raise ReportMismatch(never)
        return
    try:
        proof = log.consistency(stated.size, current.size)
        verify_consistency(stated.size, current.size, stated.root, current.root, proof)
    except (ProofError, IntegrityError) as err:
        raise ReportMismatch(f"{never} ({err.message})") from None


def verify_report(
    data: bytes,
    log: LogAccess,
    verifier: NoteVerifier,
    recompute: Recompute,
    progress: Progress | None = None,
) -> Report:
    """Check a report file against the log; :class:`ReportMismatch` names the first problem."""
    found = read_report(data)
    report = found.report
    signed = open_signature(found.signature, verifier)
    if signed.log != report.log:
        raise ReportMismatch(
            f"the report states checkpoint size {report.log.size}, root "
            f"{report.log.as_json()['root']}, but its signature is over size {signed.log.size}, "
            f"root {signed.log.as_json()['root']}"
        )
    if signed.kind != report.kind:
        raise ReportMismatch(f"the report says {report.kind}, its signature {signed.kind}")
    check_checkpoint(log, report.log, verifier)
    computed = recompute(report, report.log, progress)
    difference = first_difference(report, computed)
    if difference is not None:
        raise ReportMismatch(difference)
    if signed.sha256 != report.sha256():
        raise ReportMismatch("the report's text differs from what was signed (its SHA-256)")
    return report
