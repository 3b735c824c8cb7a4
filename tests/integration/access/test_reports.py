"""Reports computed from the log: they say what the entries say, they verify, and any change to a
figure, the checkpoint or the signature is caught and named (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update

from consentgate.errors import Error, IntegrityError, InvalidInput, NotFound
from consentgate.ledger.entries import AccessDecision, decode_entry
from consentgate.ledger.note import NoteSigner
from consentgate.services.reports.document import LogState, Report, ReportMismatch
from consentgate.services.reports.formats import ReportFile, read_report, to_csv, to_json
from consentgate.services.reports.service import ReportService
from consentgate.services.reports.signing import sign
from consentgate.services.wiring import Running, Services
from consentgate.store.tables import log_entries
from consentgate.testing import FrozenClock
from consentgate.web.report_html import to_html

from .report_story import Story, tell

WRITERS: dict[str, Callable[[ReportFile], bytes]] = {
    "json": to_json,
    "csv": to_csv,
    "html": to_html,
}


@pytest.fixture
def story(world: Services, running: Running, clock: FrozenClock) -> Story:
    return tell(world, running, clock)


@pytest.fixture
def reports(world: Services) -> ReportService:
    return world.reports()


def build(reports: ReportService, story: Story, kind: str) -> ReportFile:
    if kind == "transparency":
        return reports.transparency(story.start, story.end)
    if kind == "partner":
        return reports.partner("handset")
    return reports.person("p-alice")


def verify(reports: ReportService, data: bytes) -> Report:
    assert reports.signer is not None
    return reports.verify(data, reports.signer.verifier)


def test_the_transparency_report_counts_what_the_entries_say(
    reports: ReportService, running: Running, story: Story
) -> None:
    entries = [decode_entry(d) for _, d in running.log.store.entries(0, 10**6)]
    accesses = [e for e in entries if isinstance(e, AccessDecision)]
    allowed = Counter((e.partner, e.category, e.action) for e in accesses if e.decision == "allow")
    denied = Counter((e.partner, e.category, e.action) for e in accesses if e.decision == "deny")
    report = reports.transparency(story.start, story.end).report
    rows = {r[:3]: r[3:] for r in report.tables["decisions"].rows}
    assert {k: v[0] for k, v in rows.items() if v[0]} == dict(allowed)
    assert {k: v[1] for k, v in rows.items() if v[1]} == dict(denied)
    assert rows[("handset", "contacts", "read")] == (3, 1, 4, 2, 2)  # alice twice, carol once
    [totals] = report.tables["totals"].rows
    totals_by_name = dict(zip(report.tables["totals"].columns, totals, strict=True))
    assert totals_by_name["revocations"] == 1  # carol revoked the device maker
    # carol's revoked grant could read two categories; alice's three grants expired (one each)
    assert totals_by_name["deletions_opened"] == 5
    assert totals_by_name["deletions_confirmed"] == 1
    assert report.log.size == len(entries)


def test_the_partner_report_sets_use_against_the_certification(
    reports: ReportService, story: Story
) -> None:
    tables = reports.partner("handset").report.tables
    [(certification_id, _)] = tables["certified"].rows
    assert certification_id
    assert tables["certification"].rows == (
        # alice's two reads and carol's one; alice's read after sharing went off was refused
        ("contacts", "read", "device.sync", "yes", 3, "certified and used"),
    )


def test_a_period_counts_only_its_own_entries(reports: ReportService, story: Story) -> None:
    early = reports.transparency(story.start, story.start + timedelta(hours=1)).report
    [totals] = early.tables["totals"].rows
    assert totals[:2] == (5, 0)  # the first day's five reads, before alice switched sharing off


@pytest.mark.parametrize("kind", ["transparency", "partner", "person"])
@pytest.mark.parametrize("fmt", list(WRITERS))
def test_each_report_recomputed_from_the_log_equals_the_stored_one(
    reports: ReportService, story: Story, kind: str, fmt: str
) -> None:
    signed = build(reports, story, kind)
    data = WRITERS[fmt](signed)
    assert read_report(data) == signed
    assert verify(reports, data) == signed.report


def test_a_person_report_names_nobody_else(
    reports: ReportService, story: Story, running: Running
) -> None:
    signed = reports.person("alice")  # by handle, too
    text = to_json(signed).decode() + to_csv(signed).decode() + to_html(signed).decode()
    for other in ("p-bob", "p-carol", "bob", "carol", "Bob", "Carol"):
        assert other not in text
    for other in ("p-bob", "p-carol"):
        assert running.person_ref(other) not in text
    assert running.person_ref("p-alice") in text
    through = signed.report.tables["through_others"].rows
    assert [r[:4] for r in through] == [("tunes", "messages", "read", "music.share")]


def _figures(report: Report) -> list[tuple[str, int, int, str]]:
    """(table, row, column, column name) of every integer in ``report``."""
    return [
        (name, r, c, t.columns[c])
        for name, t in report.tables.items()
        for r, row in enumerate(t.rows)
        for c, cell in enumerate(row)
        if isinstance(cell, int)
    ]


@pytest.mark.parametrize("kind", ["transparency", "partner", "person"])
def test_changing_any_number_makes_verify_fail_and_name_it(
    reports: ReportService, story: Story, kind: str
) -> None:
    signed = build(reports, story, kind)
    figures = _figures(signed.report)
    assert figures
    for table, r, c, column in figures:
        body = json.loads(to_json(signed))
        body["report"]["tables"][table]["rows"][r][c] += 1
        with pytest.raises(ReportMismatch) as failed:
            verify(reports, json.dumps(body).encode())
        assert f"{table} [" in failed.value.message or table in failed.value.message
        assert f"{column} is " in failed.value.message


@pytest.mark.parametrize("fmt", ["csv", "html"])
def test_a_changed_number_in_csv_or_html_is_named_too(
    reports: ReportService, story: Story, fmt: str
) -> None:
    data = WRITERS[fmt](reports.transparency(story.start, story.end)).decode()
    before = "row,handset,contacts,read,3,1," if fmt == "csv" else "<td>read</td><td>3</td>"
    after = before.replace(",3,", ",30,") if fmt == "csv" else "<td>read</td><td>30</td>"
    assert data.count(before) == 1
    with pytest.raises(ReportMismatch) as failed:
        verify(reports, data.replace(before, after).encode())
    assert failed.value.message == (
        "decisions [partner=handset, category=contacts, action=read]: "
        "allowed is 30 in the report, 3 in the log"
    )


@pytest.mark.parametrize("field", ["size", "root"])
def test_changing_the_checkpoint_makes_verify_fail_and_name_it(
    reports: ReportService, story: Story, field: str
) -> None:
    body = json.loads(to_json(reports.transparency(story.start, story.end)))
    log = body["report"]["log"]
    log[field] = log["size"] - 1 if field == "size" else "A" * 43 + "="
    with pytest.raises(ReportMismatch) as failed:
        verify(reports, json.dumps(body).encode())
    stated = f"states checkpoint size {log['size']}, root {log['root']}, but its signature is over"
    assert stated in failed.value.message


def _resigned(signed: ReportFile, signer: NoteSigner, log: LogState | None = None) -> bytes:
    report = signed.report
    if log is not None:
        report = Report(report.kind, report.parameters, log, report.tables, report.notes)
    return to_json(ReportFile(report, sign(report, signer)))


def test_a_signature_by_another_key_fails(reports: ReportService, story: Story) -> None:
    signed = reports.transparency(story.start, story.end)
    impostor = NoteSigner.generate(signed.report.log.origin)  # same log name, other key
    with pytest.raises(ReportMismatch, match="signature does not verify"):
        verify(reports, _resigned(signed, impostor))


def test_a_checkpoint_the_log_never_signed_fails(reports: ReportService, story: Story) -> None:
    signed = reports.transparency(story.start, story.end)
    assert reports.signer is not None
    real = signed.report.log
    for log in (
        LogState(real.origin, real.size, bytes(32)),  # the log's size, another root
        LogState(real.origin, real.size - 1, real.root),  # a size it never signed
        LogState(real.origin, real.size + 5, real.root),  # beyond the log
    ):
        with pytest.raises(Error, match="never signed"):
            verify(reports, _resigned(signed, reports.signer, log))


def test_a_report_made_against_another_log_fails(reports: ReportService, story: Story) -> None:
    signed = reports.transparency(story.start, story.end)
    other = NoteSigner.generate("elsewhere.example/log")
    log = LogState("elsewhere.example/log", signed.report.log.size, signed.report.log.root)
    with pytest.raises(ReportMismatch, match=r"another log \(elsewhere.example/log\)"):
        verify(reports, _resigned(signed, other, log))


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_truncated_malformed_and_unsigned_files_fail_with_a_named_problem(
    reports: ReportService, story: Story, fmt: str
) -> None:
    signed = reports.transparency(story.start, story.end)
    data = WRITERS[fmt](signed)
    with pytest.raises(Error) as truncated:
        verify(reports, data[: len(data) // 3])
    assert "truncated" in truncated.value.message or "malformed" in truncated.value.message
    with pytest.raises(InvalidInput, match="carries no signature"):
        verify(reports, WRITERS[fmt](ReportFile(signed.report, "")))
    with pytest.raises(InvalidInput, match="not a consentgate report"):
        verify(reports, b"%PDF-1.7 something else")


def test_bad_periods_and_unknown_names_are_refused(reports: ReportService, story: Story) -> None:
    with pytest.raises(InvalidInput, match="--from must be before --to"):
        reports.transparency(story.end, story.start)
    with pytest.raises(NotFound, match="unknown partner 'nobody'"):
        reports.partner("nobody")
    with pytest.raises(NotFound, match="unknown person 'nobody'"):
        reports.person("nobody")


def test_an_entry_changed_behind_the_log_s_back_is_found(
    reports: ReportService, story: Story, world: Services
) -> None:
    """Verifying checks the entries against the checkpoint's root, and counting names an entry
    that is not an entry at all."""
    with world.db.begin() as conn:
        [(data,)] = conn.execute(
            log_entries.select().with_only_columns(log_entries.c.data).where(log_entries.c.idx == 3)
        )
        changed = bytes(data).replace(b'"allow"', b'"deny"').replace(b'"grant"', b'"grunt"')
        conn.execute(update(log_entries).where(log_entries.c.idx == 3).values(data=changed))
    # Built from the store as it now is; verifying rebuilds the root and finds it changed.
    signed = reports.transparency(story.start, story.end)
    with pytest.raises(ReportMismatch, match="do not hash to the checkpoint's root"):
        verify(reports, to_json(signed))
    with world.db.begin() as conn:
        conn.execute(update(log_entries).where(log_entries.c.idx == 3).values(data=b"not json"))
    with pytest.raises(IntegrityError, match="log entry 3 is not a valid entry"):
        reports.transparency(story.start, story.end)
