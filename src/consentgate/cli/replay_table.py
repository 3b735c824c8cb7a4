"""The replay's side-by-side table in the terminal: the named partners row by row, the smaller
partners summed per kind of data, then the totals."""

from __future__ import annotations

from collections import Counter

from rich import box
from rich.console import Console
from rich.table import Table as RichTable

from consentgate.demo.replay_rows import AGREEMENT_OVER, Row, Table


def _codes(reasons: Counter[str], top: int = 3) -> str:
    ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [f"{code} {n:,}" for code, n in ranked[:top]]
    return "\n".join(shown)


def _smaller(rows: list[Row]) -> list[Row]:
    """The smaller partners' rows summed per category, action and purpose."""
    summed: dict[tuple[str, str, str], Row] = {}
    for r in rows:
        key = (r.category, r.action, r.purpose)
        total = summed.get(key)
        if total is None:
            total = summed[key] = Row("smaller", "smaller partners", "", False, *key)
        total.requests += r.requests
        total.records_2017 += r.records_2017
        total.allowed_now += r.allowed_now
        total.records_now += r.records_now
        total.third_party_filtered += r.third_party_filtered
        total.out_of_scope += r.out_of_scope
        total.reasons.update(r.reasons)
        for rule, year in r.findings.items():
            total.findings[rule] = min(year, total.findings.get(rule, year))
        if r.after_end_since is not None:
            total.after_end_since = min(r.after_end_since, total.after_end_since or 9999)
    return [summed[k] for k in sorted(summed)]


def _by_year(item: tuple[str, int]) -> tuple[int, str]:
    return item[1], item[0]


def _after_end(row: Row) -> str:
    late = sum(row.reasons[code] for code in AGREEMENT_OVER)
    return f"{late:,} ({row.after_end_since})" if row.after_end_since else ""


def _data(row: Row) -> str:
    return f"{row.category}.{row.action}" + ("" if row.named else f"\n({row.purpose})")


#: The table needs this many columns; a narrower terminal wraps its lines rather than the table
#: dropping columns (and output to a file is never narrower).
WIDTH = 120


def print_replay(table: Table, console: Console) -> None:
    """Print the side-by-side table and the totals."""
    console = Console(
        file=console.file, width=max(console.width, WIDTH), force_terminal=console.is_terminal
    )
    rows = table.sorted_rows()
    shown = [r for r in rows if r.named] + _smaller([r for r in rows if not r.named])
    out = RichTable(title="The 2017 platform against consentgate, 2010–2018", box=box.SIMPLE_HEAD)
    headers = [
        ("partner", "left"),
        ("data", "left"),
        ("out\n2017", "right"),
        ("out\nnow", "right"),
        ("3rd-party\nfiltered", "right"),
        ("allowed\nnow", "right"),
        ("reason codes\n(most frequent)", "left"),
        ("2017 answers\nafter the deal", "right"),
    ]
    for name, justify in headers:
        out.add_column(name, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for r in shown:
        cells = [
            r.partner_id,
            _data(r),
            f"{r.records_2017:,}",
            f"{r.records_now:,}",
            f"{r.third_party_filtered:,}",
            f"{r.allowed_now:,}/{r.requests:,}",
            _codes(r.reasons, 2),
            _after_end(r),
        ]
        out.add_row(*cells)
    console.print(out)
    console.print(
        "out 2017: records the 2017 platform handed out · out now: records consentgate lets out · "
        "3rd-party filtered: other people's records held back · 2017 answers after the deal: "
        "since the year the access_after_agreement_end finding would have fired",
        style="dim",
    )
    _print_findings(table, rows, console)
    totals = table.totals()
    console.print(
        f"records that left: {totals['records_left_2017']:,} on the 2017 platform, "
        f"{totals['records_left_now']:,} through consentgate; "
        f"{totals['third_party_filtered']:,} of other people's records filtered; "
        f"{totals['answers_after_agreement_end_2017']:,} answers after an agreement was over, now denied"
    )


def _print_findings(table: Table, rows: list[Row], console: Console) -> None:
    """The findings consentgate's findings service raised: per named partner, with the year each
    was first seen, and for the smaller partners how many of them had each."""
    out = RichTable(title="Findings consentgate raised (first year seen)", box=box.SIMPLE_HEAD)
    out.add_column("partner", no_wrap=True)
    out.add_column("findings")
    for partner in sorted({r.partner_id for r in rows if r.named}):
        found = sorted(table.findings.get(partner, {}).items(), key=_by_year)
        out.add_row(partner, ", ".join(f"{rule} {year}" for rule, year in found) or "none")
    smaller = Counter(
        rule
        for pid, found in table.findings.items()
        for rule in found
        if pid.startswith("partner-")
    )
    if smaller:
        out.add_row(
            "smaller",
            ", ".join(f"{rule}: {n} partners" for rule, n in sorted(smaller.items())),
        )
    console.print(out)
