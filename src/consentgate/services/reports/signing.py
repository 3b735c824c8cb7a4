"""The signature of a report: a C2SP signed note over its SHA-256 and the checkpoint it used.

The note's text is six lines::

    consentgate.report/v1
    <kind>
    <SHA-256 of the report's canonical JSON, hex>
    <log origin>
    <checkpoint size>
    <checkpoint root hash, base64>

signed with the log's own key (https://c2sp.org/signed-note), so whoever trusts the log's
checkpoints can check that the log's operator stands behind the report, and at which log state.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from consentgate.errors import InvalidInput
from consentgate.ledger.note import Checkpoint, NoteError, NoteSigner, NoteVerifier, open_note
from consentgate.services.reports.document import KINDS, LogState, Report, ReportMismatch

HEADER = "consentgate.report/v1"


@dataclass(frozen=True)
class Signed:
    """What a report's note says: the report's kind and SHA-256, and the log state."""

    kind: str
    sha256: str
    log: LogState

    def text(self) -> str:
        """The note's six lines; the last three are the log state, written as a checkpoint is."""
        state = Checkpoint(origin=self.log.origin, size=self.log.size, root=self.log.root)
        return f"{HEADER}\n{self.kind}\n{self.sha256}\n{state.text()}"

    @classmethod
    def parse(cls, text: str) -> Signed:
        lines = text.split("\n")
        if len(lines) != 7 or lines[0] != HEADER or lines[6] != "":
            raise InvalidInput("the signature's note is not a consentgate report note")
        kind, digest, origin, size, root = lines[1:6]
        if kind not in KINDS or len(digest) != 64 or not size.isdigit():
            raise InvalidInput("the signature's note is malformed")
        try:
            raw = base64.b64decode(root, validate=True)
        except binascii.Error:
            raise InvalidInput("the signature's note has a root that is not base64") from None
        return cls(kind, digest, LogState(origin, int(size), raw))


def sign(report: Report, signer: NoteSigner) -> str:
    """The signed note of ``report`` (text)."""
    return signer.sign(Signed(report.kind, report.sha256(), report.log).text()).decode()


def unsigned_origin(note: str) -> str | None:
    """The origin a note claims, read before its signature is checked (to name another log)."""
    text = note.rpartition("\n\n")[0] + "\n"
    try:
        return Signed.parse(text).log.origin
    except InvalidInput:
        return None


def open_signature(note: str, verifier: NoteVerifier) -> Signed:
    """Check the note's signature by the log's key and read it."""
    if not note.strip():
        raise InvalidInput("the report carries no signature")
    claimed = unsigned_origin(note)
    if claimed is not None and claimed != verifier.name:
        raise ReportMismatch(
            f"the report was made against another log ({claimed}), not {verifier.name}"
        )
    try:
        text = open_note(note.encode(), verifier)
    except NoteError as err:
        raise ReportMismatch(f"the report's signature does not verify: {err.message}") from None
    return Signed.parse(text)
