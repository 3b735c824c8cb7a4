"""Whether the decision engine runs compiled or interpreted.

Every partner request is decided in the engine, and interpreted Python spends most of a decision
on the interpreter rather than on the rules (``bench/policy.py`` measures it against a bare dict
lookup). mypyc, mypy's compiler, turns the same strictly type-checked source into C extensions,
with no second implementation to keep in step.
A wheel built with the mypyc build hook (``make wheel``; see ``pyproject.toml``) carries the
engine's modules as C extensions, which Python imports instead of their ``.py`` source; an
editable checkout, or a wheel built without the hook, runs the same source interpreted, with the
same behaviour, only slower. ``consentgate serve`` and the benchmarks print which one runs, and the
test suite checks it against ``CONSENTGATE_EXPECT_ENGINE`` (``tests/conftest.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from consentgate.policy import engine

EXTENSION_SUFFIXES = frozenset({".so", ".pyd"})


def engine_build() -> Literal["compiled", "interpreted"]:
    """``"compiled"`` when the engine was imported from its C extension, else ``"interpreted"``."""
    compiled = Path(engine.__file__ or "").suffix in EXTENSION_SUFFIXES
    return "compiled" if compiled else "interpreted"
