"""The one place where errors become HTTP responses: RFC 9457 problem details.

Every error body is ``application/problem+json`` with ``type``, ``title``, ``status``, ``detail``
and, where the engine decided, ``reasons`` (stable reason codes). The body itself is rendered by
:mod:`consentgate.problems`, which the pages use too.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.routing import Match

from consentgate.errors import (
    Error,
    NotInAgreement,
    NotSignedIn,
    QuotaExceeded,
    TooManyAttempts,
    Unauthenticated,
)
from consentgate.problems import MEDIA_TYPE, PROBLEM_TYPE_BASE, Problem, problem_response

log = logging.getLogger("consentgate.api")


def problem_docs(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """For OpenAPI: each status, with its description, answered by a problem document."""
    return {
        status: {"model": Problem, "description": text, "content": {MEDIA_TYPE: {}}}
        for status, text in descriptions.items()
    }


#: For OpenAPI: every JSON endpoint documents these.
PROBLEM_RESPONSES = problem_docs(
    {
        400: "Malformed request",
        404: "Unknown id",
        409: "Conflicts with the current state",
        422: "Invalid fields",
        503: "The database or the log is unavailable; nothing was returned",
    }
)


def endpoint_problems(descriptions: Mapping[int, str]) -> dict[int | str, dict[str, Any]]:
    """For OpenAPI: the problems every JSON endpoint documents, and the endpoint's own."""
    return {**PROBLEM_RESPONSES, **problem_docs(descriptions)}


__all__ = [
    "MEDIA_TYPE",
    "PROBLEM_RESPONSES",
    "PROBLEM_TYPE_BASE",
    "Problem",
    "endpoint_problems",
    "install",
    "problem_docs",
    "problem_response",
]


_HTTP_CODES = {404: "not-found", 405: "method-not-allowed", 413: "too-large"}
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at the request's path, for ``Allow`` (RFC 9110 §15.5.6).

    Starlette's own 405 names only the methods of the first route whose path matched, which is
    wrong when two routes share a path (``GET`` and ``POST /admin/partners``).
    """
    found = []
    for method in _METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] is Match.FULL for route in request.app.router.routes):
            found.append(method)
    return found


_PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}
_VALIDATION_SCHEMA = {"$ref": "#/components/schemas/HTTPValidationError"}


def _problems_as_problem_json(document: dict[str, Any]) -> None:
    """Document every problem body under ``application/problem+json`` with its schema.

    FastAPI files a response ``model`` under the route's own media type (``application/json``);
    these bodies are sent as ``application/problem+json`` (RFC 9457 §3), so that is where their
    schema belongs. Its default 422 body is ours too, a :class:`Problem`.
    """
    for path in document.get("paths", {}).values():
        for operation in path.values():
            for response in operation.get("responses", {}).values():
                content = response.get("content", {})
                schema = content.get("application/json", {}).get("schema")
                if schema in (_PROBLEM_SCHEMA, _VALIDATION_SCHEMA):
                    del content["application/json"]
                    content[MEDIA_TYPE] = {"schema": _PROBLEM_SCHEMA}


def _error_headers(err: Error) -> dict[str, str]:
    """The headers a consentgate error carries: its log entry, when to retry, how to authenticate."""
    headers: dict[str, str] = {}
    log_index = getattr(err, "log_index", None)
    if log_index is not None:
        headers["Log-Index"] = str(log_index)
    if isinstance(err, QuotaExceeded | TooManyAttempts):
        headers["Retry-After"] = str(err.retry_after_seconds)
    if isinstance(err, Unauthenticated) and not isinstance(err, NotSignedIn):
        headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
    return headers


async def _on_error(_request: Request, err: Error) -> JSONResponse:
    return error_response(err)


def error_response(err: Error) -> JSONResponse:
    """The problem answer to a consentgate error (the app's one handler of :class:`Error`)."""
    if err.status >= 500:
        log.error("request failed: %s", err.message)
    return problem_response(
        err.status,
        err.code,
        err.message,
        reasons=err.reasons,
        headers=_error_headers(err),
        log_index=getattr(err, "log_index", None),
        errors=_listed(err),
    )


def _listed(err: Error) -> list[dict[str, Any]] | None:
    """The items an error lists, as problem ``errors`` (capabilities not in an agreement)."""
    if isinstance(err, NotInAgreement):
        return [{"capability": c, "msg": "not in the agreement in force"} for c in err.missing]
    return None


async def _on_http(request: Request, err: HTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(err.status_code, "http-error")
    headers = dict(err.headers) if err.headers else {}
    if err.status_code == 405:
        headers["Allow"] = ", ".join(allowed_methods(request))
    return problem_response(err.status_code, code, str(err.detail), headers=headers)


async def _on_invalid(_request: Request, err: RequestValidationError) -> JSONResponse:
    errors = [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
        for e in err.errors()
    ]
    detail = "invalid request"
    if errors:
        detail = f"{'.'.join(errors[0]['loc'])}: {errors[0]['msg']}"
    return problem_response(422, "invalid-input", detail, errors=errors)


async def _on_unexpected(_request: Request, err: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=err)
    return problem_response(500, "internal", "internal error; nothing was returned")


def install(app: FastAPI) -> None:
    """Map every error to a problem body: consentgate errors, HTTP errors, validation, the rest;
    and document those bodies as ``application/problem+json`` in the app's OpenAPI document."""
    build_document = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            _problems_as_problem_json(build_document())
        return app.openapi_schema or build_document()

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to amend it
    app.exception_handler(Error)(_on_error)
    app.exception_handler(HTTPException)(_on_http)
    app.exception_handler(RequestValidationError)(_on_invalid)
    app.exception_handler(Exception)(_on_unexpected)
