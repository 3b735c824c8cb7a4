"""The pure half of the ledger imports no storage, web or CLI code (STYLE.md, "The layout")."""

from __future__ import annotations

import subprocess
import sys

PURE = ["tree", "entries", "note", "tiles", "verify", "logstore", "sequencer", "keys"]
FORBIDDEN = [
    "sqlalchemy",
    "fastapi",
    "starlette",
    "authlib",
    "consentgate.store",
    "consentgate.api",
    "consentgate.web",
    "consentgate.cli",
]


def test_the_pure_ledger_modules_import_no_framework() -> None:
    imports = "; ".join(f"import consentgate.ledger.{m}" for m in PURE)
    check = f"{imports}; import sys; print(sorted(m for m in sys.modules))"
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    ).stdout
    loaded = set(eval(out))  # noqa: S307 - our own subprocess printed a list literal
    leaked = {m for m in loaded for f in FORBIDDEN if m == f or m.startswith(f + ".")}
    assert leaked == set()
