"""Build hook: a wheel build leaves no compiled module behind in ``src/``.

hatch-mypyc compiles in place (``build_ext --inplace``) and takes the extensions into the wheel
from there. Built from the sdist (``make wheel``, ``python -m build``) that place is a temporary
copy, but built straight from a checkout (``python -m build --wheel``, ``pip wheel .``) it is
``src/``, where an editable install would then import the compiled modules instead of the
source being edited. Once the wheel is written (it holds its own copy), this hook removes them.
It is enabled together with the mypyc hook, by ``HATCH_BUILD_HOOKS_ENABLE=1``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

COMPILED = {".so", ".pyd"}


class RemoveInPlaceExtensions(BuildHookInterface):
    PLUGIN_NAME = "custom"

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        root = Path(self.root)
        made = [p for pattern in build_data["artifacts"] for p in root.glob(pattern.lstrip("/"))]
        made += [Path(p) for p in build_data["force_include"]]
        for path in made:
            if path.suffix in COMPILED and path.is_file() and root / "src" in path.parents:
                path.unlink()
