"""The admin API and the partner's deletion endpoint over real HTTP (uvicorn on 127.0.0.1, SQLite).

The privacy team registers a partner, its purpose, an agreement and an OAuth client, then suspends
the partner; the partner sees and confirms the deletions it owes. Every malformed or unauthorized
request is a 4xx problem body, never a 500, and writes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from consentgate.api.app import create_app
from consentgate.config import Settings
from consentgate.domain import Action, Category, GrantScope
from consentgate.services.wiring import Services
from consentgate.store import clients as client_rows
from consentgate.store import people as people_rows
from consentgate.testing import serving
from consentgate.web.state import state_of

TOKEN = "e2e-admin-token-not-a-default-0123456789"
PROBLEM = "application/problem+json"


@dataclass
class Admin:
    http: httpx.Client
    anonymous: httpx.Client
    services: Services


def settings_for(tmp: Path, **extra: Any) -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp / 'consentgate.db'}",
        data_dir=tmp / "data",
        log_origin="e2e.example/log",
        **extra,
    )


@pytest.fixture(scope="module")
def admin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Admin]:
    app = create_app(settings_for(tmp_path_factory.mktemp("admin"), admin_token=TOKEN))
    with serving(app) as url:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=url, headers=auth) as http, httpx.Client(base_url=url) as anon:
            yield Admin(http, anon, state_of(app).services)


def terms(**overrides: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    body: dict[str, Any] = {
        "capabilities": [
            {
                "category": "messages",
                "action": "read",
                "purpose": "music.share",
                "fields": ["id", "body"],
                "scope": "created_by_partner",
                "quota": {"max_requests": 100, "window_seconds": 60},
            }
        ],
        "valid_from": (now - timedelta(days=1)).isoformat(),
        "valid_until": (now + timedelta(days=365)).isoformat(),
        "retention_days": 0,
    }
    return body | overrides


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(scope="module")
def tunes(admin: Admin) -> dict[str, Any]:
    """A music partner with a purpose, an agreement, a client and a person who granted it."""
    http = admin.http
    created(http.post("/admin/partners", json={"id": "tunes", "name": "Tunes", "kind": "music"}))
    created(
        http.post(
            "/admin/purposes",
            json={
                "id": "music.share",
                "description": "Share a song with a friend",
                "data_use": "essential.service",
            },
        )
    )
    agreement = created(http.post("/admin/partners/tunes/agreements", json=terms()))
    client = created(
        http.post(
            "/admin/partners/tunes/clients",
            json={"name": "Tunes app", "redirect_uris": ["https://tunes.example/callback"]},
        )
    )
    # A second, active partner that the refusal tests aim at (tunes gets suspended in the story).
    created(http.post("/admin/partners", json={"id": "maps", "name": "Maps", "kind": "maps"}))
    person = created(
        http.post("/admin/people", json={"handle": "alice", "display_name": "Alice", "id": "p-a"})
    )
    return {"agreement": agreement, "client": client, "person": person}


def snapshot(services: Services) -> tuple[object, ...]:
    """What an admin request could have written."""
    partners = services.partners.list_partners()
    with services.db.read() as conn:
        clients = [client_rows.clients_of_partner(conn, p.id) for p in partners]
        people = people_rows.count_people(conn)
    return (
        partners,
        services.partners.list_purposes(),
        [services.partners.agreements_of(p.id) for p in partners],
        [services.grants.obligations_of_partner(p.id) for p in partners],
        clients,
        people,
    )


def test_from_registration_to_suspension_to_a_confirmed_deletion(
    admin: Admin, tunes: dict[str, Any]
) -> None:
    http, services = admin.http, admin.services
    agreement, client = tunes["agreement"], tunes["client"]
    assert agreement["version"] == 1
    assert agreement["capabilities"][0]["fields"] == ["body", "id"]
    assert services.partners.get_agreement(agreement["id"]).retention_days == 0
    assert services.clients.authenticate(client["client_id"], client["client_secret"]) is not None
    assert http.get(f"/admin/clients/{client['client_id']}").json().get("client_secret") is None
    assert http.get("/admin/people/p-a").json()["handle"] == "alice"
    assert {"maps", "tunes"} <= {p["id"] for p in http.get("/admin/partners").json()}
    assert http.get(f"/admin/agreements/{agreement['id']}").json() == agreement
    services.grants.record_grant(
        "p-a",
        "tunes",
        frozenset({GrantScope(Category.MESSAGES, Action.READ, "music.share")}),
        receipt_text="Tunes may read the messages it sent for you, to share songs.",
    )

    suspended = http.post("/admin/partners/tunes/suspend", json={"reason": "shared data"})

    assert suspended.status_code == 200
    assert suspended.json()["status"] == "suspended"
    [grant] = services.grants.grants_of_person("p-a")
    assert grant.revoked_at is not None
    # Retention 0 days: the deletion is due at once, so it is overdue for the admins right away.
    time.sleep(0.01)
    overdue = http.get("/admin/obligations/overdue").json()
    assert [(o["partner_id"], o["category"]) for o in overdue] == [("tunes", "messages")]
    again = http.post("/admin/partners/tunes/suspend", json={"reason": "twice"})
    assert again.status_code == 409

    # The suspended partner still sees what it owes, with its client credentials, and confirms it.
    creds = (tunes["client"]["client_id"], tunes["client"]["client_secret"])
    partner = admin.anonymous
    [owed] = partner.get("/v1/partner/deletions", auth=creds).json()
    assert owed["person_id"] == "p-a"

    confirmed = partner.post(f"/v1/partner/deletions/{owed['id']}/confirm", auth=creds)

    assert confirmed.status_code == 200
    assert confirmed.json()["obligation"]["confirmed_at"] is not None
    assert partner.get("/v1/partner/deletions", auth=creds).json() == []
    assert len(partner.get("/v1/partner/deletions?state=all", auth=creds).json()) == 1
    assert admin.http.get("/admin/obligations/overdue").json() == []
    twice = partner.post(f"/v1/partner/deletions/{owed['id']}/confirm", auth=creds)
    assert twice.status_code == 409
    assert twice.headers["content-type"] == PROBLEM


def test_a_rotated_secret_replaces_the_old_one_at_once(admin: Admin, tunes: dict[str, Any]) -> None:
    client_id, old = tunes["client"]["client_id"], tunes["client"]["client_secret"]
    rotated = admin.http.post(f"/admin/clients/{client_id}/rotate-secret")
    assert rotated.status_code == 200
    new = rotated.json()["client_secret"]
    assert new != old
    assert admin.anonymous.get("/v1/partner/deletions", auth=(client_id, new)).status_code == 200
    refused = admin.anonymous.get("/v1/partner/deletions", auth=(client_id, old))
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"].startswith("Basic")
    tunes["client"]["client_secret"] = new


def test_bad_partner_credentials_are_refused(admin: Admin, tunes: dict[str, Any]) -> None:
    client_id = tunes["client"]["client_id"]
    for headers in [
        {},
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": f"Bearer {TOKEN}"},
    ]:
        response = admin.anonymous.get("/v1/partner/deletions", headers=headers)
        assert response.status_code == 401
        assert response.json()["type"] == "urn:consentgate:problem:unauthenticated"
    unknown = admin.anonymous.post(
        "/v1/partner/deletions/nope/confirm", auth=(client_id, tunes["client"]["client_secret"])
    )
    assert unknown.status_code == 404


def _partner_ok() -> dict[str, Any]:
    return {"id": "other", "name": "Other Co", "kind": "search"}


#: (method, path, JSON body or raw bytes, headers, expected status). Run against a set-up world.
# fmt: off
# One refusal per line reads as a table; ruff format would spread it over 300 lines.
REFUSALS = [
    pytest.param("POST", "/admin/partners", _partner_ok(), {"Authorization": ""}, 401, id="no-token"),
    pytest.param("POST", "/admin/partners", _partner_ok(), {"Authorization": "Bearer wrong"}, 401, id="wrong-token"),
    pytest.param("POST", "/admin/partners", _partner_ok(), {"Authorization": f"Basic {TOKEN}"}, 401, id="wrong-scheme"),
    pytest.param("GET", "/admin/obligations/overdue", None, {"Authorization": f"Bearer {TOKEN}x"}, 401, id="longer-token"),
    pytest.param("POST", "/admin/partners", b'{"id": "other", ', {}, 422, id="malformed-json"),
    pytest.param("POST", "/admin/partners", b"", {}, 422, id="empty-body"),
    pytest.param("POST", "/admin/partners", [_partner_ok()], {}, 422, id="array-body"),
    pytest.param("POST", "/admin/partners", _partner_ok() | {"trusted": True}, {}, 422, id="unknown-field"),
    pytest.param("POST", "/admin/partners", _partner_ok() | {"name": 42}, {}, 422, id="number-for-string"),
    pytest.param("POST", "/admin/partners", _partner_ok() | {"id": "Not An Id"}, {}, 400, id="bad-id"),
    pytest.param("POST", "/admin/partners", _partner_ok() | {"name": "Other\u0000Co"}, {}, 422, id="nul-in-text"),
    pytest.param("POST", "/admin/partners", {"id": "tunes", "name": "T", "kind": "k"}, {}, 409, id="duplicate"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(retention_days="30"), {}, 422, id="string-for-int"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(retention_days=True), {}, 422, id="bool-for-int"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(valid_from="next week"), {}, 422, id="bad-date"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(valid_from="2026-01-01T00:00:00"), {}, 422, id="date-without-zone"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(valid_from=1767225600), {}, 422, id="date-as-number"),
    pytest.param("POST", "/admin/partners/maps/agreements", {k: v for k, v in terms().items() if k != "valid_until"}, {}, 422, id="no-valid-until"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(valid_until=None), {}, 422, id="null-valid-until"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(valid_until="2020-01-01T00:00:00Z"), {}, 400, id="ends-before-start"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(valid_until="2040-01-01T00:00:00Z"), {}, 400, id="open-ended-term"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(capabilities=[]), {}, 422, id="no-capability"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(capabilities=[{"category": "dna", "action": "read", "purpose": "music.share", "fields": ["id"]}]), {}, 400, id="unknown-category"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(capabilities=[{"category": "messages", "action": "delete", "purpose": "music.share", "fields": ["id"]}]), {}, 400, id="unknown-action"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(capabilities=[{"category": "messages", "action": "read", "purpose": "music.share", "fields": ["password"]}]), {}, 400, id="unknown-field-name"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(capabilities=[{"category": "messages", "action": "read", "purpose": "music.share", "fields": ["id"], "scope": "everything"}]), {}, 400, id="unknown-scope"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(capabilities=[{"category": "messages", "action": "read", "purpose": "ads", "fields": ["id"]}]), {}, 404, id="unknown-purpose"),
    pytest.param("POST", "/admin/partners/nope/agreements", terms(), {}, 404, id="unknown-partner"),
    pytest.param("GET", "/admin/partners/nope", None, {}, 404, id="get-unknown-partner"),
    pytest.param("GET", "/admin/agreements/nope", None, {}, 404, id="unknown-agreement"),
    pytest.param("POST", "/admin/agreements/nope/end", None, {}, 404, id="end-unknown-agreement"),
    pytest.param("POST", "/admin/clients/nope/rotate-secret", None, {}, 404, id="rotate-unknown-client"),
    pytest.param("GET", "/admin/people/nope", None, {}, 404, id="unknown-person"),
    pytest.param("POST", "/admin/partners/nope/suspend", {"reason": "x"}, {}, 404, id="suspend-unknown"),
    pytest.param("POST", "/admin/partners/maps/suspend", {}, {}, 422, id="suspend-without-reason"),
    pytest.param("POST", "/admin/partners/maps/clients", {"name": "x", "redirect_uris": ["http://evil.example/cb"]}, {}, 400, id="plain-http-redirect"),
    pytest.param("POST", "/admin/purposes", {"id": "ads", "description": "Ads", "data_use": "selling.everything"}, {}, 400, id="unknown-data-use"),
    pytest.param("POST", "/admin/people", {"handle": "bob", "display_name": "Bob", "password": "short"}, {}, 422, id="short-password"),
    pytest.param("POST", "/admin/partners", b"{" + b" " * 70_000 + b"}", {}, 413, id="oversized-body"),
    pytest.param("POST", "/admin/import", b'{"type": "person", "id": "p-z", "handle": "zed", "display_name": "Z"}\n{"type": "nope"}\n', {}, 400, id="import-bad-line"),
    pytest.param("POST", "/admin/import", b"\xff\xfe", {}, 400, id="import-not-utf8"),
    pytest.param("POST", "/admin/partners/maps/suspend", b'{"reason": ' + b"[" * 500 + b"]" * 500 + b"}", {}, 422, id="nested-500-deep"),
    pytest.param("POST", "/admin/partners", b'{"id": "x", "name": "y", "kind": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1000 + b"}", {}, 422, id="nested-1000-deep"),
    pytest.param("POST", "/admin/import", b'{"type": "person", "id": "p-n", "handle": "nnn", "display_name": ' + b"[" * 600 + b"]" * 600 + b"}", {"Content-Type": "application/jsonl"}, 400, id="import-line-600-deep"),
    pytest.param("POST", "/admin/import", b'{"type": "person", "id": "p-n", "handle": "nnn", "display_name": ' + b"[" * 600 + b"]" * 600 + b"}", {}, 422, id="import-as-json-600-deep"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(capabilities=[{"category": "messages", "action": "read", "purpose": "music.share", "fields": ["id"], "quota": {"max_requests": 2**70, "window_seconds": 60}}]), {}, 422, id="quota-2-to-the-70"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(capabilities=[{"category": "messages", "action": "read", "purpose": "music.share", "fields": ["id"], "quota": {"max_requests": 10, "window_seconds": 2**31}}]), {}, 422, id="quota-window-over-int32"),
    pytest.param("POST", "/admin/partners/maps/agreements", terms(retention_days=2**63), {}, 422, id="retention-over-bigint"),
    pytest.param("POST", "/admin/import", b'{"type": "person", "id": "p-y", "handle": "yan", "display_name": "Y"}', {"Authorization": ""}, 401, id="import-no-token"),
]
# fmt: on


@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), REFUSALS)
def test_bad_admin_requests_are_refused_with_a_problem_and_write_nothing(
    admin: Admin,
    tunes: dict[str, Any],
    method: str,
    path: str,
    body: Any,
    headers: dict[str, str],
    status: int,
) -> None:
    before = snapshot(admin.services)
    # An empty Authorization in the table means: send none at all.
    client = admin.anonymous if headers.get("Authorization") == "" else admin.http
    sent = {k: v for k, v in headers.items() if v}
    if isinstance(body, bytes):
        sent.setdefault("Content-Type", "application/json")
        response = client.request(method, path, content=body, headers=sent)
    else:
        response = client.request(method, path, json=body, headers=sent)

    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["status"] == status
    assert problem["type"].startswith("urn:consentgate:problem:")
    assert problem["detail"]
    assert snapshot(admin.services) == before
    if status == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


def test_an_oversized_chunked_body_is_refused_without_a_content_length(admin: Admin) -> None:
    before = snapshot(admin.services)

    def chunks() -> Iterator[bytes]:
        yield b'{"id": "big", "name": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'", "kind": "k"}'

    response = admin.http.post(
        "/admin/partners", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"] == "urn:consentgate:problem:too-large"
    assert snapshot(admin.services) == before


def test_an_unauthenticated_caller_learns_nothing_from_validation(admin: Admin) -> None:
    response = admin.anonymous.post("/admin/partners", content=b"{not json")
    assert response.status_code == 401


def test_the_import_writes_reference_data_in_one_go(admin: Admin, tunes: dict[str, Any]) -> None:
    lines = [
        {"type": "person", "id": "p-imp1", "handle": "imp1", "display_name": "Imp One"},
        {"type": "person", "id": "p-imp2", "handle": "imp2", "display_name": "Imp Two"},
        {
            "type": "friendship",
            "person_id": "p-imp1",
            "friend_id": "p-imp2",
            "since": "2026-01-01T00:00:00Z",
        },
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    response = admin.http.post(
        "/admin/import", content=body, headers={"Content-Type": "application/jsonl"}
    )
    assert response.status_code == 200, response.text
    assert response.json()["counts"]["person"] == 2
    assert admin.services.people.get_person("p-imp2").display_name == "Imp Two"


def test_development_without_a_configured_token_still_refuses_anonymous_admins(
    tmp_path: Path,
) -> None:
    settings = settings_for(tmp_path)
    app = create_app(settings)
    with serving(app) as url:
        assert (settings.data_dir / "admin-token").exists()  # made at start, not on first use
        refused = httpx.get(f"{url}/admin/partners")
        generated = (settings.data_dir / "admin-token").read_text().strip()
        allowed = httpx.get(
            f"{url}/admin/partners", headers={"Authorization": f"Bearer {generated}"}
        )
    assert refused.status_code == 401
    assert allowed.status_code == 200


def test_production_without_a_token_keeps_the_admin_api_closed(tmp_path: Path) -> None:
    app = create_app(settings_for(tmp_path, mode="production"))
    with serving(app) as url:
        response = httpx.get(f"{url}/admin/partners", headers={"Authorization": "Bearer x"})
    assert response.status_code == 503
    assert response.headers["content-type"] == PROBLEM


def test_an_oversized_import_is_refused_before_it_is_read(admin: Admin) -> None:
    before = snapshot(admin.services)
    line = b'{"type": "person", "id": "p-big", "handle": "big", "display_name": "Big"}\n'
    body = line * (16 * 1024 * 1024 // len(line) + 1)
    response = admin.http.post("/admin/import", content=body)
    assert response.status_code == 413
    assert response.json()["type"] == "urn:consentgate:problem:too-large"
    assert snapshot(admin.services) == before


def test_a_partner_is_suspended_reinstated_and_finally_terminated(admin: Admin) -> None:
    http = admin.http
    created(http.post("/admin/partners", json={"id": "gone", "name": "Gone", "kind": "ads"}))
    steps = [("suspend", 200, "suspended"), ("reinstate", 200, "active")]
    steps += [("terminate", 200, "terminated"), ("reinstate", 409, "terminated")]
    for action, status, after in steps:
        response = http.post(f"/admin/partners/gone/{action}", json={"reason": f"{action} it"})
        assert response.status_code == status, response.text
        assert admin.services.partners.get_partner("gone").status == after
