"""The findings rules: one small function per rule, from facts to observations (pure).

The store gathers facts (aggregates over agreements, grants, deletion obligations and the access
history beside the log: :mod:`consentgate.store.findings`); each rule here turns them into
:class:`~consentgate.domain.findings.Observation` values at a given ``now``. No rule reads a clock,
a database or a partner's kind, so every rule can be tested at any date with plain values.

The rules, in the order an evaluation applies them (:data:`RULES`):

=============================== ========= ============================================================
rule                            severity  observes
=============================== ========= ============================================================
``access_after_agreement_end``  critical  an allowed access while no agreement version was in force
``agreement_ending_soon``       medium    a version in force ends within 30 days, with no successor
``agreement_unreviewed``        low       no new version signed for 12 months
``scope_unused``                medium    grant scopes that lapsed after ``lapse_days`` unused
``deletion_overdue``            high      deletions past their due date and not confirmed
``denial_burst``                high      denials in the last window far above the partner's baseline
``capability_drift``            low       agreed capabilities never used, or used far less than certified
``exposure_spike``              high      people reachable in a category grew by more than X % in a week
``certification_overdue``       high      the yearly certification is past due (critical once suspended)
``certification_mismatch``      high      use in the log that the certification does not state, or
                                          certified use that never happened
=============================== ========= ============================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Final

from consentgate.domain.findings import (
    Evidence,
    FindingRule,
    Observation,
    Severity,
    SubjectKind,
)
from consentgate.policy.finding_facts import (
    Denials,
    Overdue,
    PartnerFacts,
    Scope,
    Tally,
    Thresholds,
    scope_name,
)


def _partner_obs(
    rule: FindingRule,
    severity: Severity,
    partner_id: str,
    summary: str,
    action: str,
    evidence: Evidence,
    key: str = "",
) -> Observation:
    return Observation(
        rule, severity, SubjectKind.PARTNER, partner_id, partner_id, summary, action, evidence, key
    )


def access_after_agreement_end(late: Mapping[str, Tally]) -> list[Observation]:
    """Allowed accesses at a time when none of the partner's agreement versions was in force."""
    return [
        _partner_obs(
            FindingRule.ACCESS_AFTER_AGREEMENT_END,
            Severity.CRITICAL,
            partner_id,
            f"{t.count} allowed access(es) while no agreement was in force",
            "Suspend the partner, open deletion obligations, and find why the engine allowed it.",
            Evidence({"allowed_accesses": t.count}, t.sample),
        )
        for partner_id, t in sorted(late.items())
        if t.count
    ]


def agreement_ending_soon(
    partners: Iterable[PartnerFacts], now: datetime, th: Thresholds
) -> list[Observation]:
    """A version in force ends within ``ending_soon_days`` and no other version runs past it."""
    horizon = now + timedelta(days=th.ending_soon_days)
    found = []
    for p in partners:
        if p.status != "active":
            continue
        for a in p.in_force(now):
            successor = any(b.end > a.end and b.valid_from <= a.end for b in p.agreements)
            if a.end <= horizon and not successor:
                days = max(0, (a.end - now).days)
                found.append(
                    Observation(
                        FindingRule.AGREEMENT_ENDING_SOON,
                        Severity.MEDIUM,
                        SubjectKind.AGREEMENT,
                        a.agreement_id,
                        p.partner_id,
                        f"version {a.version} ends {a.end.date().isoformat()} (in {days} days) "
                        "and no later version is signed",
                        "Review the partnership: sign a new version, or let it end and plan "
                        "the deletions.",
                        Evidence({"days_left": days}, (), (a.agreement_id,)),
                    )
                )
    return found


def agreement_unreviewed(
    partners: Iterable[PartnerFacts], now: datetime, th: Thresholds
) -> list[Observation]:
    """An active partner with an agreement in force whose newest version is over a year old."""
    found = []
    for p in partners:
        if p.status != "active" or not p.in_force(now) or not p.agreements:
            continue
        latest = max(p.agreements, key=lambda a: a.signed_at)
        age = (now - latest.signed_at).days
        if age > th.unreviewed_days:
            found.append(
                _partner_obs(
                    FindingRule.AGREEMENT_UNREVIEWED,
                    Severity.LOW,
                    p.partner_id,
                    f"no new agreement version for {age} days (latest: version {latest.version})",
                    "Review the agreement against what the partner does today.",
                    Evidence({"days_since_signed": age}, (), (latest.agreement_id,)),
                )
            )
    return found


