"""The findings schedule evaluates in one process only: the one holding the log's integration
lease, so N workers do not suspend a partner or lapse a scope N times."""

from __future__ import annotations

import threading
import time

from consentgate.services.findings import FindingsSchedule


class _Counting:
    """Stands in for the findings service: counts evaluations (the schedule's own logic is what
    is under test; the rules have their own tests against real databases)."""

    def __init__(self) -> None:
        self.calls = 0
        self.called = threading.Event()

    def evaluate(self) -> object:
        self.calls += 1
        self.called.set()

        class _Evaluation:
            findings: tuple[object, ...] = ()

        return _Evaluation()


def _run(leading: bool, seconds: float) -> int:
    service = _Counting()
    schedule = FindingsSchedule(service, 0.02, leading=lambda: leading)  # type: ignore[arg-type]
    schedule.start()
    if leading:
        assert service.called.wait(5)
    else:
        time.sleep(seconds)
    schedule.stop()
    return service.calls


def test_the_process_holding_the_lease_evaluates() -> None:
    assert _run(leading=True, seconds=0) >= 1


def test_a_process_without_the_lease_never_evaluates() -> None:
    assert _run(leading=False, seconds=0.3) == 0
