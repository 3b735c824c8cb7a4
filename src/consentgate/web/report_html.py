"""Reports as HTML files: the same tables the privacy center and the console show, standalone.

:mod:`consentgate.services.reports.formats` reads these files back (``from_html``), so that
``consentgate report verify`` checks an HTML report as it checks JSON and CSV. The page has no
script and no style of its own: it opens anywhere, and a strict CSP does not block any of it.
"""

from __future__ import annotations

from consentgate.services.reports.document import VERSION
from consentgate.services.reports.formats import ReportFile, to_csv, to_json
from consentgate.web.pages import templates

TITLES = {
    "transparency": "Transparency report",
    "partner": "Record of processing",
    "person": "Who received your data",
}


def title_of(signed: ReportFile) -> str:
    report = signed.report
    name = report.parameters.get("partner") or report.parameters.get("person") or ""
    return f"{TITLES[report.kind]}{' · ' + name if name else ''}"


def to_html(signed: ReportFile) -> bytes:
    template = templates.get_template("reports/standalone.html")
    page = template.render(
        report=signed.report, signature=signed.signature, version=VERSION, title=title_of(signed)
    )
    return page.encode()


def render(signed: ReportFile, fmt: str) -> bytes:
    """The report file in ``fmt`` (json, csv or html)."""
    writers = {"json": to_json, "csv": to_csv, "html": to_html}
    return writers[fmt](signed)


MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "html": "text/html; charset=utf-8",
}
