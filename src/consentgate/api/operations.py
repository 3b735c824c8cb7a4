"""What someone running consentgate needs: liveness, readiness, metrics, and a request id.

* ``GET /healthz`` — liveness: the process answers;
* ``GET /readyz`` — readiness (:mod:`consentgate.services.readiness`): ``ready``, or a 503 problem
  whose ``reasons`` name the failed checks (``database``, ``log``, ``decision_index``);
* ``GET /metrics`` — the Prometheus text format, summed over every worker process
  (:mod:`consentgate.services.metrics`);
* :class:`Operations`, an ASGI middleware around every request: it takes the request's id from an
  ``X-Request-Id`` header when that is well formed (1–64 of ``A-Z a-z 0-9 . _ -``) or makes one,
  answers it in ``X-Request-Id``, makes it the id of the request's log lines and of the access
  entry the request writes to the transparency log, counts the request by route template and
  status, and in JSON log mode writes one ``consentgate.access`` line per request.
"""

from __future__ import annotations

import logging
import re
import time

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from consentgate import logs
from consentgate.api.problems import problem_docs, problem_response
from consentgate.services import metrics
from consentgate.services.access import new_request_id
from consentgate.services.readiness import unready
from consentgate.web.state import state_of

log = logging.getLogger("consentgate.access")

#: A request id a client may choose: short, and safe in a header, a log line and a log entry.
_WELL_FORMED = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _incoming(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"x-request-id":
            text = value.decode("latin-1")
            return text if _WELL_FORMED.fullmatch(text) else None
    return None


class Operations:
    """ASGI middleware: request id, request counts, access lines (see the module docstring)."""

    def __init__(self, app: ASGIApp, *, access_log: bool = False) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = _incoming(scope) or new_request_id()
        scope.setdefault("state", {})["request_id"] = request_id
        header = (b"x-request-id", request_id.encode())
        context = logs.request_id.set(request_id)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            metrics.REQUESTS.labels(route, scope["method"], str(status)).inc()
            if self.access_log:
                log.info(
                    "%s %s %s",
                    scope["method"],
                    scope["path"],
                    status,
                    extra={
                        "method": scope["method"],
                        "route": route,
                        "path": scope["path"],
                        "status": status,
                        "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                    },
                )
            logs.request_id.reset(context)


router = APIRouter(tags=["operations"])

_NOT_READY = problem_docs({503: "Not ready: `reasons` names the failed checks"})


@router.get("/healthz", response_class=PlainTextResponse)
async def healthz() -> str:
    """Liveness: answers ``ok`` when the process serves requests."""
    return "ok"


@router.get(
    "/readyz",
    response_class=Response,
    responses={
        200: {"description": "Ready", "content": {"text/plain": {"schema": {"type": "string"}}}},
        **_NOT_READY,
    },
)
async def readyz(request: Request) -> Response:
    """Readiness: ``ready`` when the database answers, the log takes appends and the decision
    index is fresh; otherwise 503 with the failed checks in ``reasons``."""
    running = state_of(request.app).lifecycle.running
    failed = await run_in_threadpool(unready, running)
    if failed:
        detail = "this process is not ready: " + ", ".join(failed)
        return problem_response(503, "not-ready", detail, reasons=failed)
    return PlainTextResponse("ready")


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text format 0.0.4, summed over the server's processes",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        },
        **_NOT_READY,
    },
)
async def prometheus_metrics(request: Request) -> Response:
    """Counts summed over every worker process, and the log's size and checkpoint age."""
    state = state_of(request.app)
    collector = metrics.LogCollector(state.lifecycle.running.log.store, state.services.clock)
    body = await run_in_threadpool(metrics.exposition, collector)
    return Response(body, media_type=metrics.CONTENT_TYPE)
