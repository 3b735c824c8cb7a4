"""consentgate bench api: partner reads of 50 messages, governed vs a baseline, same server and load.

The governed endpoint (``GET /v1/threads/{id}/messages``) runs the full path: token check,
decision, fetch, obligations, durable log append, JSON. The baseline endpoint on the same server
only checks the token and fetches the same 50 messages. Both are driven by the same load
generator (wrk, 64 connections) in alternating rounds, on SQLite and — when
``CONSENTGATE_BENCH_POSTGRES_URL`` (or ``CONSENTGATE_TEST_DATABASE_URL``) names a server — on
PostgreSQL too. Reported: requests/s (median of the rounds), p50/p99 latency, and the ratio
governed / baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from consentgate.config import load_settings
from consentgate.domain import Action, Capability, Category, GrantScope
from consentgate.services.wiring import Services
from consentgate.store import Database
from consentgate.store.bulk import insert_rows
from consentgate.store.migrate import upgrade
from consentgate.testing import free_port, issue_token

HERE = Path(__file__).parent
PURPOSE = "music.share"
PAGE = 50


def build_world(url: str, data_dir: Path) -> str:
    """A partner, a person with a 60-message thread among four people, a grant and a token."""
    db = Database.connect(url)
    upgrade(db)
    settings = load_settings(database_url=url, data_dir=data_dir, access_token_seconds=86400)
    services = Services(settings, db)
    now = datetime.now(UTC)
    services.partners.register_purpose(PURPOSE, "Share a song with a friend", "essential.service")
    services.partners.register_partner("tunes", "Tunes", "music streamer")
    fields = frozenset({"id", "thread_id", "sender_id", "body", "sent_at", "participants"})
    services.partners.sign_agreement(
        "tunes",
        (Capability(Category.MESSAGES, Action.READ, PURPOSE, fields),),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
    )
    people = [f"p-bench-{n}" for n in range(4)]
    for pid in people:
        services.people.register_person(pid.removeprefix("p-"), pid, person_id=pid)
        services.people.set_settings(
            pid,
            share_with_partners=True,
            categories=frozenset(Category),
            via_others=frozenset({Category.MESSAGES}),
        )
    with db.begin() as conn:
        insert_rows(
            conn,
            "threads",
            [{"id": 1, "subject": "bench", "created_at": now, "created_by_partner": None}],
        )
        insert_rows(conn, "thread_participants", [{"thread_id": 1, "person_id": p} for p in people])
        insert_rows(
            conn,
            "messages",
            [
                {
                    "id": n + 1,
                    "thread_id": 1,
                    "sender_id": people[n % 4],
                    "body": f"message {n}: see you at the concert tomorrow, bring the tickets",
                    "sent_at": now - timedelta(minutes=60 - n),
                    "created_by_partner": None,
                }
                for n in range(60)
            ],
        )
    scope = GrantScope(Category.MESSAGES, Action.READ, PURPOSE)
    token = issue_token(services, people[0], "tunes", frozenset({scope}), label="bench")
    db.dispose()
    return token


def start_server(url: str, data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "CONSENTGATE_ACCESS_TOKEN_SECONDS": "86400"}
    proc = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "api_server.py"),
            "--database",
            url,
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        env=env,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the benchmark server did not start")


_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, token: str, seconds: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if errors:
        raise RuntimeError(f"{errors.group(1)} failed responses from {url}")
    return {"rps": rps, "p50_ms": p50, "p99_ms": p99}


def measure(
    backend: str, url: str, rounds: int, seconds: int, connections: int
) -> list[dict[str, Any]]:
    work = Path(tempfile.mkdtemp(prefix="consentgate-bench-api-"))
    try:
        token = build_world(url, work)
        port = free_port()
        server = start_server(url, work, port)
        try:
            base = f"http://127.0.0.1:{port}"
            governed_url = f"{base}/v1/threads/1/messages?purpose={PURPOSE}&limit={PAGE}"
            baseline_url = f"{base}/bench/baseline/threads/1/messages?limit={PAGE}"
            check = httpx.get(governed_url, headers={"Authorization": f"Bearer {token}"}).json()
            assert len(check["records"]) == PAGE, check
            wrk(governed_url, token, 2, connections)  # warm-up, not counted
            wrk(baseline_url, token, 2, connections)
            results: dict[str, list[dict[str, float]]] = {"governed": [], "baseline": []}
            for _ in range(rounds):
                results["governed"].append(wrk(governed_url, token, seconds, connections))
                results["baseline"].append(wrk(baseline_url, token, seconds, connections))
        finally:
            server.terminate()
            server.wait(timeout=30)
        rows = []
        for system, runs in results.items():
            rows.append(
                {
                    "system": f"{'consentgate' if system == 'governed' else 'baseline'} ({backend})",
                    "requests_per_s": statistics.median(r["rps"] for r in runs),
                    "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                    "p99_ms": statistics.median(r["p99_ms"] for r in runs),
                    "runs_rps": [r["rps"] for r in runs],
                }
            )
        return rows
    finally:
        shutil.rmtree(work, ignore_errors=True)


def postgres_database() -> tuple[str, str] | None:
    """A fresh database on the configured PostgreSQL server: (url, admin url), or None."""
    server = os.environ.get("CONSENTGATE_BENCH_POSTGRES_URL") or os.environ.get(
        "CONSENTGATE_TEST_DATABASE_URL"
    )
    if not server:
        return None
    admin = make_url(server).set(drivername="postgresql+psycopg")
    name = f"cg_bench_{uuid.uuid4().hex[:10]}"
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return admin.set(database=name).render_as_string(hide_password=False), admin.render_as_string(
        hide_password=False
    )


def drop_database(url: str, admin: str) -> None:
    name = make_url(url).database
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="consentgate bench api", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument(
        "--rounds", type=int, default=3, help="alternating rounds per endpoint (median)"
    )
    parser.add_argument("--seconds", type=int, default=10, help="length of one round")
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("consentgate bench api: needs wrk (Debian package 'wrk') as the load generator")
    rows: list[dict[str, Any]] = []
    ratios: dict[str, float] = {}
    sqlite_dir = Path(tempfile.mkdtemp(prefix="consentgate-bench-sqlite-"))
    try:
        found = measure(
            "sqlite",
            f"sqlite:///{sqlite_dir}/bench.db",
            args.rounds,
            args.seconds,
            args.connections,
        )
    finally:
        shutil.rmtree(sqlite_dir, ignore_errors=True)
    rows += found
    ratios["baseline (sqlite)"] = found[0]["requests_per_s"] / found[1]["requests_per_s"]
    pg = postgres_database()
    if pg is not None:
        try:
            found = measure("postgresql", pg[0], args.rounds, args.seconds, args.connections)
        finally:
            drop_database(*pg)
        rows += found
        ratios["baseline (postgresql)"] = found[0]["requests_per_s"] / found[1]["requests_per_s"]
    report = {"bench": "api", "runs": args.rounds, "rows": rows, "ratios": ratios}
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"{'system':<28} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}")
    for row in rows:
        print(
            f"{row['system']:<28} {row['requests_per_s']:>10.0f} {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f}"
        )
    for peer, ratio in ratios.items():
        print(f"governed / {peer}: {ratio:.2f}×")


if __name__ == "__main__":
    main()
