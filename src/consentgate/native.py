"""The compiled build of the decision engine: mypyc turns its hot path into a C extension.

Why compile: every partner request is decided in the engine, and interpreted Python spends most
of a decision on the interpreter itself, not on the rules (measured with ``bench/policy.py``:
about 0.25× a bare dict lookup per check interpreted, 0.47–0.59× compiled). mypyc ships with
mypy, which already checks this code in strict mode, so the compiled modules are the very same
source, type-checked, with no second implementation to keep in step.

``python -m consentgate.native`` (``make native``) compiles :data:`MODULES` in place: each
``.py`` gets a C extension beside it, which Python imports instead. Without a build (a plain
``pip install``) the same modules run interpreted, with the same behaviour, only slower.
:func:`status` says which of the two runs, and :func:`stale` which compiled modules are older
than their source (a compiled module that no longer matches its source must be rebuilt before
anything is measured or tested: ``make`` does so whenever a source changes).
"""

from __future__ import annotations

import importlib
import os
import sys
import tempfile
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from consentgate.errors import ConfigError

#: The modules compiled together: the engine and everything it touches per decision.
MODULES = (
    "consentgate.policy.reasons",
    "consentgate.policy.entries",
    "consentgate.policy.quota",
    "consentgate.policy.obligations",
    "consentgate.policy.reach",
    "consentgate.policy.index",
    "consentgate.policy.engine",
)

_SRC = Path(__file__).resolve().parent.parent


def _source(module: str) -> Path:
    return _SRC.joinpath(*module.split(".")).with_suffix(".py")


def _extensions(module: str) -> list[Path]:
    source = _source(module)
    return [source.with_name(source.stem + suffix) for suffix in EXTENSION_SUFFIXES]


def status() -> str:
    """``"compiled"`` when the engine was imported from its C extension, else ``"interpreted"``."""
    engine = importlib.import_module("consentgate.policy.engine")
    return "compiled" if Path(engine.__file__ or "").suffix in {".so", ".pyd"} else "interpreted"


def stale() -> list[str]:
    """The compiled modules whose source changed after they were built."""
    out = []
    sources = {m: _source(m) for m in MODULES}
    for module, source in sources.items():
        for ext in _extensions(module):
            if ext.exists() and ext.stat().st_mtime < source.stat().st_mtime:
                out.append(module)
    return out


def ensure_fresh() -> None:
    """:class:`ConfigError` if a compiled module is older than its source: running it would run
    (or test, or measure) code that is no longer what the source says."""
    left = stale()
    if left:
        raise ConfigError(
            f"compiled modules are older than their source ({', '.join(left)}): run `make native`"
        )


def build() -> None:
    """Compile :data:`MODULES` with mypyc and put the extensions beside their sources."""
    # Imported here: building needs mypy (with mypyc) and setuptools, running does not.
    from mypyc.build import mypycify
    from setuptools import Distribution

    with tempfile.TemporaryDirectory(prefix="consentgate-native-") as tmp:
        cwd = Path.cwd()
        os.chdir(_SRC)  # mypy names the modules from paths relative to the source root
        try:
            paths = [str(_source(m).relative_to(_SRC)) for m in MODULES]
            extensions = mypycify(
                paths,
                opt_level="3",
                target_dir=str(Path(tmp) / "c"),
                group_name="consentgate_policy",
            )
            dist = Distribution({"name": "consentgate-native", "ext_modules": extensions})
            dist.verbose = False
            command = dist.get_command_obj("build_ext")
            command.inplace = True
            command.build_temp = str(Path(tmp) / "obj")
            command.build_lib = str(Path(tmp) / "lib")
            dist.run_command("build_ext")
        finally:
            os.chdir(cwd)


def main() -> None:
    build()
    left = stale()
    if left:
        sys.exit(f"still stale after the build: {', '.join(left)}")
    print(f"compiled {len(MODULES)} modules with mypyc")


if __name__ == "__main__":
    main()
