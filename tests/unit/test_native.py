"""The engine runs compiled where it was built (``make native``), and the same source interpreted."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import pytest

import consentgate
from consentgate import native

ROOT = Path(__file__).resolve().parents[2]


def _built(modules: Iterable[str]) -> bool:
    return all(any(p.exists() for p in native._extensions(m)) for m in modules)


def test_the_engine_runs_compiled_exactly_when_it_was_built() -> None:
    engine = _built(native.MODULES)
    # ``make test`` builds the extensions first and sets CONSENTGATE_REQUIRE_NATIVE.
    if os.environ.get("CONSENTGATE_REQUIRE_NATIVE"):
        assert engine, "CONSENTGATE_REQUIRE_NATIVE is set but the engine was not compiled"
    assert native.status() == ("compiled" if engine else "interpreted")
    assert native.stale() == []


@pytest.mark.slow
def test_the_same_source_interpreted_passes_the_engine_and_ledger_suites(tmp_path: Path) -> None:
    # A copy of the sources without the extensions: what a plain ``pip install`` runs.
    src = tmp_path / "src"
    shutil.copytree(
        Path(consentgate.__file__).parent,
        src / "consentgate",
        ignore=shutil.ignore_patterns("*.so", "*.pyd", "__pycache__"),
    )
    env = {**os.environ, "PYTHONPATH": str(src)}
    probe = subprocess.run(
        [sys.executable, "-c", "from consentgate import native; print(native.status())"],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert probe.stdout.split() == ["interpreted"]
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "tests/unit/policy", "tests/unit/ledger"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert " passed" in run.stdout
