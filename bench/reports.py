"""``consentgate bench reports [--json]``: the transparency report over a large log, against its floor.

For each log size (``--sizes``, default 1,000,000 and 10,000,000 entries) a log is generated into a
fresh SQLite database by ``bench/report_log.py`` (real entries, tiles and signed checkpoints), and
then, each in its own process so that its peak memory (``ru_maxrss`` from ``wait4``) is its own:

* **consentgate**: ``consentgate report transparency --from … --to … --out report.json``, the
  command as a person runs it (a year's period covering every entry; the hash check against the
  checkpoint's root, the tally, the signature and the file included);
* **floor: read + decode**: the same entries read in the same batches from the same store and
  decoded with the same JSON parser, nothing else — what any report over the entries must at least
  spend.

Both are timed from the parent as whole processes (start-up included). It reports the median wall
and CPU seconds (user + system, from ``wait4``: on a shared machine the CPU seconds are the steadier
figure) of ``--runs`` runs, the peak RSS, the ratios to the floor, and the
ratio of peak RSS between the largest and smallest size (streaming: it should stay near 1). The
generated world is fixed (100,000 people, 150 partners; see ``report_log.py``), so the sizes differ
only in how many entries there are.
"""

from __future__ import annotations

import argparse
import json as jsonlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

import report_log
from consentgate.ledger.keys import generate_key_file
from consentgate.store import Database
from consentgate.store.log import SqlLogStore
from consentgate.store.migrate import upgrade
from results import show

ORIGIN = "bench.example/log"
CONSENTGATE = str(Path(sys.executable).with_name("consentgate"))


def floor(url: str, size: int) -> None:
    """Child process: read and decode every entry, as the report does, and nothing more."""
    import orjson

    store = SqlLogStore(Database.connect(url))
    loads = orjson.loads
    start = time.perf_counter()
    decoded = 0
    for batch in store.entry_batches(size):
        for data in batch:
            loads(data)
        decoded += len(batch)
    print(jsonlib.dumps({"seconds": time.perf_counter() - start, "entries": decoded}))


def _cpu(out: str) -> float:
    return float(out.rsplit("#cpu ", 1)[1])


def _run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Popen + wait4 so the child's own rusage is read (communicate() would reap it first): its
    wall seconds, peak RSS in MiB, and standard output followed by ``#cpu <CPU seconds>``."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        child = subprocess.Popen(args, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - start
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise SystemExit(f"{' '.join(args[:4])} failed: {err.read().decode()[-800:]}")
        cpu = usage.ru_utime + usage.ru_stime
        return seconds, usage.ru_maxrss / 1024, out.read().decode() + f"\n#cpu {cpu}"


def measure_size(size: int, runs: int, keep: Path, reuse: bool = False) -> dict[str, Any]:
    """Build a log of ``size`` entries (``reuse``: the one already in ``keep``), then time the
    report and the floor ``runs`` times each."""
    data_dir = keep / f"log-{size}"
    url = f"sqlite:///{data_dir / 'log.db'}"
    built: float | None = None
    if not (reuse and (data_dir / "log.db").exists()):
        data_dir.mkdir(parents=True)
        db = Database.connect(url)
        upgrade(db)
        signer = generate_key_file(data_dir / "log-ed25519.key", ORIGIN)
        started = time.perf_counter()
        report_log.build(db, size, signer)
        built = time.perf_counter() - started
        db.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONSENTGATE_")}
    env |= {
        "CONSENTGATE_DATABASE_URL": url,
        "CONSENTGATE_DATA_DIR": str(data_dir),
        "CONSENTGATE_LOG_ORIGIN": ORIGIN,
    }
    report = [
        CONSENTGATE, "report", "transparency", "--from", "2026-01-01", "--to", "2027-01-01",
        "--out", str(data_dir / "report.json"),
    ]  # fmt: skip
    ours, base = [], []
    for _ in range(runs):
        seconds, rss, out = _run_child(report, env)
        ours.append((seconds, rss, _cpu(out)))
        seconds, rss, out = _run_child([sys.executable, __file__, "--floor", url, str(size)], env)
        if jsonlib.loads(out.split("\n#cpu")[0])["entries"] != size:
            raise SystemExit("the floor did not read every entry")
        base.append((seconds, rss, _cpu(out)))
    body = jsonlib.loads((data_dir / "report.json").read_text())["report"]
    [totals] = body["tables"]["totals"]["rows"]
    return {
        "size": size,
        "build_seconds": None if built is None else round(built, 1),
        "report_seconds": statistics.median(s for s, _, _ in ours),
        "report_cpu_seconds": statistics.median(c for _, _, c in ours),
        "report_peak_rss_mib": max(r for _, r, _ in ours),
        "floor_seconds": statistics.median(s for s, _, _ in base),
        "floor_cpu_seconds": statistics.median(c for _, _, c in base),
        "floor_peak_rss_mib": max(r for _, r, _ in base),
        "load_average": os.getloadavg()[0],
        "entries_counted": sum(totals[:2]),
    }


def _row(system: str, m: dict[str, Any], prefix: str) -> dict[str, Any]:
    """The row of one system (``prefix``: ``report`` or ``floor``) at one size, from its medians."""
    return {
        "system": system,
        "entries": m["size"],
        "seconds": round(m[f"{prefix}_seconds"], 2),
        "cpu_seconds": round(m[f"{prefix}_cpu_seconds"], 2),
        "entries_per_second": round(m["size"] / m[f"{prefix}_seconds"]),
        "peak_rss_mib": round(m[f"{prefix}_peak_rss_mib"], 1),
    }


def run(sizes: list[int], runs: int, json: bool, keep: Path, reuse: bool = False) -> dict[str, Any]:
    per_size = [measure_size(size, runs, keep, reuse) for size in sizes]
    rows: list[dict[str, Any]] = []
    for m in per_size:
        rows.append(
            _row("consentgate", m, "report")
            | {
                "log_build_seconds": m["build_seconds"],
                "load_average_1min": round(m["load_average"], 2),
            }
        )
        rows.append(_row("floor: read + decode", m, "floor"))
    ratios = {
        f"floor: read + decode @ {m['size']}": round(m["report_seconds"] / m["floor_seconds"], 2)
        for m in per_size
    } | {
        f"floor: read + decode @ {m['size']}, CPU": round(
            m["report_cpu_seconds"] / m["floor_cpu_seconds"], 2
        )
        for m in per_size
    }
    if len(per_size) > 1:
        small, large = per_size[0], per_size[-1]
        ratios[f"peak RSS {large['size']} / {small['size']}"] = round(
            large["report_peak_rss_mib"] / small["report_peak_rss_mib"], 2
        )
    result = {"bench": "reports", "runs": runs, "rows": rows, "ratios": ratios}
    show(result, json)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000000,10000000", help="comma-separated log sizes")
    parser.add_argument("--dir", type=Path, default=None, help="where to build the logs")
    parser.add_argument("--reuse", action="store_true", help="use the logs already built in --dir")
    parser.add_argument("--floor", nargs=2, metavar=("URL", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.floor:
        floor(args.floor[0], int(args.floor[1]))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.dir is not None:
        run(sizes, args.runs, args.json, args.dir, args.reuse)
        return
    with tempfile.TemporaryDirectory() as tmp:
        run(sizes, args.runs, args.json, Path(tmp))


if __name__ == "__main__":
    main()
