"""Accesses per day, allowed and denied, per partner and category: the rows behind the bar charts
of the console's activity page and the person's access history (both drawn on the server)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

#: Accesses counted by ``(partner_id, category, decision, day)``, where ``decision`` is
#: ``"allow"`` or ``"deny"`` and ``day`` is the day's position, oldest first.
DayCounts = Counter[tuple[str, str, str, int]]


@dataclass(frozen=True, slots=True)
class DailySeries:
    """One partner and category: allowed and denied accesses per day, oldest day first."""

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

    @property
    def last7(self) -> int:
        """Accesses in the last seven days of the series, allowed or denied."""
        return sum(self.allowed[-7:]) + sum(self.denied[-7:])

    @property
    def total(self) -> int:
        return self.total_allowed + self.total_denied


def daily_series(counts: DayCounts, days: int) -> tuple[list[DailySeries], int]:
    """One series per partner and category over ``days`` days, busiest first (then by partner
    and category), and the busiest day's count of any series: the bars' common scale."""
    keys = sorted({(p, c) for p, c, _, _ in counts})
    rows = [
        DailySeries(
            p,
            c,
            tuple(counts[(p, c, "allow", d)] for d in range(days)),
            tuple(counts[(p, c, "deny", d)] for d in range(days)),
        )
        for p, c in keys
    ]
    rows.sort(key=lambda s: (-s.total, s.partner_id, s.category))
    top = max((a + d for s in rows for a, d in zip(s.allowed, s.denied, strict=True)), default=0)
    return rows, top
