"""The server's own log lines: plain text for people, or one JSON object a line for collectors.

``CONSENTGATE_LOG_FORMAT=json`` (``Settings.log_format``) switches every line of the ``consentgate``
and ``uvicorn`` loggers to JSON: ``time`` (RFC 3339, UTC, from the services' clock, the domain's
``Clock``), ``level``, ``logger``, ``message``, the ``request_id`` of the request being served
(when there is one), any ``extra`` fields, and ``error`` with the traceback of a logged exception.
The HTTP edge also logs each request (``consentgate.access``: method, route, path, status,
duration) in that mode.

The request id lives in a context variable (:data:`request_id`), set by the HTTP edge for each
request: asyncio tasks and the worker threads that run a request's blocking work copy the
context, so every line written while serving a request carries its id — the same id its access
entry in the transparency log carries.
"""

from __future__ import annotations

import json
import logging
from contextvars import ContextVar
from datetime import UTC
from typing import Any

from consentgate.domain.clock import Clock, system_clock

#: The id of the request being served in this context, if any.
request_id: ContextVar[str | None] = ContextVar("consentgate_request_id", default=None)

#: Attributes every ``LogRecord`` has: anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", logging.INFO, "", 0, "", None, None)).keys()) | {
    "message",
    "asctime",
    "taskName",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see the module docstring)."""

    def __init__(self, clock: Clock = system_clock) -> None:
        super().__init__()
        self.clock = clock

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.clock().astimezone(UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        current = request_id.get()
        if current is not None:
            line["request_id"] = current
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = (
                    value if isinstance(value, str | int | float | bool | None) else str(value)
                )
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def configure(log_format: str, clock: Clock = system_clock) -> None:
    """Send the ``consentgate`` and ``uvicorn`` loggers' lines to stderr in ``log_format``.

    ``text`` leaves Python's logging as it is. ``json`` gives those loggers one JSON handler (set
    once: configuring again replaces it) and INFO level, so that each request is logged.
    """
    if log_format != "json":
        return
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter(clock))
    handler.set_name("consentgate-json")
    for name in ("consentgate", "uvicorn", "uvicorn.error"):
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "consentgate-json"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
