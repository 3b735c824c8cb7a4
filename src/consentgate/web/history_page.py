"""The person's access history page (``/me/history``) and its exports.

Every access to the person's data, allowed or denied, their own and through a friend's grant,
newest first: a timeline per partner and category over the last 7 and 30 days (drawn on the
server: a table with an inline SVG bar per day, no script), filters in a GET form, pages, and the
same rows as CSV (``/me/history.csv``) and JSON (``/me/history.json``) with the same filters.

Each row carries the fields of its log entry as ``data-*`` attributes (``data-time`` is the
entry's own RFC 3339 string), so a script can check the row against the log; the contract is in
``templates/me/history.html``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from starlette.responses import JSONResponse, Response

from consentgate.domain import Category
from consentgate.errors import InvalidInput
from consentgate.ledger.entries import format_time
from consentgate.services.privacy import AccessRow, HistoryFilter
from consentgate.services.wiring import Services
from consentgate.web.daily import DailySeries, DayCounts, daily_series
from consentgate.web.people import NO_STORE, SignedIn, SignedInDep, render
from consentgate.web.state import RunningDep, ServicesDep

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 50
#: The most rows one export holds (newest first); narrow the filters for older ones.
EXPORT_LIMIT = 10_000
PERIODS = {"7": 7, "30": 30, "365": 365, "all": None}
_MAX_PAGE = 100_000
_DAYS = 30


@dataclass(frozen=True, slots=True)
class Filters:
    """The history's filters as the form sends them (empty string: any)."""

    partner: str = ""
    category: str = ""
    decision: str = ""
    period: str = "all"

    def where(self, services: Services) -> HistoryFilter:
        days = PERIODS[self.period]
        return HistoryFilter(
            partner_id=self.partner or None,
            category=self.category or None,
            decision=self.decision or None,
            since=services.clock() - timedelta(days=days) if days is not None else None,
        )

    def query(self) -> str:
        """The filters as a query string (for page links and export links)."""
        pairs = [
            f"{k}={v}"
            for k, v in (
                ("partner", self.partner),
                ("category", self.category),
                ("decision", self.decision),
                ("period", self.period),
            )
            if v
        ]
        return "&".join(pairs)


def parse_filters(
    partner: str | None, category: str | None, decision: str | None, period: str | None
) -> Filters:
    """Check the filters; anything unknown is refused (400), never guessed."""
    partner, category = (partner or "").strip(), (category or "").strip()
    decision, period = (decision or "").strip(), (period or "all").strip()
    if len(partner) > 64 or not all(c.isalnum() or c in "-_." for c in partner):
        raise InvalidInput("partner must be a partner id")
    if category and category not in {c.value for c in Category}:
        raise InvalidInput(f"unknown category {category[:32]!r}")
    if decision not in ("", "allow", "deny"):
        raise InvalidInput("decision must be allow or deny")
    if period not in PERIODS:
        raise InvalidInput("period must be 7, 30, 365 or all")
    return Filters(partner, category, decision, period)


@dataclass(frozen=True, slots=True)
class FilterQuery:
    """The filters' query parameters as sent; checked by :meth:`parse` only once the person is
    known, so a signed-out visitor is sent to sign in whatever the filters say."""

    partner: str | None = None
    category: str | None = None
    decision: str | None = None
    period: str | None = None

    def parse(self) -> Filters:
        return parse_filters(self.partner, self.category, self.decision, self.period)


FilterQueryDep = Annotated[FilterQuery, Depends()]


def timeline(services: Services, person_id: str) -> tuple[list[DailySeries], int]:
    """The timeline rows (busiest first) and the busiest day's count (the bars' scale)."""
    now = services.clock()
    counts: DayCounts = Counter()
    for partner_id, category, decision, at in services.privacy.recent_accesses(person_id, _DAYS):
        day = (now - at).days
        if 0 <= day < _DAYS:
            counts[(partner_id, category, decision, _DAYS - 1 - day)] += 1
    return daily_series(counts, _DAYS)


