"""``consentgate bench policy [--json]``: our decision engine against cedarpy, pycasbin and a dict floor.

All systems run in this one process on the same world (see ``bench/policy_world.py``); before
any timing, every system must agree with ours on the first 3,000 queries. Reported per system:
checks/s (median of ``runs`` runs), p50 and p99 per check (each call timed on its own, timer
overhead included). Then, for consentgate alone: the exposure count of one (partner, category)
over 1,000,000 people with ~2 grants each, and the index build for those people with the memory
it takes.
"""

from __future__ import annotations

import argparse
import gc
import json as jsonlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from consentgate.policy import partner_exposure_count
from consentgate.policy.compiled import engine_build
from policy_world import (
    NOW,
    Check,
    build_index,
    casbin_setup,
    cedar_setup,
    consentgate_setup,
    floor_setup,
    make_world,
)

AGREE_ON = 3_000
PEER_QUERIES = 5_000  # the peers are ~100× slower: time them on the first 5,000 queries


def _rss_bytes() -> int:
    """Resident memory of this process (Linux ``/proc``; 0 where unavailable)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _throughput(check: Check, queries: list[object]) -> float:
    start = time.perf_counter()
    for q in queries:
        check(q)
    return len(queries) / (time.perf_counter() - start)


def _latencies(check: Check, queries: list[object]) -> tuple[float, float]:
    clock = time.perf_counter_ns
    samples = []
    for q in queries:
        t0 = clock()
        check(q)
        samples.append(clock() - t0)
    samples.sort()
    return samples[len(samples) // 2] / 1000, samples[int(len(samples) * 0.99)] / 1000


def compare(runs: int, people: int, queries: int) -> list[dict[str, Any]]:
    world = make_world(people, 20, queries, seed=7)
    setups: dict[str, Callable[..., tuple[Check, list[object]]]] = {
        "consentgate": consentgate_setup,
        "dict floor": floor_setup,
        "cedarpy": cedar_setup,
        "pycasbin FastEnforcer": casbin_setup,
    }
    systems = {name: setup(world) for name, setup in setups.items()}
    ours, our_queries = systems["consentgate"]
    expected = [ours(q) for q in our_queries[:AGREE_ON]]
    for name, (check, qs) in systems.items():
        got = [check(q) for q in qs[:AGREE_ON]]
        wrong = sum(a != b for a, b in zip(got, expected, strict=True))
        if wrong:
            raise SystemExit(f"{name} disagrees with consentgate on {wrong} of {AGREE_ON} queries")
    rows = []
    rates: dict[str, list[float]] = {name: [] for name in systems}
    for _ in range(runs):
        for name, (check, qs) in systems.items():
            rates[name].append(_throughput(check, qs if name in _FAST else qs[:PEER_QUERIES]))
    for name, (check, qs) in systems.items():
        p50, p99 = _latencies(check, qs if name in _FAST else qs[:PEER_QUERIES])
        rows.append(
            {
                "system": name,
                "checks_per_s": round(statistics.median(rates[name])),
                "p50_us": round(p50, 2),
                "p99_us": round(p99, 2),
                "allowed_share": round(sum(expected) / len(expected), 3),
            }
        )
    return rows


_FAST = {"consentgate", "dict floor"}


def scale(runs: int, people: int) -> dict[str, Any]:
    """Index build and exposure count for ``people`` people with 1–3 grants each (~2)."""
    world = make_world(people, 20, 0, seed=11, grants_per_person=(1, 3))
    gc.collect()
    before = _rss_bytes()
    start = time.perf_counter()
    index = build_index(world)
    build_s = time.perf_counter() - start
    gc.collect()
    memory = _rss_bytes() - before
    at = NOW.timestamp()
    timings, count = [], 0
    for _ in range(max(runs, 3)):
        t0 = time.perf_counter()
        count = partner_exposure_count(index, world.partners[0], "messages", at)
        timings.append(time.perf_counter() - t0)
    return {
        "people": people,
        "grants": len(world.grants),
        "index_build_s": round(build_s, 2),
        "index_memory_mb": round(memory / 2**20),
        "exposure_count_ms": round(statistics.median(timings) * 1000, 1),
        "exposure_count": count,
    }


def load_from(database_url: str) -> dict[str, Any]:
    """The index built the way a server starts: every row read from the store ``database_url``."""
    from consentgate.services.decisions import DecisionService
    from consentgate.store import Database

    db = Database.connect(database_url)
    gc.collect()
    before = _rss_bytes()
    service = DecisionService(db)
    start = time.perf_counter()
    service.load()
    took = time.perf_counter() - start
    gc.collect()
    index = service.index
    db.dispose()
    return {
        "people": len(index.settings),
        "partner_person_pairs": sum(len(people) for people in index.grants.values()),
        "load_s": round(took, 2),
        "index_memory_mb": round((_rss_bytes() - before) / 2**20),
    }


def run(
    json: bool, runs: int = 3, people: int = 10_000, big_people: int = 1_000_000
) -> dict[str, Any]:
    """Run the benchmark; print a table, or one JSON object (DESIGN.md, "Benchmarks") with ``json``."""
    rows = compare(runs, people, queries=20_000)
    big = scale(runs, big_people)
    by_name = {row["system"]: row for row in rows}
    ours = by_name["consentgate"]["checks_per_s"]
    result: dict[str, Any] = {
        "bench": "policy",
        "engine": engine_build(),
        "runs": runs,
        "rows": rows,
        "ratios": {
            name: round(ours / row["checks_per_s"], 2)
            for name, row in by_name.items()
            if name != "consentgate"
        },
        "scale": big,
    }
    by_name["consentgate"].update(big)
    if json:
        print(jsonlib.dumps(result, indent=2))
    else:
        _print_table(result)
    return result


def _print_table(result: dict[str, Any]) -> None:
    print(f"bench policy — median of {result['runs']} runs, engine {result['engine']}")
    print(f"{'system':<24}{'checks/s':>14}{'p50 µs':>10}{'p99 µs':>10}{'ours ÷ it':>12}")
    for row in result["rows"]:
        ratio = result["ratios"].get(row["system"], 1.0)
        print(
            f"{row['system']:<24}{row['checks_per_s']:>14,}{row['p50_us']:>10}"
            f"{row['p99_us']:>10}{ratio:>12}"
        )
    s = result["scale"]
    print(
        f"{s['people']:,} people, {s['grants']:,} grants: index build {s['index_build_s']} s, "
        f"{s['index_memory_mb']} MB; exposure count {s['exposure_count_ms']} ms "
        f"({s['exposure_count']:,} people)"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="consentgate bench policy", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per system (median)")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--big-people", type=int, default=1_000_000)
    parser.add_argument(
        "--load-from",
        metavar="DATABASE_URL",
        help="instead: time building the index from a store, as a server starts (e.g. a database "
        "made by `consentgate demo seed --people 1000000`)",
    )
    args = parser.parse_args(argv)
    if args.load_from:
        loaded = load_from(args.load_from)
        if args.json:
            print(jsonlib.dumps({"bench": "policy load", "engine": engine_build(), **loaded}))
        else:
            print(
                f"engine {engine_build()}: {loaded['people']:,} people, "
                f"{loaded['partner_person_pairs']:,} (partner, person) grant pairs loaded from the "
                f"store in {loaded['load_s']} s, {loaded['index_memory_mb']} MB"
            )
        return
    run(args.json, args.runs, args.people, args.big_people)


if __name__ == "__main__":
    main()
