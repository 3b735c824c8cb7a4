"""The pure core stays pure: importing it pulls in no database, web framework, OAuth library or edge.

Checked on what Python actually loads (the transitive closure), in a fresh interpreter, so an
indirect import through a helper module is caught too.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PURE = [
    "consentgate.domain",
    "consentgate.policy",
    "consentgate.ledger.tree",
    "consentgate.ledger.entries",
    "consentgate.ledger.note",
    "consentgate.ledger.tiles",
    "consentgate.ledger.verify",
]
FORBIDDEN = (
    "sqlalchemy",
    "fastapi",
    "starlette",
    "authlib",
    "consentgate.store",
    "consentgate.api",
    "consentgate.web",
    "consentgate.cli",
    "consentgate.services",
)


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_loads_nothing_from_the_outer_layers(module: str) -> None:
    script = f"import json, sys; import {module}; print(json.dumps(sorted(sys.modules)))"
    loaded = json.loads(
        subprocess.run(
            [sys.executable, "-c", script], check=True, capture_output=True, text=True
        ).stdout
    )
    leaked = [m for m in loaded if m.split(".")[0] in FORBIDDEN or m.startswith(FORBIDDEN)]
    assert leaked == [], f"importing {module} loads {leaked[:5]}"