def _export_row(row: AccessRow, names: dict[str, str]) -> dict[str, Any]:
    return {
        "log_index": row.log_index,
        "time": format_time(row.at),
        "partner": row.partner_id,
        "partner_name": names.get(row.partner_id, row.partner_id),
        "category": row.category,
        "action": row.action,
        "purpose": row.purpose,
        "decision": row.decision,
        "role": row.role,
        "records_returned": row.records_returned,
        "reasons": list(row.reasons) if row.reasons is not None else None,
    }


@router.get("/me/history")
def history_page(
    person: SignedInDep,
    request: Request,
    services: ServicesDep,
    running: RunningDep,
    query: FilterQueryDep,
    page: int = 1,
) -> Response:
    """The access history, its timeline, filters and pages."""
    session = person.session
    filters = query.parse()
    if not 1 <= page <= _MAX_PAGE:
        raise InvalidInput(f"page must be between 1 and {_MAX_PAGE}")
    rows, total = services.privacy.history(
        person.person_id,
        filters.where(services),
        offset=(page - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
    )
    lines, top = timeline(services, person.person_id)
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "me/history.html",
        session,
        services,
        {
            "rows": rows,
            "total": total,
            "page": page,
            "pages": pages,
            "filters": filters,
            "timeline": lines,
            "top": top,
            "days": _DAYS,
            "names": services.privacy.partner_names(),
            "purposes": services.privacy.purposes(),
            "partners_seen": services.privacy.partners_seen(person.person_id),
            "categories": [c.value for c in Category],
            "person_ref": running.person_ref(person.person_id),
            "entry_time": format_time,
        },
    )


@dataclass(frozen=True, slots=True)
class _Export:
    """One export's rows (newest first), how many matched in all, and for whom."""

    person_id: str
    filters: Filters
    rows: list[dict[str, Any]]
    total: int


def _export(person: SignedIn, services: Services, query: FilterQuery) -> _Export:
    filters = query.parse()
    rows, total = services.privacy.history(
        person.person_id, filters.where(services), offset=0, limit=EXPORT_LIMIT
    )
    names = services.privacy.partner_names()
    return _Export(person.person_id, filters, [_export_row(r, names) for r in rows], total)


@router.get("/me/history.json")
def history_json(
    person: SignedInDep,
    services: ServicesDep,
    running: RunningDep,
    query: FilterQueryDep,
) -> Response:
    """The filtered history as JSON (at most :data:`EXPORT_LIMIT` rows, newest first)."""
    found = _export(person, services, query)
    filters = found.filters
    body = {
        "person_reference": running.person_ref(found.person_id),
        "filters": {
            "partner": filters.partner or None,
            "category": filters.category or None,
            "decision": filters.decision or None,
            "period": filters.period,
        },
        "total": found.total,
        "accesses": found.rows,
    }
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="history.json"'}
    return JSONResponse(body, headers=headers)


_CSV_FIELDS = (
    "log_index",
    "time",
    "partner",
    "partner_name",
    "category",
    "action",
    "purpose",
    "decision",
    "role",
    "records_returned",
    "reasons",
)


def _cell(value: Any) -> str:
    """A CSV cell; text a spreadsheet would run as a formula gets a leading apostrophe (OWASP)."""
    if value is None:
        return ""
    if isinstance(value, list):
        value = " ".join(value)
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


@router.get("/me/history.csv")
def history_csv(person: SignedInDep, services: ServicesDep, query: FilterQueryDep) -> Response:
    """The filtered history as CSV (RFC 4180, a header line first)."""
    found = _export(person, services, query)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(_CSV_FIELDS)
    for row in found.rows:
        writer.writerow([_cell(row[f]) for f in _CSV_FIELDS])
    headers = {**NO_STORE, "Content-Disposition": 'attachment; filename="history.csv"'}
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
