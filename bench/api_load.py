"""Load and measurement for ``consentgate bench api``: servers on 127.0.0.1, wrk, and RSS.

Every load goes to 127.0.0.1 only, for a fixed number of seconds (wrk's ``-d``), and stops by
itself. A server is one process tree (uvicorn's supervisor and its workers); its memory is the sum
of their resident sets, read from ``/proc``.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


@dataclass(frozen=True)
class Load:
    """One wrk run: requests/s, latency percentiles (ms), how many requests failed, and how many
    requests were made."""

    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def parse_wrk(out: str) -> Load:
    """The figures of wrk's ``--latency`` report; non-2xx answers and socket errors are errors."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors = 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if non_2xx:
        errors += int(non_2xx.group(1))
    sockets = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    if sockets:
        errors += sum(int(n) for n in sockets.groups())
    return Load(rps, p50, p99, errors, requests)


def wrk_process(url: str, token: str, seconds: int, connections: int) -> subprocess.Popen[str]:
    """Start wrk against ``url`` (on 127.0.0.1) for ``seconds``; it stops by itself."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("the benchmark sends load to 127.0.0.1 only")
    return subprocess.Popen(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wrk(url: str, token: str, seconds: int, connections: int) -> Load:
    proc = wrk_process(url, token, seconds, connections)
    out, err = proc.communicate(timeout=seconds + 60)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk failed: {err.strip()}")
    return parse_wrk(out)


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and all its descendants, in MB (from /proc)."""
    total_kb = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmRSS:\s+(\d+) kB", status)
        total_kb += int(found.group(1)) if found else 0
        todo += _children(current)
    return total_kb / 1024


def start(command: list[str], env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """Start a server (in its own process group) and wait until ``/healthz`` answers."""
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=out, stderr=out, start_new_session=True
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{command[0]} exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop(proc)
    raise RuntimeError(f"the server did not start; see {log}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by :func:`start`, with its workers (its process group)."""
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
