"""``consentgate bench findings [--json]``: evaluating every findings rule, against its floor.

On a demo database (``--database URL``, SQLite; without it one of ``--people`` people is seeded
into a temporary folder with ``consentgate demo seed``), each of ``--runs`` rounds times:

* **consentgate**: ``consentgate findings --json``, the command as a person runs it, as a whole
  process (start-up, migration check, every rule, lapsing scopes, keeping the findings, the JSON);
* **floor: bare SQL**: the aggregate queries the rules need — late allowed accesses, denials per
  partner in the window and its baseline, allowed uses per scope over 90 and 30 days, grant scopes
  left unused, lapsed scopes, people reachable per partner and category, overdue deletions — sent
  through the raw ``sqlite3`` driver on a fresh connection, with no ORM, no Python rule and no write.

It prints the median seconds of each and the ratio consentgate / floor. The first round may lapse
scopes and take the first exposure snapshot of the day; later rounds find them done, as an hourly
evaluation does.
"""

from __future__ import annotations

import argparse
import json as jsonlib
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

CONSENTGATE = str(Path(sys.executable).with_name("consentgate"))

#: The statements of the floor, in the order the rules read them (SQLite's stored time format).
FLOOR_SQL = {
    "late_accesses": """
        SELECT s.partner_id, count(*) FROM access_subjects s
        WHERE s.role = 'subject' AND s.decision = 'allow' AND NOT EXISTS (
            SELECT 1 FROM agreements a WHERE a.partner_id = s.partner_id AND a.valid_from <= s.at
            AND s.at < CASE WHEN a.ended_at IS NOT NULL AND a.ended_at < a.valid_until
                            THEN a.ended_at ELSE a.valid_until END)
        GROUP BY s.partner_id""",
    "denials": """
        SELECT partner_id, sum(CASE WHEN at >= :window THEN 1 ELSE 0 END), count(*)
        FROM access_subjects WHERE role = 'subject' AND decision = 'deny'
        AND at >= :baseline AND at <= :now GROUP BY partner_id""",
    "uses_90_days": """
        SELECT partner_id, category, action, purpose, count(*), max(log_index)
        FROM access_subjects WHERE role = 'subject' AND decision = 'allow'
        AND at >= :cutoff AND at <= :now GROUP BY partner_id, category, action, purpose""",
    "uses_30_days": """
        SELECT partner_id, category, action, purpose, count(*), max(log_index)
        FROM access_subjects WHERE role = 'subject' AND decision = 'allow'
        AND at >= :month AND at <= :now GROUP BY partner_id, category, action, purpose""",
    "unused_scopes": """
        SELECT g.id, g.person_id, g.partner_id, gs.category, gs.action, gs.purpose_id
        FROM grants g JOIN grant_scopes gs ON gs.grant_id = g.id
        WHERE g.issued_at <= :now AND g.expires_at > :now
        AND (g.revoked_at IS NULL OR g.revoked_at > :now) AND g.issued_at <= :cutoff
        AND gs.lapsed_at IS NULL AND NOT EXISTS (
            SELECT 1 FROM access_subjects s WHERE s.person_id = g.person_id
            AND s.partner_id = g.partner_id AND s.role = 'subject' AND s.decision = 'allow'
            AND s.category = gs.category AND s.action = gs.action AND s.purpose = gs.purpose_id
            AND s.at >= :cutoff)""",
    "lapsed_scopes": """
        SELECT g.partner_id, gs.category, gs.action, gs.purpose_id, count(*)
        FROM grants g JOIN grant_scopes gs ON gs.grant_id = g.id
        WHERE g.issued_at <= :now AND g.expires_at > :now
        AND (g.revoked_at IS NULL OR g.revoked_at > :now)
        AND gs.lapsed_at IS NOT NULL AND gs.lapsed_at <= :now
        GROUP BY g.partner_id, gs.category, gs.action, gs.purpose_id""",
    "exposure": """
        SELECT g.partner_id, gs.category, count(DISTINCT g.person_id)
        FROM grants g JOIN grant_scopes gs ON gs.grant_id = g.id
        JOIN privacy_settings ps ON ps.person_id = g.person_id
        JOIN partners p ON p.id = g.partner_id
        WHERE g.issued_at <= :now AND g.expires_at > :now
        AND (g.revoked_at IS NULL OR g.revoked_at > :now)
        AND gs.action = 'read' AND gs.lapsed_at IS NULL AND p.status = 'active'
        AND ps.share_with_partners = 1
        AND (',' || ps.categories || ',') LIKE ('%,' || gs.category || ',%')
        AND EXISTS (
            SELECT 1 FROM capabilities c JOIN agreements a ON a.id = c.agreement_id
            WHERE a.partner_id = g.partner_id AND a.valid_from <= :now
            AND CASE WHEN a.ended_at IS NOT NULL AND a.ended_at < a.valid_until
                     THEN a.ended_at ELSE a.valid_until END > :now
            AND c.category = gs.category AND c.action = gs.action
            AND c.purpose_id = gs.purpose_id)
        GROUP BY g.partner_id, gs.category""",
    "overdue_deletions": """
        SELECT partner_id, count(*), min(due_at) FROM deletion_obligations
        WHERE confirmed_at IS NULL AND due_at < :now GROUP BY partner_id""",
}


