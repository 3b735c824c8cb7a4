"""The OpenAPI document is the contract: every JSON endpoint of the app is in it, with its errors.

The test walks the app's own routes (whatever routers exist at the time), so an endpoint added
later without documented error responses fails here. The document is fetched from a real server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, get_type_hints

import fastapi.routing
import httpx
import pytest
from fastapi import FastAPI, Response
from fastapi.datastructures import DefaultPlaceholder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.testing import serving


def json_routes(app: FastAPI) -> list[tuple[str, str, APIRoute, bool]]:
    """(method, path, route, in schema) of every endpoint that answers JSON.

    FastAPI ≥ 0.160 keeps included routers as nodes (``iter_route_contexts`` walks them);
    earlier versions flatten them into ``app.routes``.
    """
    walk = getattr(fastapi.routing, "iter_route_contexts", None)
    found: list[tuple[str, str, APIRoute, bool]] = []
    contexts: list[Any] = list(walk(app.routes)) if walk else list(app.routes)
    for ctx in contexts:
        route = getattr(ctx, "original_route", ctx)
        if not isinstance(route, APIRoute):
            continue
        response_class = route.response_class
        if isinstance(response_class, DefaultPlaceholder):
            response_class = response_class.value
        if not (isinstance(response_class, type) and issubclass(response_class, JSONResponse)):
            continue
        if route.response_model is None and _returns_a_response(route):
            continue  # a page, a redirect or a file: it builds its own response, not JSON
        in_schema = bool(getattr(ctx, "include_in_schema", route.include_in_schema))
        for method in sorted(ctx.methods or ()):
            found.append((method.lower(), str(ctx.path_format), route, in_schema))
    return found


def _returns_a_response(route: APIRoute) -> bool:
    returned = get_type_hints(route.endpoint).get("return")
    return isinstance(returned, type) and issubclass(returned, Response)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, Any, str]]:
    """The app, its OpenAPI document and its base URL, served on 127.0.0.1."""
    tmp: Path = tmp_path_factory.mktemp("openapi")
    settings = Settings(
        database_url=f"sqlite:///{tmp / 'consentgate.db'}",
        data_dir=tmp / "data",
        log_origin="openapi.example/log",
        admin_token="openapi-admin-token-0123456789",
    )
    app = create_app(settings)
    with serving(app) as base:
        response = httpx.get(f"{base}/openapi.json")
        assert response.status_code == 200
        yield app, response.json(), base


@pytest.fixture(scope="module")
def app_and_document(served: tuple[FastAPI, Any, str]) -> tuple[FastAPI, Any]:
    app, document, _ = served
    return app, document


def test_the_app_has_json_endpoints_to_check(app_and_document: tuple[FastAPI, Any]) -> None:
    app, _ = app_and_document
    paths = {path for _, path, _, _ in json_routes(app)}
    assert {"/admin/partners", "/v1/partner/deletions"} <= paths


def test_every_json_endpoint_is_documented_with_its_error_responses(
    app_and_document: tuple[FastAPI, Any],
) -> None:
    app, document = app_and_document
    problems: list[str] = []
    for method, path, route, in_schema in json_routes(app):
        operation = document["paths"].get(path, {}).get(method)
        if not in_schema or operation is None:
            problems.append(f"{method.upper()} {path} ({route.name}) is missing from the document")
            continue
        errors = sorted(code for code in operation.get("responses", {}) if code.startswith("4"))
        if not errors:
            problems.append(f"{method.upper()} {path} ({route.name}) documents no 4xx response")
    assert problems == []


def test_documented_errors_are_problem_details(app_and_document: tuple[FastAPI, Any]) -> None:
    _, document = app_and_document
    admin = document["paths"]["/admin/partners"]["post"]["responses"]
    assert {"401", "404", "409", "413", "422"} <= set(admin)
    assert "application/problem+json" in admin["401"]["content"]
    assert "admin" in document["components"]["securitySchemes"]


#: The OAuth endpoints answer in OAuth's own formats (RFC 6749 §5.2 JSON errors, HTML pages).
OAUTH_PATHS = ("/oauth/", "/.well-known/oauth-authorization-server")


def test_every_problem_is_documented_as_problem_json_with_its_schema(
    app_and_document: tuple[FastAPI, Any],
) -> None:
    _, document = app_and_document
    wrong: list[str] = []
    for path, operations in document["paths"].items():
        if path.startswith(OAUTH_PATHS):
            continue
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if status[0] not in "45":
                    continue
                content = response.get("content", {})
                if content != {"application/problem+json": {"schema": PROBLEM_SCHEMA}}:
                    wrong.append(f"{method.upper()} {path} {status}: {sorted(content)}")
    assert wrong == []


PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}


def test_required_parameters_are_declared_required(app_and_document: tuple[FastAPI, Any]) -> None:
    _, document = app_and_document
    inclusion = document["paths"]["/log/proof/inclusion"]["get"]["parameters"]
    consistency = document["paths"]["/log/proof/consistency"]["get"]["parameters"]
    assert {p["name"]: p["required"] for p in inclusion} == {"index": True, "size": True}
    assert {p["name"]: p["required"] for p in consistency} == {"from": True, "to": True}


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/admin/partners", "GET, POST"),
        ("DELETE", "/v1/threads/1/messages", "GET, POST"),
        ("PATCH", "/v1/me/settings", "GET, PUT"),
        ("PUT", "/log/checkpoint", "GET"),
    ],
)
def test_a_405_names_every_method_the_path_serves(
    served: tuple[FastAPI, Any, str], method: str, path: str, allow: str
) -> None:
    _, document, base = served
    documented = document["paths"][path.replace("/1/", "/{thread_id}/")]
    assert sorted(m.upper() for m in documented) == allow.split(", ")
    response = httpx.request(method, base + path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow
    assert response.headers["content-type"] == "application/problem+json"