def scope_unused(
    lapsed: Mapping[tuple[str, Scope], int], lapsed_now: Mapping[tuple[str, Scope], int]
) -> list[Observation]:
    """Scopes of active grants that lapsed unused: ``lapsed`` counts grants narrowed so far (and
    still active), ``lapsed_now`` those narrowed by this evaluation."""
    return [
        _partner_obs(
            FindingRule.SCOPE_UNUSED,
            Severity.MEDIUM,
            partner_id,
            f"{scope_name(scope)} went unused on {n} grant(s); the scope lapsed on each",
            "Ask the partner whether it still needs this capability; narrow the agreement.",
            Evidence(
                {"grants_narrowed": n, "narrowed_now": lapsed_now.get((partner_id, scope), 0)},
                (),
                (scope_name(scope),),
            ),
            key=scope_name(scope),
        )
        for (partner_id, scope), n in sorted(lapsed.items())
        if n
    ]


def deletion_overdue(overdue: Mapping[str, Overdue], now: datetime) -> list[Observation]:
    """Deletion obligations past their due date and not confirmed, per partner."""
    return [
        _partner_obs(
            FindingRule.DELETION_OVERDUE,
            Severity.HIGH,
            partner_id,
            f"{o.count} deletion(s) overdue, the oldest since {o.oldest_due.date().isoformat()}",
            "Ask the partner to delete and confirm; consider suspending it.",
            Evidence(
                {"overdue": o.count, "days_overdue": max(0, (now - o.oldest_due).days)},
                (),
                o.sample,
            ),
        )
        for partner_id, o in sorted(overdue.items())
        if o.count
    ]


def denial_burst(denials: Mapping[str, Denials], th: Thresholds) -> list[Observation]:
    """Denials in the last window at least ``burst_factor`` times the partner's own average per
    window over the baseline period (and at least ``burst_min_denials``): probing."""
    windows = th.burst_baseline_days * 24 / th.burst_window_hours
    found = []
    for partner_id, d in sorted(denials.items()):
        average = d.baseline / windows
        if d.recent.count >= th.burst_min_denials and d.recent.count >= th.burst_factor * max(
            average, 1.0
        ):
            found.append(
                _partner_obs(
                    FindingRule.DENIAL_BURST,
                    Severity.HIGH,
                    partner_id,
                    f"{d.recent.count} denied requests in {th.burst_window_hours} h; its average "
                    f"is {average:.1f}",
                    "Look at the denied requests' reasons: the partner may be probing.",
                    Evidence(
                        {"denials": d.recent.count, "baseline_denials": d.baseline},
                        d.recent.sample,
                    ),
                )
            )
    return found


def capability_drift(
    partners: Iterable[PartnerFacts],
    uses: Mapping[tuple[str, Scope], Tally],
    monthly: Mapping[tuple[str, Scope], int],
    now: datetime,
    th: Thresholds,
) -> list[Observation]:
    """Agreed capabilities the partner never used in ``lapse_days`` (for agreements in force that
    long), and certified uses whose last 30 days fell below ``drift_min_ratio`` of the estimate.

    ``uses`` counts allowed accesses per (partner, scope) over ``lapse_days``; ``monthly`` over the
    last 30 days.
    """
    window = now - timedelta(days=th.lapse_days)
    found = []
    for p in partners:
        if p.status != "active":
            continue
        settled = [a for a in p.in_force(now) if a.valid_from <= window]
        unused = sorted(
            {
                s
                for a in settled
                for s in a.scopes
                if not uses.get((p.partner_id, s), Tally(0)).count
            }
        )
        if unused:
            found.append(
                _partner_obs(
                    FindingRule.CAPABILITY_DRIFT,
                    Severity.LOW,
                    p.partner_id,
                    f"{len(unused)} agreed capabilit{'y' if len(unused) == 1 else 'ies'} unused "
                    f"for {th.lapse_days} days: " + ", ".join(scope_name(s) for s in unused),
                    "Narrow the agreement to what the partner uses.",
                    Evidence(
                        {"unused_capabilities": len(unused)}, (), tuple(map(scope_name, unused))
                    ),
                    key="unused",
                )
            )
        below = _below_certified(p, monthly, th)
        if below:
            found.append(below)
    return found


def _below_certified(
    p: PartnerFacts, monthly: Mapping[tuple[str, Scope], int], th: Thresholds
) -> Observation | None:
    if p.certification is None:
        return None
    low = sorted(
        (s, est, monthly.get((p.partner_id, s), 0))
        for s, est in p.certification.uses.items()
        if est and monthly.get((p.partner_id, s), 0) < th.drift_min_ratio * est
    )
    if not low:
        return None
    return _partner_obs(
        FindingRule.CAPABILITY_DRIFT,
        Severity.MEDIUM,
        p.partner_id,
        "used far less than certified: "
        + ", ".join(f"{scope_name(s)} {used} of {est} a month" for s, est, used in low),
        "Ask the partner to certify again what it uses; narrow the agreement.",
        Evidence({"below_certified": len(low)}, (), tuple(scope_name(s) for s, _, _ in low)),
        key="below_certified",
    )


