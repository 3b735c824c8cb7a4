"""Every recipient of one person's data, counted from log entries (see :mod:`.tally`)."""

from __future__ import annotations

from consentgate.services.reports.document import Cell, Table
from consentgate.services.reports.tally import Ended, Entry, Tally, Use, table

RECIPIENT_COLUMNS = (
    "partner", "category", "action", "purpose",
    "allowed", "denied", "records_returned", "first_access", "last_access",
)  # fmt: skip
GRANT_COLUMNS = (
    "grant_id", "partner", "scopes", "issued_at", "expires_at", "receipt_id", "receipt_hash",
    "revoked_at",
)  # fmt: skip
DELETION_COLUMNS = ("partner", "deletions_opened", "deletions_confirmed")


class PersonTally(Tally):
    """Every recipient of one person's own data, their grants and deletions (GDPR Art. 15(1)(c)).

    Only entries about this person (their ``person_ref``) count, so no other person appears.
    """

    def __init__(self, person_ref: str) -> None:
        super().__init__()
        self.ref = person_ref
        self.uses: dict[tuple[str, str, str, str], Use] = {}
        self.grants: dict[str, list[Cell]] = {}
        self.deletions: dict[str, list[int]] = {}

    def on_access(self, entry: Entry) -> None:
        if entry["person_ref"] != self.ref:
            return
        key = (entry["partner"], entry["category"], entry["action"], entry["purpose"])
        use = self.uses.get(key)
        if use is None:
            use = self.uses[key] = Use()
        use.add(entry, 0)

    def on_grant(self, entry: Entry) -> None:
        if entry["person_ref"] == self.ref:
            self.grants[entry["grant_id"]] = [
                entry["grant_id"],
                entry["partner"],
                " ".join(entry["scopes"]),
                entry["time"],
                entry["expires"],
                entry["receipt_id"],
                entry["receipt_hash"],
                None,
            ]

    def on_revocation(self, entry: Entry) -> None:
        row = self.grants.get(entry["grant_id"])
        if entry["person_ref"] == self.ref and row is not None and row[-1] is None:
            row[-1] = entry["time"]

    def _deletions(self, partner: str) -> list[int]:
        found = self.deletions.get(partner)
        if found is None:
            found = self.deletions[partner] = [0, 0]
        return found

    def on_deletion(self, entry: Entry) -> None:
        if entry["person_ref"] == self.ref:
            self._deletions(entry["partner"])[1] += 1

    def on_end(self, ended: Ended) -> None:
        if ended.person_ref == self.ref:
            self._deletions(ended.partner)[0] += ended.obligations

    def tables(self) -> dict[str, Table]:
        uses = [
            (*k, u.allowed, u.denied, u.returned, u.first, u.last) for k, u in self.uses.items()
        ]
        deletions = [(p, o, c) for p, (o, c) in self.deletions.items()]
        return {
            "recipients": table(RECIPIENT_COLUMNS, 4, uses),
            "grants": table(GRANT_COLUMNS, 1, [tuple(r) for r in self.grants.values()]),
            "deletions": table(DELETION_COLUMNS, 1, deletions),
        }
