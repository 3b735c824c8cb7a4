"""consentgate bench api: the governed read of 50 messages against its floors, in one run.

For each database (SQLite; PostgreSQL when ``--postgres``, ``CONSENTGATE_BENCH_POSTGRES_URL`` or
``CONSENTGATE_TEST_DATABASE_URL`` names a server) and each worker count (1 and the CPU count),
three servers answer ``GET /v1/threads/1/messages`` (50 of a thread's 60 messages) for the same
bearer token, on the same database, with the same number of worker processes:

* **consentgate**: ``consentgate serve`` — token, decision, fetch, obligations, the access entry
  durable in the log before the answer, JSON;
* **floor**: ``bench/api_floor.py``, a minimal Starlette app with the raw driver on the fastest
  server settings (async endpoint, uvloop, httptools, orjson): token and fetch only;
* **durable floor**: the same app, plus one row per request committed (synced, group commit)
  before the answer — the guarantee the product gives for its log entry.

wrk drives each with the same connections in alternating rounds; reported per system: requests/s,
p50 and p99 (medians over the rounds), errors and the server's resident memory (all its
processes), and ``mean_ms``: connections ÷ requests/s, the mean latency by Little's law (wrk
keeps one request in flight on every connection). ``ratios`` divide
consentgate's requests/s by each floor's, keyed like ``"floor (sqlite, 2 workers)"``;
``ceilings`` divide the durable floor's by the floor's, keyed the same way: the share of the
read-only floor that a minimal app reaches once it gives the product's guarantee (an entry synced
before the answer). ``--sustained SECONDS`` then runs consentgate alone (SQLite, the most workers)
for that long and reports errors and the growth of its memory.
Every load goes to 127.0.0.1, is bounded in time and stops by itself.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from api_floor import prepare
from api_load import Load, parse_wrk, rss_mb, start, stop, wrk, wrk_process
from api_world import PAGE, PURPOSE, build_world, drop_database, postgres_database
from consentgate.testing import free_port

HERE = Path(__file__).parent
SYSTEMS = ("consentgate", "floor", "durable floor")


def _consentgate() -> list[str]:
    script = Path(sys.executable).with_name("consentgate")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from consentgate.cli.main import main; main()"]


def serve_has_workers() -> bool:
    """Whether ``consentgate serve`` takes ``--workers`` (N processes on one database)."""
    out = subprocess.run(
        [*_consentgate(), "serve", "--help"], capture_output=True, text=True, check=False
    )
    return "--workers" in out.stdout


def _command(system: str, url: str, port: int, workers: int, has_workers: bool) -> list[str]:
    if system == "consentgate":
        command = [*_consentgate(), "serve", "--host", "127.0.0.1", "--port", str(port)]
        return command + (["--workers", str(workers)] if has_workers else [])
    command = [sys.executable, str(HERE / "api_floor.py"), "--database", url]
    command += ["--port", str(port), "--workers", str(workers)]
    return command + (["--durable"] if system == "durable floor" else [])


def _path(system: str, port: int) -> str:
    query = f"limit={PAGE}" + (f"&purpose={PURPOSE}" if system == "consentgate" else "")
    return f"http://127.0.0.1:{port}/v1/threads/1/messages?{query}"


def _label(system: str, backend: str, workers: int) -> str:
    return f"{system} ({backend}, {workers} worker{'s' if workers > 1 else ''})"


def _start_all(
    url: str, work: Path, workers: int, has_workers: bool, token: str
) -> dict[str, tuple[Any, str]]:
    env = {
        "CONSENTGATE_DATABASE_URL": url,
        "CONSENTGATE_DATA_DIR": str(work),
        "CONSENTGATE_ACCESS_TOKEN_SECONDS": "86400",
    }
    servers: dict[str, tuple[Any, str]] = {}
    try:
        for system in SYSTEMS:
            port = free_port()
            log = work / f"{system.replace(' ', '-')}-{workers}.log"
            proc = start(_command(system, url, port, workers, has_workers), env, port, log)
            servers[system] = (proc, _path(system, port))
            answer = httpx.get(
                servers[system][1], headers={"Authorization": f"Bearer {token}"}, timeout=30
            )
            records = answer.json()["records"]
            if answer.status_code != 200 or len(records) != PAGE:
                raise RuntimeError(f"{system} answered {answer.status_code}: {answer.text[:200]}")
    except BaseException:
        for proc, _ in servers.values():
            stop(proc)
        raise
    return servers


def _row(
    system: str, backend: str, workers: int, runs: list[Load], rss: float, connections: int
) -> dict[str, Any]:
    rps = statistics.median(r.rps for r in runs)
    return {
        "system": _label(system, backend, workers),
        "backend": backend,
        "workers": workers,
        "requests_per_s": rps,
        "mean_ms": round(1000 * connections / rps, 1),
        "p50_ms": statistics.median(r.p50_ms for r in runs),
        "p99_ms": statistics.median(r.p99_ms for r in runs),
        "errors": sum(r.errors for r in runs),
        "rss_mb": round(rss, 1),
        "runs_rps": [round(r.rps, 1) for r in runs],
    }


def measure(
    backend: str, url: str, work: Path, token: str, workers: int, args: argparse.Namespace
) -> list[dict[str, Any]]:
    """The three systems on one database with ``workers`` processes each, in alternating rounds."""
    servers = _start_all(url, work, workers, args.has_workers, token)
    try:
        for _, target in servers.values():  # warm-up, not counted
            wrk(target, token, min(2, args.seconds), args.connections)
        runs: dict[str, list[Load]] = {system: [] for system in SYSTEMS}
        for _ in range(args.rounds):
            for system, (_, target) in servers.items():
                runs[system].append(wrk(target, token, args.seconds, args.connections))
        memory = {system: rss_mb(proc.pid) for system, (proc, _) in servers.items()}
    finally:
        for proc, _ in servers.values():
            stop(proc)
    return [_row(s, backend, workers, runs[s], memory[s], args.connections) for s in SYSTEMS]


def sustained(
    url: str, work: Path, token: str, workers: int, args: argparse.Namespace
) -> dict[str, Any]:
    """consentgate alone under load for ``args.sustained`` seconds: errors and memory growth
    (from the end of a warm-up of up to 10 seconds to the end of the run)."""
    port = free_port()
    env = {
        "CONSENTGATE_DATABASE_URL": url,
        "CONSENTGATE_DATA_DIR": str(work),
        "CONSENTGATE_ACCESS_TOKEN_SECONDS": "86400",
    }
    command = _command("consentgate", url, port, workers, args.has_workers)
    proc = start(command, env, port, work / "sustained.log")
    target = _path("consentgate", port)
    try:
        wrk(target, token, min(10, args.sustained), args.connections)  # warm-up
        before = rss_mb(proc.pid)
        load = wrk_process(target, token, args.sustained, args.connections)
        peak = before
        while load.poll() is None:
            time.sleep(1)
            peak = max(peak, rss_mb(proc.pid))
        out, err = load.communicate()
        if load.returncode != 0:
            raise RuntimeError(f"wrk failed: {err.strip()}")
        after = rss_mb(proc.pid)
    finally:
        stop(proc)
    found = parse_wrk(out)
    return {
        "system": _label("consentgate", "sqlite", workers),
        "seconds": args.sustained,
        "requests": found.requests,
        "requests_per_s": found.rps,
        "p50_ms": found.p50_ms,
        "p99_ms": found.p99_ms,
        "errors": found.errors,
        "rss_start_mb": round(before, 1),
        "rss_end_mb": round(after, 1),
        "rss_peak_mb": round(peak, 1),
        "rss_growth": round(after / before - 1, 4),
    }


def _machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": model,
        "python": platform.python_version(),
        "system": platform.platform(),
        "load_average": os.getloadavg(),
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="consentgate bench api", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (median)")
    parser.add_argument("--seconds", type=int, default=10, help="length of one round")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--workers",
        default=f"1,{os.cpu_count() or 1}",
        help="worker counts, comma-separated (default: 1 and the CPU count)",
    )
    parser.add_argument(
        "--backends",
        default="sqlite,postgresql",
        help="sqlite and/or postgresql (when a URL is set)",
    )
    parser.add_argument(
        "--postgres", help="a PostgreSQL server URL (a database is made and dropped)"
    )
    parser.add_argument(
        "--sustained", type=int, default=0, metavar="SECONDS", help="then a sustained run"
    )
    args = parser.parse_args(argv)
    if min(args.rounds, args.seconds, args.connections) < 1 or not 0 <= args.sustained <= 3600:
        parser.error("rounds, seconds and connections are at least 1; sustained 0 to 3600 s")
    try:
        args.worker_counts = sorted({int(w) for w in args.workers.split(",")})
    except ValueError:
        parser.error("--workers takes numbers separated by commas")
    if args.worker_counts[0] < 1:
        parser.error("--workers: at least 1")
    args.backend_names = [b for b in args.backends.split(",") if b]
    if not set(args.backend_names) <= {"sqlite", "postgresql"}:
        parser.error("--backends: sqlite and/or postgresql")
    if args.postgres:
        os.environ["CONSENTGATE_BENCH_POSTGRES_URL"] = args.postgres
    return args


def _backend(name: str, args: argparse.Namespace, report: dict[str, Any], root: Path) -> None:
    """Measure every worker count on one database (made here, removed afterwards)."""
    pg = postgres_database() if name == "postgresql" else None
    if name == "postgresql" and pg is None:
        report["skipped"].append("postgresql: no server URL (--postgres)")
        return
    work = root / name
    work.mkdir()
    url = pg[0] if pg else f"sqlite:///{work}/bench.db"
    try:
        token = build_world(url, work)
        prepare(url)
        for workers in args.worker_counts:
            if workers > 1 and not args.has_workers:
                report["skipped"].append(f"{name}, {workers} workers: serve has no --workers")
                continue
            rows = measure(name, url, work, token, workers, args)
            report["rows"] += rows
            governed, floor, durable = (row["requests_per_s"] for row in rows)
            configuration = f"({name}, {workers} worker{'s' if workers > 1 else ''})"
            report["ratios"][f"floor {configuration}"] = round(governed / floor, 3)
            report["ratios"][f"durable floor {configuration}"] = round(governed / durable, 3)
            report["ceilings"][f"durable floor ÷ floor {configuration}"] = round(durable / floor, 3)
        if name == "sqlite" and args.sustained:
            most = max(w for w in args.worker_counts if w == 1 or args.has_workers)
            report["sustained"] = sustained(url, work, token, most, args)
    finally:
        if pg is not None:
            drop_database(*pg)


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    if shutil.which("wrk") is None:
        sys.exit("consentgate bench api: needs wrk (Debian package 'wrk') as the load generator")
    args.has_workers = serve_has_workers()
    report: dict[str, Any] = {
        "bench": "api",
        "runs": args.rounds,
        "rows": [],
        "ratios": {},
        "ceilings": {},
        "skipped": [],
        "connections": args.connections,
        "seconds": args.seconds,
        "command": "consentgate bench api " + " ".join(sys.argv[1:] if argv is None else argv),
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": _machine(),
    }
    root = Path(tempfile.mkdtemp(prefix="consentgate-bench-api-"))
    try:
        for name in args.backend_names:
            _backend(name, args, report, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    if args.json:
        print(json.dumps(report, indent=2))
        return
    _print(report)


def _print(report: dict[str, Any]) -> None:
    print(
        f"{'system':<40} {'req/s':>8} {'mean ms':>8} {'p50 ms':>8} {'p99 ms':>8}"
        f" {'RSS MB':>8} {'errors':>6}"
    )
    for row in report["rows"]:
        print(
            f"{row['system']:<40} {row['requests_per_s']:>8.0f} {row['mean_ms']:>8.1f}"
            f" {row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['rss_mb']:>8.0f}"
            f" {row['errors']:>6}"
        )
    print(f"mean ms: {report['connections']} connections ÷ req/s (Little's law)")
    for floor, ratio in report["ratios"].items():
        print(f"consentgate / {floor}: {ratio:.2f}×")
    for ceiling, ratio in report["ceilings"].items():
        print(f"{ceiling}: {ratio:.2f}×")
    if "sustained" in report:
        print("sustained:", json.dumps(report["sustained"]))
    for skipped in report["skipped"]:
        print("skipped:", skipped)


if __name__ == "__main__":
    main()
