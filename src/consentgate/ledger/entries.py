"""Log entries: one leaf per decision, grant, revocation, agreement version or deletion confirmation.

Serialization, version 1 (the bytes hashed into the leaf, RFC 9162 §2.1.1):

* a JSON object encoded canonically in the manner of RFC 8785 (JCS) restricted to strings,
  integers, booleans, null and arrays of those: keys sorted, no insignificant whitespace, UTF-8,
  no floats (times are RFC 3339 UTC strings with millisecond precision and a ``Z``);
* it always has ``"v": 1`` and ``"type"``, one of ``access``, ``grant``, ``revocation``,
  ``agreement``, ``deletion``, ``lapse``, ``certification``, ``finding``; the other keys are the
  fields of that type's class below;
* at most 65,535 bytes (C2SP tlog-tiles entry bundles use a 16-bit length prefix).

People appear only as ``person_ref``: ``HMAC-SHA-256(log secret, person id)`` in hex, so entries
can be handed to auditors without identities; a person is shown their own reference.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from consentgate.errors import InvalidInput

VERSION = 1
MAX_ENTRY_BYTES = 0xFFFF


def person_reference(secret: bytes, person_id: str) -> str:
    """The keyed hash that stands for a person in the log (HMAC-SHA-256, hex)."""
    if len(secret) < 16:
        raise InvalidInput("the log's person secret must be at least 16 bytes")
    return hmac.new(secret, person_id.encode(), hashlib.sha256).hexdigest()


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with milliseconds, the only time format in entries."""
    if moment.tzinfo is None:
        raise InvalidInput("entry times must be timezone-aware")
    # isoformat truncates to milliseconds (as ``microsecond // 1000`` would) and, unlike
    # strftime, pads the year to four digits on every platform; it is also several times faster.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")[:-6] + "Z"


@dataclass(frozen=True, kw_only=True)
class Entry:
    """Common to every entry: when it happened (as an RFC 3339 string) and the request it served."""

    type: ClassVar[str] = ""
    time: str
    request_id: str

    def encode(self) -> bytes:
        """The canonical version-1 bytes of this entry (the leaf data)."""
        body: dict[str, Any] = {"v": VERSION, "type": self.type}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            body[field.name] = list(value) if isinstance(value, tuple) else value
        data = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        raw = data.encode()
        if len(raw) > MAX_ENTRY_BYTES:
            raise InvalidInput(f"a log entry is at most {MAX_ENTRY_BYTES} bytes")
        return raw


@dataclass(frozen=True, kw_only=True)
class AccessDecision(Entry):
    """A decision about one partner request, allowed or denied, logged before any data leaves."""

    type: ClassVar[str] = "access"
    partner: str
    client: str
    person_ref: str
    category: str
    action: str
    purpose: str
    decision: str  # "allow" | "deny"
    reasons: tuple[str, ...]
    records_returned: int
    records_filtered: int
    grant_id: str | None
    receipt_id: str | None


@dataclass(frozen=True, kw_only=True)
class GrantIssued(Entry):
    """A person granted a partner a set of (category, action, purpose); ``receipt_hash`` is the
    SHA-256 of exactly what the consent screen showed."""

    type: ClassVar[str] = "grant"
    grant_id: str
    partner: str
    client: str
    person_ref: str
    scopes: tuple[str, ...]  # "category:action:purpose"
    expires: str
    receipt_id: str
    receipt_hash: str


@dataclass(frozen=True, kw_only=True)
class Revocation(Entry):
    """A grant ended early, by the person, an admin or the partner."""

    type: ClassVar[str] = "revocation"
    grant_id: str
    partner: str
    person_ref: str
    by: str  # "person" | "admin" | "partner"


@dataclass(frozen=True, kw_only=True)
class AgreementVersion(Entry):
    """A new version of a partner agreement; ``digest`` is the SHA-256 of its canonical form."""

    type: ClassVar[str] = "agreement"
    agreement_id: str
    version: int
    partner: str
    valid_from: str
    valid_until: str
    digest: str


@dataclass(frozen=True, kw_only=True)
class DeletionConfirmation(Entry):
    """A partner confirmed it deleted what it held under an ended grant or agreement."""

    type: ClassVar[str] = "deletion"
    obligation_id: str
    partner: str
    person_ref: str | None
    grant_id: str | None
    agreement_id: str | None


@dataclass(frozen=True, kw_only=True)
class ScopeLapse(Entry):
    """Scopes of a grant lapsed: the partner left them unused for the lapse period, so the grant
    no longer covers them (``scopes`` as in :class:`GrantIssued`)."""

    type: ClassVar[str] = "lapse"
    grant_id: str
    partner: str
    person_ref: str
    scopes: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class CertificationMade(Entry):
    """A partner certified which capabilities and purposes it uses (``uses`` as
    ``category:action:purpose``); ``digest`` is the SHA-256 of the certification with its reasons."""

    type: ClassVar[str] = "certification"
    certification_id: str
    partner: str
    agreement_id: str
    uses: tuple[str, ...]
    digest: str


@dataclass(frozen=True, kw_only=True)
class FindingAcknowledged(Entry):
    """Staff acknowledged a finding; ``note_sha256`` binds the note kept with it."""

    type: ClassVar[str] = "finding"
    finding_id: str
    rule: str
    partner: str
    by: str
    note_sha256: str


ENTRY_TYPES: dict[str, type[Entry]] = {
    cls.type: cls
    for cls in (
        AccessDecision,
        GrantIssued,
        Revocation,
        AgreementVersion,
        DeletionConfirmation,
        ScopeLapse,
        CertificationMade,
        FindingAcknowledged,
    )
}


def decode_entry(data: bytes) -> Entry:
    """Parse version-1 entry bytes; refuses anything that does not re-encode to the same bytes."""
    try:
        body = json.loads(data)
    except (UnicodeDecodeError, ValueError):
        raise InvalidInput("a log entry is not JSON") from None
    if not isinstance(body, dict) or body.pop("v", None) != VERSION:
        raise InvalidInput(f"a log entry is not a version-{VERSION} object")
    cls = ENTRY_TYPES.get(str(body.pop("type", "")))
    if cls is None:
        raise InvalidInput("a log entry has an unknown type")
    names = {f.name for f in dataclasses.fields(cls)}
    if set(body) != names:
        raise InvalidInput(f"a {cls.type} entry has fields {sorted(names)}")
    values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in body.items()}
    entry = cls(**values)
    if entry.encode() != data:
        raise InvalidInput("a log entry is not in canonical form")
    return entry
