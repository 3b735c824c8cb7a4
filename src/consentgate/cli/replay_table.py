"""The replay's side-by-side table in the terminal: the named partners row by row, the smaller
partners summed per kind of data, then the totals."""

from __future__ import annotations

from collections import Counter

from rich.console import Console
from rich.table import Table as RichTable

from consentgate.demo.replay_rows import Row, Table


def _codes(reasons: Counter[str], top: int = 3) -> str:
    ranked = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))
    shown = [f"{code} ×{n:,}" for code, n in ranked[:top]]
    return ", ".join(shown + (["…"] if len(ranked) > top else []))


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
        for rule, year in r.findings_raised_years().items():
            total.findings[rule] = min(year, total.findings.get(rule, year))
    return [summed[k] for k in sorted(summed)]


def print_replay(table: Table, console: Console) -> None:
    """Print the side-by-side table and the totals."""
    rows = table.sorted_rows()
    shown = [r for r in rows if r.named] + _smaller([r for r in rows if not r.named])
    out = RichTable(title="The 2017 platform against consentgate, 2010–2018")
    for name, justify in (
        ("partner", "left"),
        ("data", "left"),
        ("left 2017", "right"),
        ("decided now", "left"),
        ("reason codes", "left"),
        ("leave now", "right"),
        ("3rd-party filtered", "right"),
        ("findings raised", "left"),
    ):
        out.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in shown:
        out.add_row(
            r.partner_name,
            f"{r.category} {r.action} ({r.purpose})",
            f"{r.records_2017:,}",
            f"{r.allowed_now:,}/{r.requests:,} allowed",
            _codes(r.reasons),
            f"{r.records_now:,}",
            f"{r.third_party_filtered:,}",
            ", ".join(r.findings_raised()),
        )
    console.print(out)
    totals = table.totals()
    console.print(
        f"records that left: {totals['records_left_2017']:,} on the 2017 platform, "
        f"{totals['records_left_now']:,} through consentgate; "
        f"{totals['third_party_filtered']:,} of other people's records filtered; "
        f"{totals['answers_after_agreement_end_2017']:,} answers after an agreement was over, now denied"
    )