def exposure_spike(
    now_counts: Mapping[tuple[str, str], int],
    week_ago: Mapping[tuple[str, str], tuple[datetime, int]],
    th: Thresholds,
) -> list[Observation]:
    """People reachable by a partner in a category grew by more than ``spike_percent`` since the
    snapshot taken about ``spike_days`` ago (and by at least ``spike_min_people``)."""
    found = []
    for (partner_id, category), (taken_at, before) in sorted(week_ago.items()):
        after = now_counts.get((partner_id, category), 0)
        grown = after - before
        if grown < th.spike_min_people or grown * 100 <= th.spike_percent * max(before, 1):
            continue
        percent = round(grown * 100 / max(before, 1))
        found.append(
            _partner_obs(
                FindingRule.EXPOSURE_SPIKE,
                Severity.HIGH,
                partner_id,
                f"people whose {category} it can read grew {percent} % since "
                f"{taken_at.date().isoformat()} ({before} to {after})",
                "Check the partner's consent flow and what it told people.",
                Evidence({"people_before": before, "people_now": after, "percent": percent}),
                key=category,
            )
        )
    return found


def certification_due(p: PartnerFacts, th: Thresholds) -> datetime | None:
    """When ``p``'s next certification is due: a year after the last one, or at its first
    agreement's signature; None without any agreement."""
    if p.certification is not None:
        return p.certification.certified_at + timedelta(days=th.certification_days)
    if not p.agreements:
        return None
    return min(a.signed_at for a in p.agreements)


def must_suspend(p: PartnerFacts, now: datetime, th: Thresholds) -> bool:
    """Whether ``p`` is active and its certification is overdue past the notice period."""
    due = certification_due(p, th)
    notice = th.certification_notice_days
    return (
        p.status == "active"
        and due is not None
        and notice is not None
        and now >= due + timedelta(days=notice)
    )


def certification_overdue(
    partners: Iterable[PartnerFacts], now: datetime, th: Thresholds
) -> list[Observation]:
    """Partners with an agreement in force whose certification is past due (active), or who were
    suspended for it (critical)."""
    found = []
    for p in partners:
        due = certification_due(p, th)
        if due is None or now < due or not p.in_force(now):
            continue
        suspended = p.suspended_uncertified_at is not None and p.status == "suspended"
        if p.status != "active" and not suspended:
            continue
        days = (now - due).days
        if suspended:
            summary = f"certification {days} days overdue; suspended for it"
            action = "Reinstate the partner once it has certified."
        else:
            summary = f"certification {days} days overdue"
            action = "Ask the partner to certify; it is suspended once the notice period ends."
        found.append(
            _partner_obs(
                FindingRule.CERTIFICATION_OVERDUE,
                Severity.CRITICAL if suspended else Severity.HIGH,
                p.partner_id,
                summary,
                action,
                Evidence({"days_overdue": days}),
            )
        )
    return found


def certification_mismatch(
    partners: Iterable[PartnerFacts],
    used_since_certified: Mapping[tuple[str, Scope], Tally],
    now: datetime,
    th: Thresholds,
) -> list[Observation]:
    """The latest certification against the log since it was made: use it does not state (high),
    and stated use that never happened in the ``lapse_days`` after it (medium)."""
    found = []
    for p in partners:
        cert = p.certification
        if cert is None or p.status == "terminated":
            continue
        used = {
            s: t for (pid, s), t in used_since_certified.items() if pid == p.partner_id and t.count
        }
        unstated = sorted(set(used) - set(cert.uses))
        settled = now - cert.certified_at >= timedelta(days=th.lapse_days)
        unused = sorted(set(cert.uses) - set(used)) if settled else []
        if not unstated and not unused:
            continue
        parts = []
        if unstated:
            parts.append("used but not certified: " + ", ".join(map(scope_name, unstated)))
        if unused:
            parts.append("certified but not used: " + ", ".join(map(scope_name, unused)))
        found.append(
            _partner_obs(
                FindingRule.CERTIFICATION_MISMATCH,
                Severity.HIGH if unstated else Severity.MEDIUM,
                p.partner_id,
                "; ".join(parts),
                "Ask the partner to explain the difference and certify again.",
                Evidence(
                    {
                        "used_not_certified": len(unstated),
                        "certified_not_used": len(unused),
                        "uncertified_accesses": sum(used[s].count for s in unstated),
                    },
                    tuple(i for s in unstated for i in used[s].sample),
                    (cert.certification_id,),
                ),
            )
        )
    return found


#: Every rule, in the order an evaluation applies them.
RULES: Final[Sequence[FindingRule]] = tuple(FindingRule)
