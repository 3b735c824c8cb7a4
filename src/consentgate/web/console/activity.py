"""The console's activity page (``/console/activity``): allowed and denied accesses per day, per
partner and category, over the last 7, 30 or 90 days.

The charts are SVG drawn on the server (no script): one bar per day, allowed above, denied in
red below it, each bar titled with its numbers; the totals are in the table beside them, and
for one partner every day's numbers are in a table too, so nothing needs JavaScript to be read.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from consentgate.errors import InvalidInput
from consentgate.web.console.frame import StaffDep, render
from consentgate.web.daily import DailySeries, DayCounts, daily_series
from consentgate.web.state import ServicesDep

router = APIRouter(include_in_schema=False)
PERIODS = (7, 30, 90)


def series(days: list[date], found: list[dict[str, Any]]) -> tuple[list[DailySeries], int]:
    """The rows of the chart table (busiest first) and the busiest day's count."""
    position = {d.isoformat(): i for i, d in enumerate(days)}
    counts: DayCounts = Counter()
    for row in found:
        i = position.get(row["day"])
        if i is not None:
            counts[(row["partner_id"], row["category"], row["decision"], i)] += row["n"]
    return daily_series(counts, len(days))


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
    rows, top = series(day_list, found)
    names = services.privacy.partner_names()
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
