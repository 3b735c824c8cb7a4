"""What the server counts, in Prometheus' multi-process mode: every worker writes its own counts,
and ``GET /metrics`` sums them over the workers (prometheus-client's ``MultiProcessCollector``).

Counted where it happens (in the process that did it):

* ``consentgate_http_requests_total{route, method, status}`` — by route template, never by raw
  path, so the label set stays bounded;
* ``consentgate_decisions_total{outcome, reason}`` — one per partner call: ``deny`` with the first
  failing rule's reason code, ``allow`` with ``third_party.filtered`` when other people's parts
  were taken out and ``ok`` otherwise;
* ``consentgate_log_appends_total{source}`` and ``consentgate_log_append_seconds{source}`` —
  entries made durable, and how long each caller waited for its commit (``access`` for partner
  calls, ``journal`` for grants, revocations and the other service writes);
* ``consentgate_freshness_catchups_total{trigger}`` — reads of the change feed that found writes
  this process had not applied (other processes' writes, or its own that failed to apply):
  ``request`` when a decision's freshness check found the feed had moved, ``poll`` when the
  background poll did.

Read from the database when scraped (the same for every process, so not summed): the log's size,
the size and age of its latest signed checkpoint, and which process holds the integration lease
(``consentgate_log_integrator{holder}``, 1 for the holder; nothing while nobody holds it).

Multi-process mode needs a directory shared by the workers, named in ``PROMETHEUS_MULTIPROC_DIR``
before any count is made (:func:`enable`): the first process that builds the app makes a fresh one
and the workers it starts inherit it; an operator may name one instead (and must empty it between
runs, as prometheus-client's documentation says).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, values
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from consentgate.domain.clock import Clock
from consentgate.ledger.logstore import LogStore

#: The environment variable prometheus-client reads for its multi-process directory.
DIRECTORY_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
#: Content type of the exposition (Prometheus text format 0.0.4).
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

# Every metric has labels, so no value exists before its first count: values are made at the
# first ``labels(...)`` call, after :func:`enable` chose the multi-process value class.
REQUESTS = Counter(
    "consentgate_http_requests",
    "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
    registry=None,
)
DECISIONS = Counter(
    "consentgate_decisions",
    "Partner calls decided, by outcome and reason code",
    ["outcome", "reason"],
    registry=None,
)
LOG_APPENDS = Counter(
    "consentgate_log_appends",
    "Log entries made durable, by what wrote them",
    ["source"],
    registry=None,
)
LOG_APPEND_SECONDS = Histogram(
    "consentgate_log_append_seconds",
    "How long a caller waited for its log entry to be durable",
    ["source"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
    registry=None,
)
FRESHNESS_CATCHUPS = Counter(
    "consentgate_freshness_catchups",
    "Change-feed reads that found committed writes this process had not applied yet",
    ["trigger"],
    registry=None,
)
_ALL = (REQUESTS, DECISIONS, LOG_APPENDS, LOG_APPEND_SECONDS, FRESHNESS_CATCHUPS)


def enable() -> Path:
    """Switch this process to multi-process mode and return the shared directory.

    Uses ``PROMETHEUS_MULTIPROC_DIR`` when set (a worker inherits its parent's), else makes a
    fresh one (removed when this process exits) and sets the variable for the workers it starts.
    Values counted before (in-memory, say by a command in the same process) are dropped, so every
    count from here on is in the files ``/metrics`` sums.
    """
    if values.ValueClass is values.MutexValue:
        # Counted in memory so far: drop those values, so every later count is made in the files.
        # (``clear`` only works, and only warns otherwise, outside multi-process mode.)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            for metric in _ALL:
                metric.clear()
    path = os.environ.get(DIRECTORY_VARIABLE)
    if not path:
        path = tempfile.mkdtemp(prefix="consentgate-metrics-")
        os.environ[DIRECTORY_VARIABLE] = path
        atexit.register(shutil.rmtree, path, True)
    Path(path).mkdir(parents=True, exist_ok=True)
    values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]  # untyped in prometheus-client
    return Path(path)


def observe_append(source: str, started: float) -> None:
    """Count one durable append by ``source`` that took since ``started`` (``perf_counter``)."""
    LOG_APPENDS.labels(source).inc()
    LOG_APPEND_SECONDS.labels(source).observe(time.perf_counter() - started)


class LogCollector(Collector):
    """The log's size and its latest checkpoint, read from the store at each scrape."""

    def __init__(self, store: LogStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        size = GaugeMetricFamily("consentgate_log_size", "Entries committed to the log")
        size.add_metric([], self.store.committed_size())
        yield size
        latest = self.store.latest_checkpoint()
        signed = GaugeMetricFamily(
            "consentgate_log_checkpoint_size", "Entries covered by the latest signed checkpoint"
        )
        age = GaugeMetricFamily(
            "consentgate_log_checkpoint_age_seconds",
            "Seconds since the latest checkpoint was signed",
        )
        if latest is not None:
            signed.add_metric([], latest.size)
            age.add_metric([], max(0.0, (self.clock() - latest.signed_at).total_seconds()))
        yield signed
        yield age
        holder = GaugeMetricFamily(
            "consentgate_log_integrator",
            "1 for the process holding the integration lease (host, process id, random part)",
            labels=["holder"],
        )
        current = self.store.lease_holder()
        if current is not None:
            holder.add_metric([current], 1)
        yield holder


def exposition(*collectors: Collector) -> bytes:
    """Every worker's counts summed, plus ``collectors``, in the Prometheus text format."""
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry)  # type: ignore[no-untyped-call]  # untyped in prometheus-client
    for collector in collectors:
        registry.register(collector)
    return generate_latest(registry)
