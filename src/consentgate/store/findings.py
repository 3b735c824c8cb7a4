"""Kept findings: each evaluation's observations, with when each was first and last seen, when it
was resolved, and its acknowledgement (the rules' facts come from :mod:`store.finding_facts`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import (
    Connection,
    func,
    insert,
    select,
    update,
)

from consentgate.domain.findings import (
    Acknowledgement,
    Evidence,
    Finding,
    FindingRule,
    Observation,
    Severity,
    SubjectKind,
)
from consentgate.store import rows
from consentgate.store.tables import finding_runs, findings


# --- kept findings ---------------------------------------------------------------------------------
def _evidence_json(evidence: Evidence) -> str:
    return json.dumps(
        {
            "counts": dict(sorted(evidence.counts.items())),
            "log_indexes": list(evidence.log_indexes),
            "refs": list(evidence.refs),
        },
        sort_keys=True,
    )


def _finding(row: object) -> Finding:
    r = dict(row)  # type: ignore[call-overload]
    ev = json.loads(r["evidence"])
    observation = Observation(
        FindingRule(r["rule"]),
        Severity(r["severity"]),
        SubjectKind(r["subject_kind"]),
        r["subject_id"],
        r["partner_id"],
        r["summary"],
        r["suggested_action"],
        Evidence(ev["counts"], tuple(ev["log_indexes"]), tuple(ev["refs"])),
        r["key"],
    )
    ack = None
    if r["ack_at"] is not None:
        ack = Acknowledgement(r["ack_by"], r["ack_at"], r["ack_note"])
    return Finding(r["id"], observation, r["first_seen"], r["last_seen"], r["resolved_at"], ack)


def _row_values(o: Observation) -> dict[str, object]:
    return {
        "rule": o.rule.value,
        "severity": o.severity.value,
        "subject_kind": o.subject_kind.value,
        "subject_id": o.subject_id,
        "partner_id": o.partner_id,
        "key": o.key,
        "summary": o.summary,
        "suggested_action": o.suggested_action,
        "evidence": _evidence_json(o.evidence),
    }


def keep(conn: Connection, observations: Iterable[Observation], now: datetime) -> int:
    """Record an evaluation: new observations become findings first seen ``now``, known ones are
    updated (``last_seen``, reopened if resolved), and open findings not observed are resolved."""
    f = findings.c
    known = {fid: resolved for fid, resolved in conn.execute(select(f.id, f.resolved_at))}  # noqa: C416
    seen: set[str] = set()
    for o in observations:
        fid = o.finding_id
        if fid in seen:
            continue
        seen.add(fid)
        if fid in known:
            conn.execute(
                update(findings)
                .where(f.id == fid)
                .values(**_row_values(o), last_seen=now, resolved_at=None)
            )
        else:
            conn.execute(
                insert(findings).values(id=fid, **_row_values(o), first_seen=now, last_seen=now)
            )
    gone = [fid for fid, resolved in known.items() if resolved is None and fid not in seen]
    for start in range(0, len(gone), 500):
        conn.execute(
            update(findings).where(f.id.in_(gone[start : start + 500])).values(resolved_at=now)
        )
    return len(seen)


def record_run(conn: Connection, at: datetime, observed: int, seconds: float) -> None:
    conn.execute(insert(finding_runs).values(at=at, observed=observed, seconds=seconds))


def last_run(conn: Connection) -> datetime | None:
    found: datetime | None = conn.execute(select(func.max(finding_runs.c.at))).scalar()
    return found


def list_findings(
    conn: Connection,
    *,
    open_only: bool = True,
    partner_id: str | None = None,
    rule: FindingRule | None = None,
) -> list[Finding]:
    f = findings.c
    query = select(findings)
    if open_only:
        query = query.where(f.resolved_at.is_(None))
    if partner_id is not None:
        query = query.where(f.partner_id == partner_id)
    if rule is not None:
        query = query.where(f.rule == rule.value)
    return [_finding(r) for r in conn.execute(query.order_by(f.first_seen, f.id)).mappings()]


def get_finding(conn: Connection, finding_id: str) -> Finding | None:
    return rows.one(conn, findings.c.id, finding_id, _finding)


def acknowledge(conn: Connection, finding_id: str, by: str, note: str, at: datetime) -> None:
    conn.execute(
        update(findings)
        .where(findings.c.id == finding_id)
        .values(ack_by=by, ack_at=at, ack_note=note)
    )
