"""``consentgate report`` as a shell runs it, on the story's database: the reports are written in
each format and verify; bad input is one line on standard error and exit 1, and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.shell import Shell

from consentgate.config import Settings
from consentgate.services.wiring import Running, Services
from consentgate.testing import FrozenClock

from .report_story import Story, tell


class ReportShell(Shell):
    """``consentgate report ...`` on the test's database, data folder and log origin."""

    group = ("report",)
    timeout = 120


@pytest.fixture
def shell(world: Services, running: Running, clock: FrozenClock, settings: Settings) -> ReportShell:
    return ReportShell(
        settings.database_url, settings.data_dir, CONSENTGATE_LOG_ORIGIN=settings.origin
    )


@pytest.fixture
def story(world: Services, running: Running, clock: FrozenClock) -> Story:
    return tell(world, running, clock)


def _iso(story: Story) -> tuple[str, str]:
    return story.start.isoformat(), story.end.isoformat()


def test_reports_are_written_in_each_format_and_verify(
    shell: Shell, story: Story, tmp_path: Path
) -> None:
    start, end = _iso(story)
    commands = {
        "t.html": ("transparency", "--from", start, "--to", end),
        "p.csv": ("partner", "--partner", "handset"),
        "me.json": ("person", "--person", "alice"),
    }
    for name, command in commands.items():
        done = shell.run(*command, "--out", str(tmp_path / name))
        assert done.returncode == 0, done.stderr
        checked = shell.run("verify", str(tmp_path / name))
        assert checked.returncode == 0, checked.stderr
        assert checked.stdout.startswith(f"ok: {command[0]} report matches the log at size ")
    printed = shell.run("transparency", "--from", start, "--to", end)
    assert json.loads(printed.stdout)["report"]["kind"] == "transparency"


def test_a_changed_figure_is_named_and_exits_1(shell: Shell, story: Story, tmp_path: Path) -> None:
    start, end = _iso(story)
    path = tmp_path / "t.csv"
    assert (
        shell.run("transparency", "--from", start, "--to", end, "--out", str(path)).returncode == 0
    )
    path.write_text(
        path.read_text().replace("row,tunes,messages,read,2,", "row,tunes,messages,read,1,")
    )
    assert shell.fails("verify", str(path)) == (
        "decisions [partner=tunes, category=messages, action=read]: "
        "allowed is 1 in the report, 2 in the log"
    )


def test_bad_files_are_one_line_naming_the_problem(
    shell: Shell, story: Story, tmp_path: Path
) -> None:
    start, end = _iso(story)
    good = tmp_path / "t.json"
    assert (
        shell.run("transparency", "--from", start, "--to", end, "--out", str(good)).returncode == 0
    )
    data = good.read_bytes()
    cases = {
        "cut.json": (data[:200], "truncated"),
        "junk.json": (b"\x00\x01 not a report", "not a consentgate report"),
        "unsigned.json": (
            json.dumps({"report": json.loads(data)["report"]}).encode(),
            "carries no signature",
        ),
    }
    for name, (content, problem) in cases.items():
        (tmp_path / name).write_bytes(content)
        assert problem in shell.fails("verify", str(tmp_path / name))
    assert "cannot read" in shell.fails("verify", str(tmp_path / "missing.json"))


def test_bad_arguments_exit_1_with_a_clear_error(
    shell: Shell, story: Story, tmp_path: Path
) -> None:
    start, end = _iso(story)
    assert shell.fails("transparency", "--from", end, "--to", start) == (
        "--from must be before --to"
    )
    assert shell.fails("partner", "--partner", "nobody") == "unknown partner 'nobody'"
    assert shell.fails("person", "--person", "nobody") == "unknown person 'nobody'"
    out = tmp_path / "t.pdf"
    assert "cannot tell the format" in shell.fails(
        "transparency", "--from", start, "--to", end, "--out", str(out)
    )
    assert not out.exists()
