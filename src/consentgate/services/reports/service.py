"""Reports computed from the transparency log, signed with its key, and verified against it.

:class:`ReportService` builds the three reports at the log's latest signed checkpoint:

* **transparency** over a period: per partner × category × action, the decisions, records
  returned and filtered and the people reached; and the totals;
* **partner**: a record of processing in the manner of GDPR Art. 30 — agreement versions (from the
  log), what they allow (the platform's registry, checked against the versions' logged digests),
  the actual use, the people reached, grants, revocations and deletions;
* **person**: every recipient of one person's data (GDPR Art. 15(1)(c)), their grants and
  receipts, deletions, and accesses through other people's grants — never naming anyone else.

Figures come from the log's entries up to the checkpoint (:mod:`.tally`); the two tables the
entries cannot give (``capabilities``, ``through_others``) come from the database and are
marked so in the report's notes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from consentgate.domain.clock import Clock
from consentgate.errors import InvalidInput, NotFound
from consentgate.ledger.entries import format_time
from consentgate.ledger.note import NoteSigner, NoteVerifier, open_checkpoint
from consentgate.services.journal import agreement_digest
from consentgate.services.logcheck import StoreLogSource
from consentgate.services.reports.document import LogState, Report, Table
from consentgate.services.reports.formats import ReportFile
from consentgate.services.reports.partner_tally import PartnerTally
from consentgate.services.reports.person_tally import PersonTally
from consentgate.services.reports.signing import sign
from consentgate.services.reports.stream import EntryBatches, Progress, count
from consentgate.services.reports.tally import Period, Tally, TransparencyTally, table
from consentgate.services.reports.verify import verify_report
from consentgate.store import Database, history
from consentgate.store import agreements as agreement_rows
from consentgate.store import partners as partner_rows
from consentgate.store import people as people_rows

NOTES = {
    "transparency": (
        "Counted from the transparency log's entries up to the checkpoint stated; the period is "
        "[from, to) in entry time.",
        "people: distinct people whose own data a partner received (allowed requests); other "
        "people in the records are not in the log's entries and are not counted here.",
        "records_filtered: records taken out because another person in them did not allow it.",
        "deletions_opened: one per category a grant could read, when it was revoked or expired "
        "within the log's time; deletions_confirmed: the partners' logged confirmations.",
    ),
    "partner": (
        "Counted from the transparency log's entries up to the checkpoint stated.",
        "capabilities: from the platform's registry, not the log; digest_matches_log says "
        "whether each version's canonical form hashes to the digest the log recorded.",
        "people_reached: distinct people whose own data the partner received.",
        "certification: the uses the partner's latest certification entry states, against its "
        "allowed requests logged since (allowed_since); empty until the partner certifies.",
    ),
    "person": (
        "Counted from the transparency log's entries about this person (their person_ref) up to "
        "the checkpoint stated.",
        "through_others: accesses in which this person's data was in someone else's records, "
        "from the platform's access index (each names a log entry, which does not list who was "
        "in the data); nobody else is named.",
    ),
}
CAPABILITY_COLUMNS = (
    "agreement_id", "version", "category", "action", "purpose",
    "data_use", "fields", "record_scope", "retention_days", "digest_matches_log",
)  # fmt: skip
OTHERS_COLUMNS = (
    "partner", "category", "action", "purpose",
    "included", "filtered", "first_access", "last_access",
)  # fmt: skip
#: Tables a report takes from the database rather than the log.
FROM_DATABASE = frozenset({"capabilities", "through_others"})


class DatabaseLog(StoreLogSource):
    """A :class:`~.verify.LogAccess` straight from a database: the verifier's view of it
    (:class:`~consentgate.services.logcheck.StoreLogSource`), plus consistency proofs and
    batches of entries."""

    def consistency(self, old: int, new: int) -> list[bytes]:
        return self.reader.consistency(old, new)[0]

    @property
    def batches(self) -> EntryBatches:
        return self.store.entry_batches


def parse_period(start: datetime, end: datetime) -> Period:
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("--from and --to need a time zone (e.g. 2026-01-01T00:00:00Z)")
    if start >= end:
        raise InvalidInput("--from must be before --to")
    return Period(format_time(start), format_time(end))


class ReportService:
    """Builds, signs and verifies reports over one database's log.

    ``signer`` is the log's key (reports are signed with it); ``person_ref`` maps a person id to
    the keyed hash that stands for them in the log.
    """

    def __init__(
        self,
        db: Database,
        clock: Clock,
        signer: NoteSigner | None = None,
        person_ref: Callable[[str], str] | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.signer = signer
        self.person_ref = person_ref
        self.log = DatabaseLog(db)

    def log_state(self, verifier: NoteVerifier) -> LogState:
        """The log's latest signed checkpoint (verified)."""
        checkpoint = open_checkpoint(self.log.checkpoint_note(), verifier)
        if checkpoint.size == 0:
            raise NotFound("the log is empty: there is nothing to report")
        return LogState(checkpoint.origin, checkpoint.size, checkpoint.root)

    def _signed(self, report: Report) -> ReportFile:
        if self.signer is None:
            raise InvalidInput("reports are signed with the log's key, which is not configured")
        return ReportFile(report, sign(report, self.signer))

    def _state(self) -> LogState:
        if self.signer is None:
            raise InvalidInput("reports are signed with the log's key, which is not configured")
        return self.log_state(self.signer.verifier)

    # --- building ---------------------------------------------------------------------------
    def transparency(
        self, start: datetime, end: datetime, progress: Progress | None = None
    ) -> ReportFile:
        period = parse_period(start, end)
        params = {"from": period.start, "to": period.end}
        return self._signed(self.compute("transparency", params, self._state(), progress))

    def partner(self, partner_id: str, progress: Progress | None = None) -> ReportFile:
        with self.db.read() as conn:
            if partner_rows.get_partner(conn, partner_id) is None:
                raise NotFound(f"unknown partner {partner_id!r}")
        params = {"partner": partner_id}
        return self._signed(self.compute("partner", params, self._state(), progress))

    def person(self, person_id: str, progress: Progress | None = None) -> ReportFile:
        with self.db.read() as conn:
            person = people_rows.get_person(conn, person_id)
            if person is None:
                found = people_rows.find_by_handle(conn, person_id)
                person = None if found is None else found[0]
        if person is None:
            raise NotFound(f"unknown person {person_id!r}")
        if self.person_ref is None:
            raise InvalidInput("the log's person-reference secret is not available")
        params = {"person": person.id, "person_ref": self.person_ref(person.id)}
        return self._signed(self.compute("person", params, self._state(), progress))

    # --- computing --------------------------------------------------------------------------
    def compute(
        self,
        kind: str,
        params: dict[str, str],
        log: LogState,
        progress: Progress | None = None,
        *,
        verifying: bool = False,
    ) -> Report:
        """A report of ``kind`` with ``params`` at ``log``, from this database's entries (and
        the tables only the database has). ``verifying`` checks the entries against the root."""
        tally = _tally(kind, params)
        tables = count(tally, self.log.batches, log, progress, check_root=verifying)
        if kind == "partner":
            tables["capabilities"] = self._capabilities(params["partner"], tables["agreements"])
        if kind == "person":
            tables["through_others"] = self._through_others(params["person"], log.size)
        return Report(kind, params, log, tables, NOTES[kind])

    def _capabilities(self, partner_id: str, logged: Table) -> Table:
        digests = {row[0]: row[4] for row in logged.rows}
        with self.db.read() as conn:
            versions = [
                a for a in agreement_rows.agreements_of(conn, partner_id) if a.id in digests
            ]
            uses = {p.id: p.data_use for p in partner_rows.list_purposes(conn)}
        rows = [
            (
                a.id,
                str(a.version),
                c.category.value,
                c.action.value,
                c.purpose,
                uses.get(c.purpose),
                " ".join(sorted(c.fields)) or None,
                c.scope.value,
                a.retention_days,
                "yes" if agreement_digest(a) == digests[a.id] else "no",
            )
            for a in versions
            for c in a.capabilities
        ]
        return table(CAPABILITY_COLUMNS, 5, rows)

    def _through_others(self, person_id: str, size: int) -> Table:
        with self.db.read() as conn:
            found = history.accesses_through_others(conn, person_id, size)
        rows: dict[tuple[str, str, str, str], list[int | str | None]] = {}
        for partner, category, action, purpose, role, at in found:
            moment = format_time(at)
            row = rows.setdefault((partner, category, action, purpose), [0, 0, moment, moment])
            row[0 if role == "included" else 1] += 1  # type: ignore[operator]
            row[3] = moment
        return table(OTHERS_COLUMNS, 4, [(*k, *v) for k, v in rows.items()])

    # --- verifying --------------------------------------------------------------------------
    def verify(
        self, data: bytes, verifier: NoteVerifier, progress: Progress | None = None
    ) -> Report:
        """Verify a report file against this database's log (every table, database ones too)."""

        def recompute(report: Report, log: LogState, bar: Progress | None) -> Report:
            return self.compute(report.kind, report.parameters, log, bar, verifying=True)

        return verify_report(data, self.log, verifier, recompute, progress)


def _tally(kind: str, params: dict[str, str]) -> Tally:
    if kind == "transparency":
        return TransparencyTally(Period(params.get("from", ""), params.get("to", "")))
    if kind == "partner":
        return PartnerTally(params.get("partner", ""))
    if kind == "person":
        return PersonTally(params.get("person_ref", ""))
    raise InvalidInput(f"unknown report kind {kind!r}")


def recompute_from_log(
    batches: EntryBatches,
) -> Callable[[Report, LogState, Progress | None], Report]:
    """Recompute from the log alone (over HTTP, say): the database's tables cannot be checked
    this way, so they are taken as the report states them (the signature still covers them)."""

    def recompute(report: Report, log: LogState, bar: Progress | None) -> Report:
        tables = count(_tally(report.kind, report.parameters), batches, log, bar)
        for name in FROM_DATABASE & set(report.tables):
            tables[name] = report.tables[name]
        return Report(report.kind, report.parameters, log, tables, NOTES[report.kind])

    return recompute


__all__ = ["DatabaseLog", "ReportService", "recompute_from_log"]
