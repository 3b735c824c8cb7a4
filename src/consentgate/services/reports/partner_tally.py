"""A partner's record of processing, counted from log entries (see :mod:`.tally`)."""

from __future__ import annotations

from consentgate.services.reports.document import Cell, Table
from consentgate.services.reports.tally import Ended, Entry, People, Tally, Use, table

USE_COLUMNS = (
    "category", "action", "purpose",
    "allowed", "denied", "records_returned", "records_filtered", "people",
    "first_access", "last_access",
)  # fmt: skip
AGREEMENT_COLUMNS = ("agreement_id", "version", "valid_from", "valid_until", "digest", "logged_at")
CERTIFIED_COLUMNS = ("certification_id", "certified_at")
CERTIFICATION_COLUMNS = ("category", "action", "purpose", "certified", "allowed_since", "verdict")
SUMMARY_COLUMNS = (
    "people_reached", "grants", "revocations", "deletions_opened", "deletions_confirmed",
)  # fmt: skip


class PartnerTally(Tally):
    """One partner's record of processing, as far as the log shows it (GDPR Art. 30)."""

    def __init__(self, partner: str) -> None:
        super().__init__()
        self.partner = partner
        self.uses: dict[tuple[str, str, str], Use] = {}
        self.agreements: list[tuple[Cell, ...]] = []
        self.person = People()
        self.reached: set[int] = set()
        self.grants = self.revocations = self.opened = self.confirmed = 0
        self.certified: tuple[str, str] | None = None  # the latest certification: id, time
        self.certified_uses: frozenset[tuple[str, str, str]] = frozenset()
        self.since: dict[tuple[str, str, str], int] = {}  # allowed since that certification

    def on_access(self, entry: Entry) -> None:
        if entry["partner"] != self.partner:
            return
        key = (entry["category"], entry["action"], entry["purpose"])
        use = self.uses.get(key)
        if use is None:
            use = self.uses[key] = Use()
        person = self.person(entry["person_ref"])
        use.add(entry, person)
        if entry["decision"] == "allow":
            self.reached.add(person)
            self.since[key] = self.since.get(key, 0) + 1

    def on_certification(self, entry: Entry) -> None:
        """The partner's latest certification replaces the one before; use is counted anew."""
        if entry["partner"] == self.partner:
            self.certified = (entry["certification_id"], entry["time"])
            self.certified_uses = frozenset(
                (c, a, p) for c, a, p in (u.split(":", 2) for u in entry["uses"])
            )
            self.since = {}

    def _certification(self) -> list[tuple[Cell, ...]]:
        """Use since the latest certification against what it stated."""
        if self.certified is None:
            return []
        rows: list[tuple[Cell, ...]] = []
        for key in self.certified_uses | set(self.since):
            certified, used = key in self.certified_uses, self.since.get(key, 0)
            verdict = (
                "certified and used"
                if certified and used
                else "certified, not used"
                if certified
                else "used, not certified"
            )
            rows.append((*key, "yes" if certified else "no", used, verdict))
        return rows

    def on_agreement(self, entry: Entry) -> None:
        if entry["partner"] == self.partner:
            self.agreements.append(
                (
                    entry["agreement_id"],
                    str(entry["version"]),
                    entry["valid_from"],
                    entry["valid_until"],
                    entry["digest"],
                    entry["time"],
                )
            )

    def on_grant(self, entry: Entry) -> None:
        self.grants += entry["partner"] == self.partner

    def on_revocation(self, entry: Entry) -> None:
        self.revocations += entry["partner"] == self.partner

    def on_deletion(self, entry: Entry) -> None:
        self.confirmed += entry["partner"] == self.partner

    def on_end(self, ended: Ended) -> None:
        if ended.partner == self.partner:
            self.opened += ended.obligations

    def tables(self) -> dict[str, Table]:
        uses = [
            (*k, u.allowed, u.denied, u.returned, u.filtered, len(u.people), u.first, u.last)
            for k, u in self.uses.items()
        ]
        summary = (len(self.reached), self.grants, self.revocations, self.opened, self.confirmed)
        return {
            "agreements": table(AGREEMENT_COLUMNS, 2, self.agreements),
            "use": table(USE_COLUMNS, 3, uses),
            "certified": table(CERTIFIED_COLUMNS, 2, [self.certified] if self.certified else []),
            "certification": table(CERTIFICATION_COLUMNS, 3, self._certification()),
            "summary": Table(SUMMARY_COLUMNS, 0, (summary,)),
        }
