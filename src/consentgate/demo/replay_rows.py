"""The replay's side-by-side table: per partner, category, action and purpose, the 2017 platform
against consentgate, and the totals. Plain data: the CLI prints it, the report renders it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from consentgate.policy.reasons import AGREEMENT_ENDED, AGREEMENT_EXPIRED

#: The reason codes that say the partner's agreement was over: the 2017 platform still answered.
AGREEMENT_OVER = frozenset({AGREEMENT_ENDED.code, AGREEMENT_EXPIRED.code})
#: The finding the 2017 platform would have raised for every answer after an agreement was over.
AFTER_END = "access_after_agreement_end"
#: How the replay names that finding when it is the 2017 platform's answers that raise it.
AFTER_END_2017 = AFTER_END + " on the 2017 platform"


@dataclass(frozen=True)
class Outcome:
    """What one request came to: the 2017 platform's answer and consentgate's decision."""

    records_2017: int
    allowed: bool
    reasons: tuple[str, ...]
    records_now: int = 0
    third_party_filtered: int = 0
    out_of_scope: int = 0


@dataclass
class Row:
    """One partner × category × action × purpose over the whole replay."""

    partner_id: str
    partner_name: str
    kind: str
    named: bool
    category: str
    action: str
    purpose: str
    requests: int = 0
    records_2017: int = 0
    allowed_now: int = 0
    records_now: int = 0
    third_party_filtered: int = 0
    out_of_scope: int = 0
    #: Reason codes of consentgate's decisions, counted (a denial counts each code it names).
    reasons: Counter[str] = field(default_factory=Counter)
    #: The year the 2017 platform first answered after the agreement was over (a finding then).
    after_end_since: int | None = None
    #: Findings consentgate's findings service raised about this partner: rule → first year.
    findings: dict[str, int] = field(default_factory=dict)

    def add(self, outcome: Outcome, when: datetime) -> None:
        self.requests += 1
        self.records_2017 += outcome.records_2017
        self.reasons.update(outcome.reasons)
        if outcome.allowed:
            self.allowed_now += 1
            self.records_now += outcome.records_now
            self.third_party_filtered += outcome.third_party_filtered
            self.out_of_scope += outcome.out_of_scope
        elif AGREEMENT_OVER & set(outcome.reasons) and self.after_end_since is None:
            self.after_end_since = when.year

    @property
    def denied_now(self) -> int:
        return self.requests - self.allowed_now

    @property
    def decision(self) -> str:
        """consentgate's decision in a few words: allowed, denied or both."""
        if not self.denied_now:
            return "allowed"
        return "denied" if not self.allowed_now else "partly allowed"

    def findings_raised_years(self) -> dict[str, int]:
        """Each finding raised and the year it first was: the findings service's, and the
        ``access_after_agreement_end`` the 2017 platform's answers would have raised."""
        raised = dict(self.findings)
        if self.after_end_since is not None:
            raised.setdefault(AFTER_END_2017, self.after_end_since)
        return raised

    def findings_raised(self) -> list[str]:
        """The findings, each with the year it was first raised, oldest first."""
        raised = self.findings_raised_years()
        return [
            f"{rule} ({year})" for rule, year in sorted(raised.items(), key=lambda kv: kv[::-1])
        ]

    def as_json(self) -> dict[str, Any]:
        return {
            "partner": self.partner_id,
            "partner_name": self.partner_name,
            "kind": self.kind,
            "named_in_story": self.named,
            "category": self.category,
            "action": self.action,
            "purpose": self.purpose,
            "requests": self.requests,
            "allowed_2017": self.requests,
            "records_left_2017": self.records_2017,
            "decision": self.decision,
            "allowed_now": self.allowed_now,
            "denied_now": self.denied_now,
            "reasons": dict(sorted(self.reasons.items())),
            "records_left_now": self.records_now,
            "third_party_filtered": self.third_party_filtered,
            "out_of_scope": self.out_of_scope,
            "access_after_agreement_end_2017_since": self.after_end_since,
            "findings": dict(sorted(self.findings.items())),
        }


@dataclass
class Table:
    """Every row, keyed by (partner, category, action, purpose), in the order first met."""

    rows: dict[tuple[str, str, str, str], Row] = field(default_factory=dict)
    #: The findings service's findings per partner: rule → the year first seen.
    findings: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Per year: requests, allowed_now, records_left_2017, records_left_now.
    years: dict[int, Counter[str]] = field(default_factory=dict)

    def count_year(self, when: datetime, outcome: Outcome) -> None:
        """Add ``outcome`` to the totals of ``when``'s year (the report's chart)."""
        year = self.years.setdefault(when.year, Counter())
        year["requests"] += 1
        year["records_left_2017"] += outcome.records_2017
        if outcome.allowed:
            year["allowed_now"] += 1
            year["records_left_now"] += outcome.records_now

    def row(self, partner: Any, category: str, action: str, purpose: str) -> Row:
        key = (partner.id, category, action, purpose)
        found = self.rows.get(key)
        if found is None:
            found = self.rows[key] = Row(
                partner.id,
                partner.name,
                partner.kind,
                partner.named,
                category,
                action,
                purpose,
                findings=self.findings.setdefault(partner.id, {}),
            )
        return found

    def raise_finding(self, partner_id: str, rule: str, year: int) -> None:
        """A finding about ``partner_id``: every row of the partner carries it (rows share one
        dictionary per partner, so a row made later carries the earlier findings too)."""
        self.findings.setdefault(partner_id, {}).setdefault(rule, year)

    def sorted_rows(self) -> list[Row]:
        return sorted(
            self.rows.values(),
            key=lambda r: (not r.named, r.partner_id, r.category, r.action, r.purpose),
        )

    def totals(self) -> dict[str, int]:
        rows = self.rows.values()
        return {
            "partners": len({r.partner_id for r in rows}),
            "requests": sum(r.requests for r in rows),
            "allowed_2017": sum(r.requests for r in rows),
            "records_left_2017": sum(r.records_2017 for r in rows),
            "allowed_now": sum(r.allowed_now for r in rows),
            "denied_now": sum(r.denied_now for r in rows),
            "records_left_now": sum(r.records_now for r in rows),
            "third_party_filtered": sum(r.third_party_filtered for r in rows),
            "out_of_scope": sum(r.out_of_scope for r in rows),
            "answers_after_agreement_end_2017": sum(
                sum(r.reasons[c] for c in AGREEMENT_OVER) for r in rows
            ),
            "partners_with_findings": len({r.partner_id for r in rows if r.findings_raised()}),
        }
