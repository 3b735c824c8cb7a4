"""Obligations of an allowed decision, applied to records before anything leaves (DESIGN.md rule 4, 5).

An allowed decision carries :class:`Obligations`: the capability's allowed fields, its record
scope, and whose records these are. :func:`apply_obligations` enforces them on the records a data
source produced:

1. a record of another category or another owner is dropped (it was never asked for);
2. the record scope: ``all``, ``created_by_partner`` (only records this partner created),
   ``since_grant`` (only records created at or after the grant was issued);
3. other people's consent: a record that belongs to another platform person (``subject_id``) who
   does not allow their data to reach partners through someone else's grant is dropped; an entry
   of a list field that names such a person is redacted (replaced by ``None``, so nothing about
   them — not even their id — leaves); each counts as ``third_party.filtered``;
4. only the allowed fields are kept.

Anything malformed (an ``others`` list that does not line up with its field) is dropped: fail closed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

from consentgate.domain.agreements import RecordScope
from consentgate.domain.records import Record
from consentgate.policy.reasons import THIRD_PARTY_FILTERED

#: ``allows(person_id, category)``: whether that person's part of others' data may reach partners.
ThirdPartyConsent = Callable[[str, str], bool]


@dataclass(frozen=True, slots=True)
class Obligations:
    """What must hold of the records an allowed decision lets out."""

    partner_id: str
    person_id: str
    category: str
    fields: frozenset[str]
    scope: RecordScope
    #: POSIX seconds the grant was issued at (the bound of ``since_grant``).
    grant_issued_at: float


@dataclass(frozen=True, slots=True)
class Filtered:
    """The records that may leave, and what was taken out (counted for the log and the person)."""

    records: tuple[dict[str, Any], ...]
    out_of_scope: int
    third_party_dropped: int
    third_party_redacted: int

    @property
    def third_party_filtered(self) -> int:
        """Records dropped plus entries redacted because of another person's settings."""
        return self.third_party_dropped + self.third_party_redacted

    @property
    def reasons(self) -> tuple[str, ...]:
        """``("third_party.filtered",)`` when anything of another person was taken out."""
        return (THIRD_PARTY_FILTERED,) if self.third_party_filtered else ()


def apply_obligations(
    obligations: Obligations, records: Iterable[Record], allows: ThirdPartyConsent
) -> Filtered:
    """Keep only what ``obligations`` and every other person's settings let out of ``records``."""
    kept: list[dict[str, Any]] = []
    out_of_scope = dropped = redacted = 0
    category = obligations.category
    # One answer per person per call, and one redaction per list of people: a page of a thread
    # names the same people on every message, so each is asked about once, not once a message.
    answers: dict[str, bool] = {}
    redactions: dict[tuple[str | None, ...], _Redaction] = {}

    def allowed(person: str) -> bool:
        found = answers.get(person)
        if found is None:
            found = answers[person] = allows(person, category)
        return found

    wanted = obligations.fields
    in_scope = _scope_test(obligations)
    for record in records:
        if not in_scope(record):
            out_of_scope += 1
            continue
        subject = record.subject_id
        if subject is not None and subject != record.owner_id and not allowed(subject):
            dropped += 1
            continue
        # The allowed fields the record has (in the record's order), then the lists of people
        # among them redacted: one pass over the record's fields, not a lookup per allowed one.
        out = {name: value for name, value in record.fields.items() if name in wanted}
        malformed = False
        for name, people in record.others.items():
            if name not in out:
                continue
            people = tuple(people)  # a data source may hand a list: a key must be hashable
            redaction = redactions.get(people)
            if redaction is None:
                redaction = redactions[people] = _Redaction.of(
                    people, obligations.person_id, allowed
                )
            cleaned = redaction.apply(out[name])
            if cleaned is None:
                malformed = True
                break
            out[name] = cleaned
            redacted += redaction.hidden
        if malformed:
            dropped += 1
            continue
        kept.append(out)
    return Filtered(tuple(kept), out_of_scope, dropped, redacted)


def _scope_test(obligations: Obligations) -> Callable[[Record], bool]:
    """Whether a record is one this call asked for and the record scope lets out (the test is
    made once a call, not worked out again for every record)."""
    category, owner, partner = obligations.category, obligations.person_id, obligations.partner_id
    scope, since = obligations.scope, obligations.grant_issued_at

    def asked_for(record: Record) -> bool:
        return str(record.category) == category and record.owner_id == owner

    if scope is RecordScope.CREATED_BY_PARTNER:
        return lambda record: asked_for(record) and record.created_by_partner == partner
    if scope is RecordScope.SINCE_GRANT:
        return lambda record: asked_for(record) and record.created_at.timestamp() >= since
    if scope is RecordScope.ALL:
        return asked_for
    # A scope added to RecordScope must get its test here: mypy finds the case missing, and at
    # run time this raises, so such records never leave (fail closed).
    assert_never(scope)


class _Redaction:
    """Which entries of a list field stay, given the person behind each (``None``: not a
    platform user) and who the record belongs to."""

    def __init__(self, keep: tuple[bool, ...]) -> None:
        self.keep = keep
        #: How many entries it replaces by ``None``.
        self.hidden = keep.count(False)

    @staticmethod
    def of(
        people: Sequence[str | None], owner_id: str, allowed: Callable[[str], bool]
    ) -> _Redaction:
        return _Redaction(
            tuple(person is None or person == owner_id or allowed(person) for person in people)
        )

    def apply(self, value: Any) -> list[Any] | None:
        """``value`` with each entry of a person who does not allow it replaced by ``None``;
        ``None`` when ``value`` is not a list that lines up with the people (the caller drops
        the record)."""
        if not isinstance(value, list | tuple) or len(value) != len(self.keep):
            return None
        if not self.hidden:
            return list(value)
        return [entry if keep else None for entry, keep in zip(value, self.keep, strict=True)]