def _stored(moment: datetime) -> str:
    """A time as SQLite holds it (naive UTC, ``store.types.UTCDateTime``)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")


def floor(path: str, now: datetime) -> float:
    """Seconds to run every aggregate of the rules with the raw driver, fetching all rows."""
    params = {
        "now": _stored(now),
        "window": _stored(now - timedelta(hours=24)),
        "baseline": _stored(now - timedelta(hours=24, days=28)),
        "cutoff": _stored(now - timedelta(days=90)),
        "month": _stored(now - timedelta(days=30)),
    }
    start = time.perf_counter()
    conn = sqlite3.connect(path)
    for sql in FLOOR_SQL.values():
        wanted = {k: v for k, v in params.items() if f":{k}" in sql}
        conn.execute(sql, wanted).fetchall()
    conn.close()
    return time.perf_counter() - start


def consentgate(url: str, env: dict[str, str]) -> tuple[float, int]:
    """Seconds of ``consentgate findings --json`` as a whole process, and how many it found."""
    start = time.perf_counter()
    done = subprocess.run(
        [CONSENTGATE, "findings", "--json", "--database", url],
        capture_output=True,
        check=True,
        env=env,
    )
    seconds = time.perf_counter() - start
    return seconds, len(jsonlib.loads(done.stdout)["findings"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--database", help="a seeded demo database (sqlite:///path)")
    parser.add_argument("--people", type=int, default=20_000, help="people to seed without it")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-findings-") as tmp:
        env = {**os.environ, "CONSENTGATE_DATA_DIR": str(Path(tmp) / "data")}
        url = args.database or f"sqlite:///{tmp}/demo.db"
        if args.database is None:
            seed = [CONSENTGATE, "demo", "seed", "--people", str(args.people), "--database", url]
            subprocess.run(seed, check=True, env=env, stdout=subprocess.DEVNULL)
        path = make_url(url).database
        if make_url(url).get_backend_name() != "sqlite" or not path:
            raise SystemExit("bench findings measures a SQLite database: --database sqlite:///path")
        ours, floors, found = [], [], 0
        for _ in range(args.runs):
            seconds, found = consentgate(url, env)
            ours.append(seconds)
            floors.append(floor(path, datetime.now(UTC)))
    mine, bare = statistics.median(ours), statistics.median(floors)
    result = {
        "bench": "findings",
        "runs": args.runs,
        "database": url if args.database else f"seeded: {args.people} people",
        "rows": [
            {"system": "consentgate", "seconds": round(mine, 3), "findings": found},
            {"system": "floor: bare SQL aggregates (sqlite3)", "seconds": round(bare, 3)},
        ],
        "ratios": {"floor: bare SQL aggregates (sqlite3)": round(mine / bare, 2)},
    }
    if args.json:
        print(jsonlib.dumps(result, indent=2))
        return
    for row in result["rows"]:
        print(f"{row['system']:<40} {row['seconds']:>8.2f} s (median of {args.runs})")
    print(f"consentgate / floor: {mine / bare:.2f}")


if __name__ == "__main__":
    main()
