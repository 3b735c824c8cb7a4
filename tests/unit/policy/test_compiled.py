"""The modules the mypyc build hook compiles run compiled together, or not at all.

``make test`` runs this once on the editable source (every module interpreted) and once on the
compiled wheel in ``.venv-compiled`` (every module a C extension; ``tests/conftest.py`` checks
which of the two ``CONSENTGATE_EXPECT_ENGINE`` asks for).
"""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

from consentgate.policy.compiled import EXTENSION_SUFFIXES, engine_build

PYPROJECT = Path(__file__).resolve().parents[3] / "pyproject.toml"


def _hooked_modules() -> list[str]:
    """The modules named by the mypyc hook's ``include`` in ``pyproject.toml``."""
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    include = config["tool"]["hatch"]["build"]["targets"]["wheel"]["hooks"]["mypyc"]["include"]
    return [p.removeprefix("/src/").removesuffix(".py").replace("/", ".") for p in include]


def test_the_hook_compiles_the_engine() -> None:
    assert "consentgate.policy.engine" in _hooked_modules()


def test_every_hooked_module_runs_the_same_build_as_the_engine() -> None:
    compiled = engine_build() == "compiled"
    for name in _hooked_modules():
        module = importlib.import_module(name)
        assert (Path(module.__file__ or "").suffix in EXTENSION_SUFFIXES) == compiled, name
