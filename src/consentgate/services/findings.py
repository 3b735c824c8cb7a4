"""Findings: evaluate every rule at a moment, keep the findings, and act where the rules say so.

:meth:`FindingsService.evaluate` is the one entry point: at ``now`` (the service's clock unless
given, so a replay on a simulated clock evaluates at simulated times) it

1. suspends partners whose certification is overdue past the notice period (logged in the
   partner's status history; their grants are revoked and deletions opened, as any suspension);
2. lets grant scopes lapse that went unused for ``lapse_days`` (the grant is narrowed; the
   change is noted in the change feed, so the decision index answers ``grant.scope_lapsed`` at
   once and the journal logs it);
3. applies every rule of :mod:`consentgate.policy.findings` to the facts gathered by
   :mod:`consentgate.store.findings` and keeps the result: new findings are first seen now,
   known ones keep their first sighting and acknowledgement, and ones no longer observed are
   marked resolved.

Acknowledging a finding records who, when and the note, and notes a change that the journal
writes to the transparency log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from consentgate.domain import PartnerStatus
from consentgate.domain.findings import SEVERITY_ORDER, Finding, FindingRule, Observation
from consentgate.errors import InvalidInput
from consentgate.policy import findings as rules
from consentgate.policy.finding_facts import PartnerFacts, Scope
from consentgate.services.base import (
    ChangeKind,
    FindingRulesService,
    existing,
)
from consentgate.services.partners import change_status
from consentgate.store import finding_facts as fact_rows
from consentgate.store import findings as finding_rows

log = logging.getLogger(__name__)

#: The steps of an evaluation, in order: what a progress bar counts.
STEPS: Final = ("partners", "certifications", "lapses", "log", "exposure", "deletions", "keep")
#: A progress callback: told the name of each step as it finishes.
Progress = Callable[[str], None]
#: The longest acknowledgement note.
MAX_NOTE = 2000
#: Exposure snapshots are taken at most this often, and kept this long.
SNAPSHOT_EVERY: Final = timedelta(hours=20)
SNAPSHOT_KEEP: Final = timedelta(days=400)


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What one evaluation found and did."""

    at: datetime
    findings: tuple[Finding, ...]
    lapsed: int
    suspended: tuple[str, ...]
    seconds: float


