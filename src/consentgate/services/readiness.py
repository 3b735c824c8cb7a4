"""Readiness: whether this server process should get traffic now (``GET /readyz``).

Liveness (``/healthz``) says the process answers at all; readiness says its answers can be
trusted, which takes three things:

* ``database`` — the database answers a query (the log's size, which also reads the log table);
* ``log`` — the log takes appends: its sequencer is running and has not stopped on a failure
  (no data leaves without its entry, so a process whose log refuses appends can only refuse);
* ``decision_index`` — the decision index has applied every write it heard of and has read the
  change feed recently (:attr:`DecisionService.current`); otherwise decisions are denied with
  ``engine.error`` until it catches up.
"""

from __future__ import annotations

import logging

from consentgate.services.wiring import Running

log = logging.getLogger(__name__)

#: The checks, in the order they are reported.
CHECKS = ("database", "log", "decision_index")


def unready(running: Running) -> tuple[str, ...]:
    """The checks that fail now (empty when ready). Never raises: a failure is a failed check."""
    failed: list[str] = []
    try:
        running.log.store.committed_size()
    except Exception:  # any failure to answer is "not ready", logged with its cause
        log.warning("readiness: the database does not answer", exc_info=True)
        failed.append("database")
    if not running.log.accepting:
        failed.append("log")
    if not running.decisions.current:
        failed.append("decision_index")
    return tuple(failed)
