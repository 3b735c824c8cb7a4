"""The console's activity page (``/console/activity``): allowed and denied accesses per day, per
partner and category, over the last 7, 30 or 90 days.

The charts are SVG drawn on the server (no script): one bar per day, allowed above, denied in
red below it, each bar titled with its numbers; the totals are in the table beside them, and
for one partner every day's numbers are in a table too, so nothing needs JavaScript to be read.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from consentgate.errors import InvalidInput
from consentgate.web.console.frame import StaffDep, render
from consentgate.web.state import ServicesDep

router = APIRouter(include_in_schema=False)
PERIODS = (7, 30, 90)


@dataclass(frozen=True, slots=True)
class Series:
    """One partner and category: allowed and denied accesses per day, oldest first."""

    partner_id: str
    category: str
    allowed: tuple[int, ...]
    denied: tuple[int, ...]

    @property
    def total_allowed(self) -> int:
        return sum(self.allowed)

    @property
    def total_denied(self) -> int:
        return sum(self.denied)


def series(days: list[date], found: list[dict[str, Any]]) -> list[Series]:
    """The rows of the chart table, busiest first."""
    position = {d.isoformat(): i for i, d in enumerate(days)}
    counts: Counter[tuple[str, str, str, int]] = Counter()
    for row in found:
        i = position.get(row["day"])
        if i is not None:
            counts[(row["partner_id"], row["category"], row["decision"], i)] += row["n"]
    keys = sorted({(p, c) for p, c, _, _ in counts})
    rows = [
        Series(
            p,
            c,
            tuple(counts[(p, c, "allow", i)] for i in range(len(days))),
            tuple(counts[(p, c, "deny", i)] for i in range(len(days))),
        )
        for p, c in keys
    ]
    rows.sort(key=lambda s: (-(s.total_allowed + s.total_denied), s.partner_id, s.category))
    return rows


@router.get("/console/activity")
def activity_page(
    staff: StaffDep,
    request: Request,
    services: ServicesDep,
    partner: Annotated[str | None, Query(max_length=64)] = None,
    days: Annotated[int, Query()] = 30,
) -> Response:
    """Allowed and denied accesses over time, per partner and category."""
    if days not in PERIODS:
        raise InvalidInput(f"days is one of {', '.join(str(p) for p in PERIODS)}")
    partner = partner or None
    day_list, found = services.console.activity(days, partner)
    rows = series(day_list, found)
    top = max((a + d for s in rows for a, d in zip(s.allowed, s.denied, strict=True)), default=0)
    names = {p.id: p.name for p in services.partners.list_partners()}
    return render(
        request,
        "console/activity.html",
        staff,
        services,
        {
            "rows": rows,
            "days": day_list,
            "top": top,
            "names": names,
            "partner": partner,
            "period": days,
            "periods": PERIODS,
        },
    )
