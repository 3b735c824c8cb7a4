"""How a benchmark prints its result: the whole result as JSON (``--json``), or one line per row
(``key=value | …``) and one per ratio to its floor, for a person reading a terminal."""

from __future__ import annotations

import json
from typing import Any


def show(result: dict[str, Any], as_json: bool) -> None:
    """Print ``result`` (``rows``: a list of flat dicts; ``ratios``: name → number)."""
    if as_json:
        print(json.dumps(result, indent=2))
        return
    for row in result["rows"]:
        print(" | ".join(f"{k}={v}" for k, v in row.items()))
    for name, value in result["ratios"].items():
        print(f"{name}: {value}")