class FindingsService(FindingRulesService):
    """Evaluate, list, show and acknowledge findings."""

    # -- evaluation ----------------------------------------------------------------------------
    def evaluate(
        self, now: datetime | None = None, progress: Progress | None = None, *, act: bool = True
    ) -> Evaluation:
        """Apply every rule at ``now`` (default: the clock), act on what it says, keep the result.

        With ``act`` false nothing is suspended and no scope lapses (a replay that only wants to
        know what would be found); the findings are kept all the same.
        """
        at = now or self.clock()
        step = progress or (lambda _name: None)
        started = time.perf_counter()
        th = self.thresholds
        with self.db.read() as conn:
            facts = fact_rows.partner_facts(conn)
        step("partners")
        suspended = self._suspend_uncertified(facts, at) if act else ()
        if suspended:
            with self.db.read() as conn:
                facts = fact_rows.partner_facts(conn)
        step("certifications")
        lapsed_now = self._lapse_unused(at) if act else {}
        step("lapses")
        observations: list[Observation] = []
        with self.db.read() as conn:
            observations += rules.access_after_agreement_end(fact_rows.late_accesses(conn))
            window = at - timedelta(hours=th.burst_window_hours)
            baseline = window - timedelta(days=th.burst_baseline_days)
            observations += rules.denial_burst(fact_rows.denials(conn, window, baseline, at), th)
            uses = fact_rows.allowed_uses(conn, at - timedelta(days=th.lapse_days), at)
            monthly = {
                k: t.count
                for k, t in fact_rows.allowed_uses(conn, at - timedelta(days=30), at).items()
            }
            certified = {p.partner_id: p.certification for p in facts if p.certification}
            since_certified = fact_rows.uses_since_certified(conn, certified, at)
            observations += rules.scope_unused(fact_rows.lapsed_scopes(conn, at), lapsed_now)
        observations += rules.capability_drift(facts, uses, monthly, at, th)
        observations += rules.certification_mismatch(facts, since_certified, at, th)
        step("log")
        observations += self._exposure(at)
        step("exposure")
        with self.db.read() as conn:
            overdue = fact_rows.overdue_deletions(conn, at)
        observations += rules.deletion_overdue(overdue, at)
        observations += rules.agreement_ending_soon(facts, at, th)
        observations += rules.agreement_unreviewed(facts, at, th)
        observations += rules.certification_overdue(facts, at, th)
        step("deletions")
        seconds = time.perf_counter() - started
        with self.db.begin() as conn:
            observed = finding_rows.keep(conn, observations, at)
            finding_rows.record_run(conn, at, observed, seconds)
            kept = finding_rows.list_findings(conn)
        step("keep")
        return Evaluation(
            at,
            tuple(sorted(kept, key=sort_key)),
            sum(lapsed_now.values()),
            suspended,
            time.perf_counter() - started,
        )

    def _suspend_uncertified(self, facts: list[PartnerFacts], at: datetime) -> tuple[str, ...]:
        """Suspend every active partner whose certification is overdue past the notice period."""
        th = self.thresholds
        done = []
        for p in facts:
            if not rules.must_suspend(p, at, th):
                continue
            due = rules.certification_due(p, th)
            assert due is not None
            reason = f"{fact_rows.UNCERTIFIED_REASON} since {due.date().isoformat()}"
            with self.write() as w:
                change_status(w, p.partner_id, PartnerStatus.SUSPENDED, reason, at)
            log.warning("partner %s suspended: %s", p.partner_id, reason)
            done.append(p.partner_id)
        return tuple(done)

    def _lapse_unused(self, at: datetime) -> dict[tuple[str, Scope], int]:
        """Let every scope unused for ``lapse_days`` lapse; returns how many per (partner, scope)."""
        cutoff = at - timedelta(days=self.thresholds.lapse_days)
        with self.db.read() as conn:
            unused = fact_rows.unused_scopes(conn, at, cutoff)
        counts: dict[tuple[str, Scope], int] = defaultdict(int)
        for start in range(0, len(unused), 1000):
            with self.write() as w:
                noted: set[str] = set()
                for grant_id, person_id, partner_id, scope in unused[start : start + 1000]:
                    fact_rows.lapse(w.conn, grant_id, scope, at)
                    counts[(partner_id, scope)] += 1
                    if grant_id not in noted:
                        noted.add(grant_id)
                        w.note(
                            ChangeKind.GRANT,
                            at,
                            person_id=person_id,
                            partner_id=partner_id,
                            ref_id=grant_id,
                        )
        return dict(counts)

    def _exposure(self, at: datetime) -> list[Observation]:
        """Compare today's exposure with the snapshot of a week ago; keep today's (once a day)."""
        th = self.thresholds
        with self.db.read() as conn:
            now_counts = fact_rows.exposure(conn, at)
            before = fact_rows.snapshot_before(
                conn, at - timedelta(days=th.spike_days), at - timedelta(days=2 * th.spike_days)
            )
            last = fact_rows.last_snapshot_at(conn)
        if last is None or at - last >= SNAPSHOT_EVERY:
            with self.db.begin() as conn:
                fact_rows.save_snapshot(conn, now_counts, at)
                fact_rows.forget_snapshots_before(conn, at - SNAPSHOT_KEEP)
        return rules.exposure_spike(now_counts, before, th)

    # -- reading and acknowledging ---------------------------------------------------------------
    def list(
        self,
        *,
        open_only: bool = True,
        partner_id: str | None = None,
        rule: FindingRule | None = None,
    ) -> list[Finding]:
        """Kept findings (open ones unless ``open_only`` is false), most severe first."""
        with self.db.read() as conn:
            found = finding_rows.list_findings(
                conn, open_only=open_only, partner_id=partner_id, rule=rule
            )
        return sorted(found, key=sort_key)

    def get(self, finding_id: str) -> Finding:
        return self.lookup("finding", finding_id, finding_rows.get_finding)

    def last_evaluated(self) -> datetime | None:
        """When findings were last evaluated (None: never)."""
        with self.db.read() as conn:
            return finding_rows.last_run(conn)

    def acknowledge(self, finding_id: str, note: str, by: str) -> Finding:
        """Record that ``by`` read the finding, with ``note``; logged through the change feed."""
        note = note.strip()
        if not note:
            raise InvalidInput("say what is being done about the finding (a note is required)")
        if len(note) > MAX_NOTE:
            raise InvalidInput(f"a note is at most {MAX_NOTE} characters")
        with self.write() as w:
            found = existing("finding", finding_id, finding_rows.get_finding(w.conn, finding_id))
            now = self.clock()
            finding_rows.acknowledge(w.conn, finding_id, by, note, now)
            w.note(ChangeKind.FINDING, now, partner_id=found.partner_id, ref_id=finding_id)
            updated = finding_rows.get_finding(w.conn, finding_id)
        assert updated is not None
        return updated


def sort_key(finding: Finding) -> tuple[int, str, str]:
    """Most severe first, then by rule and partner."""
    return (SEVERITY_ORDER[finding.severity], finding.rule.value, finding.partner_id)


class FindingsSchedule:
    """Evaluates findings in the server every ``interval`` seconds (the first time one interval
    after the start, so a restart does not evaluate at once); :meth:`stop` ends it.

    With several server processes on one database, only the one for which ``leading()`` is true
    evaluates (the server passes the log's integration lease), so a partner is not suspended or
    a scope lapsed once per worker, and evaluations do not race one another.
    """

    def __init__(
        self,
        findings: FindingsService,
        interval: float,
        leading: Callable[[], bool] = lambda: True,
    ) -> None:
        self.findings = findings
        self.interval = interval
        self.leading = leading
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> FindingsSchedule:
        if self.interval > 0:
            self._thread = threading.Thread(target=self._run, name="findings", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.wait(self.interval):
            if not self.leading():
                continue
            try:
                evaluation = self.findings.evaluate()
                log.info("findings evaluated: %d open", len(evaluation.findings))
            except Exception:  # the database may be briefly unavailable: say why, retry later
                log.exception("the findings evaluation failed; retrying at the next interval")
