"""The replay's outputs: the JSON document and a self-contained HTML report with an SVG chart.

The HTML is one file with nothing to fetch: consentgate's stylesheet is embedded, and a
Content-Security-Policy (``default-src 'none'``, the style allowed by its SHA-256 hash, CSP Level 3
§8.3) lets nothing else run or load. It is well-formed XML as well as HTML (polyglot markup), so
any XML parser can read it. Every value is escaped by Jinja's autoescaping; the chart is drawn on
the server (SVG), so it needs no script.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from consentgate.demo.replay_rows import Row, Table

#: The chart's size (SVG user units) and its margins.
_WIDTH, _HEIGHT, _LEFT, _BOTTOM, _TOP = 720, 260, 70, 30, 20


def replay_json(
    table: Table, *, seed: int, people: int, partners: int, log_size: int
) -> dict[str, Any]:
    """The replay as one JSON document: ``rows``, ``totals`` and what it was run with."""
    return {
        "seed": seed,
        "people": people,
        "partners": partners,
        "log_size": log_size,
        "rows": [r.as_json() for r in table.sorted_rows()],
        "totals": table.totals(),
        "years": {str(y): dict(sorted(c.items())) for y, c in sorted(table.years.items())},
    }


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    kind: str
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    years: tuple[tuple[float, int], ...]
    ticks: tuple[tuple[float, int], ...]
    bar_width: float
    left: int
    baseline: float


def chart(table: Table) -> Chart:
    """Records that left per year: the 2017 platform's bar beside consentgate's."""
    years = sorted(table.years)
    top = max([c["records_left_2017"] for c in table.years.values()] + [1])
    plot_h = _HEIGHT - _BOTTOM - _TOP
    slot = (_WIDTH - _LEFT - 10) / max(1, len(years))
    bar_w = slot * 0.38
    bars, labels = [], []
    for i, year in enumerate(years):
        x0 = _LEFT + i * slot + slot * 0.1
        for j, (kind, key) in enumerate(
            (("then", "records_left_2017"), ("now", "records_left_now"))
        ):
            value = table.years[year][key]
            h = plot_h * value / top
            who = "2017 platform" if kind == "then" else "consentgate"
            bars.append(
                Bar(x0 + j * bar_w, _TOP + plot_h - h, h, kind, f"{year}, {who}: {value:,} records")
            )
        labels.append((x0 + bar_w, year))
    ticks = tuple((_TOP + plot_h - plot_h * k / 4, round(top * k / 4)) for k in range(5))
    return Chart(_WIDTH, _HEIGHT, tuple(bars), tuple(labels), ticks, bar_w, _LEFT, _TOP + plot_h)


def _style() -> str:
    css = (resources.files("consentgate.web") / "static" / "consentgate.css").read_text("utf-8")
    extra = (resources.files("consentgate.demo") / "templates" / "replay.css").read_text("utf-8")
    return css + "\n" + extra


def _csp(style: str) -> str:
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode("ascii")
    return f"default-src 'none'; style-src 'sha256-{digest}'; img-src 'none'; base-uri 'none'; form-action 'none'"


def _reasons(row: Row) -> str:
    return ", ".join(
        f"{code} ×{n:,}" for code, n in sorted(row.reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    )


def replay_html(table: Table, *, seed: int, people: int, partners: int, log_size: int) -> str:
    """The HTML report: the side-by-side table, the totals and the chart."""
    env = Environment(
        loader=PackageLoader("consentgate.demo", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    style = _style()
    rows = table.sorted_rows()
    return env.get_template("replay.html").render(
        style=style,
        csp=_csp(style),
        named=[r for r in rows if r.named],
        small=[r for r in rows if not r.named],
        reasons=_reasons,
        totals=table.totals(),
        chart=chart(table),
        seed=seed,
        people=people,
        partners=partners,
        log_size=log_size,
    )
