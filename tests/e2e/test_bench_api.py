"""`consentgate bench api --json` on a tiny run: one object with every system's figures, the ratios
to both floors and the durable floor's share of the floor, named by database and worker count,
and the sustained run's errors and memory."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

SYSTEMS = ("consentgate", "floor", "durable floor")


def test_bench_api_prints_rows_ratios_and_a_sustained_run_as_json() -> None:
    command = [sys.executable, "-c", "from consentgate.cli.main import main; main()"]
    out = subprocess.run(
        [
            *command,
            *("bench", "api", "--json", "--backends", "sqlite", "--workers", "1"),
            *("--rounds", "1", "--seconds", "1", "--connections", "4", "--sustained", "2"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout

    report = json.loads(out)
    assert report["bench"] == "api"
    assert report["runs"] == 1
    assert [row["system"] for row in report["rows"]] == [f"{s} (sqlite, 1 worker)" for s in SYSTEMS]
    for row in report["rows"]:
        assert row["requests_per_s"] > 0
        assert row["mean_ms"] == round(1000 * 4 / row["requests_per_s"], 1)  # 4 connections
        assert 0 < row["p50_ms"] <= row["p99_ms"]
        assert row["rss_mb"] > 10
        assert row["errors"] == 0
    assert set(report["ratios"]) == {"floor (sqlite, 1 worker)", "durable floor (sqlite, 1 worker)"}
    governed, floor, durable = (row["requests_per_s"] for row in report["rows"])
    assert report["ratios"]["floor (sqlite, 1 worker)"] == round(governed / floor, 3)
    assert report["ratios"]["durable floor (sqlite, 1 worker)"] == round(governed / durable, 3)
    assert report["ceilings"] == {
        "durable floor ÷ floor (sqlite, 1 worker)": round(durable / floor, 3)
    }
    sustained = report["sustained"]
    assert sustained["seconds"] == 2
    assert sustained["errors"] == 0
    assert sustained["requests"] > 0
    # Growth is computed before the sizes are rounded to 0.1 MB.
    growth = sustained["rss_end_mb"] / sustained["rss_start_mb"] - 1
    assert sustained["rss_growth"] == pytest.approx(growth, abs=0.005)
    assert report["machine"]["cpus"] >= 1
