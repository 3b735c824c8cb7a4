"""Findings and certification over real HTTP (uvicorn on 127.0.0.1, SQLite).

An admin evaluates findings and acknowledges one; a partner certifies with its client
credentials and is told where it stands. Bad input is a problem body (404, 422), never a 500, and
writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from consentgate.api.app import create_app
from consentgate.domain import Action, Capability, Category
from consentgate.domain.staff import Role
from consentgate.services.wiring import Services
from consentgate.testing import serving
from consentgate.web.state import state_of

from .test_admin_api import PROBLEM, TOKEN, settings_for

SYNC = "device.sync"


@dataclass
class Site:
    admin: httpx.Client
    partner: httpx.Client
    services: Services


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    app = create_app(settings_for(tmp_path_factory.mktemp("findings"), admin_token=TOKEN))
    services = state_of(app).services
    now = datetime.now(UTC)
    services.partners.register_purpose(SYNC, "Sync to your phone", "essential.service")
    services.partners.register_partner("handset", "Handset", "device maker")
    services.partners.sign_agreement(
        "handset",
        (Capability(Category.CONTACTS, Action.READ, SYNC, frozenset({"id"})),),
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
    )
    issued = services.clients.create_client("handset", "Handset app", ["https://h.example/cb"])
    with serving(app) as url:
        auth = {"Authorization": f"Bearer {TOKEN}"}
        with (
            httpx.Client(base_url=url, headers=auth) as admin,
            httpx.Client(base_url=url, auth=(issued.client.client_id, issued.secret)) as partner,
        ):
            yield Site(admin, partner, services)


def _problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    return body


def test_an_admin_evaluates_reads_and_acknowledges_a_finding(site: Site) -> None:
    evaluated = site.admin.post("/admin/findings")
    assert evaluated.status_code == 200, evaluated.text
    overdue = [f for f in evaluated.json()["findings"] if f["rule"] == "certification_overdue"]
    [finding] = overdue
    assert finding["subject"] == {"kind": "partner", "id": "handset"}
    assert finding["acknowledgement"] is None
    listed = site.admin.get("/admin/findings", params={"rule": "certification_overdue"}).json()
    assert [f["id"] for f in listed["findings"]] == [finding["id"]]
    assert listed["evaluated_at"] is not None
    acked = site.admin.post(
        f"/admin/findings/{finding['id']}/acknowledge", json={"note": "asked them to certify"}
    )
    assert acked.status_code == 200, acked.text
    assert acked.json()["acknowledgement"]["note"] == "asked them to certify"
    again = site.admin.post("/admin/findings").json()["findings"]
    [kept] = [f for f in again if f["id"] == finding["id"]]
    assert kept["first_seen"] == finding["first_seen"]
    assert kept["acknowledgement"]["by"] == "admin-token:automation"


def test_acknowledging_a_finding_that_does_not_exist_is_404(site: Site) -> None:
    body = _problem(
        site.admin.post("/admin/findings/fnd_nope/acknowledge", json={"note": "x"}), 404
    )
    assert "fnd_nope" in str(body["detail"])
    _problem(site.admin.get("/admin/findings/fnd_nope"), 404)


@pytest.mark.parametrize(
    "body",
    [{}, {"note": ""}, {"note": 3}, {"note": "x" * 2001}, {"note": "ok", "extra": 1}],
)
def test_a_malformed_acknowledgement_is_422_and_changes_nothing(
    site: Site, body: dict[str, object]
) -> None:
    site.admin.post("/admin/findings")
    [first, *_] = site.admin.get("/admin/findings").json()["findings"]
    _problem(site.admin.post(f"/admin/findings/{first['id']}/acknowledge", json=body), 422)
    assert site.admin.get(f"/admin/findings/{first['id']}").json() == first


def test_findings_need_the_admin_token(site: Site) -> None:
    anonymous = httpx.get(str(site.admin.base_url) + "/admin/findings")
    _problem(anonymous, 401)


def test_a_partner_certifies_and_is_told_when_the_next_is_due(site: Site) -> None:
    before = site.partner.get("/v1/partner/certification").json()
    certified = site.partner.post(
        "/v1/partner/certification",
        json={"uses": [{"category": "contacts", "action": "read", "purpose": SYNC,
                        "why": "shown in the phone's address book", "monthly_requests": 500}]},
    )  # fmt: skip
    assert certified.status_code == 201, certified.text
    after = site.partner.get("/v1/partner/certification").json()
    assert after["last_certified_at"] == certified.json()["certified_at"]
    assert not after["overdue"]
    assert len(after["certifications"]) == len(before["certifications"]) + 1
    admin_view = site.admin.get("/admin/partners/handset/certification").json()
    assert admin_view == after


def test_certifying_capabilities_the_agreement_lacks_is_422_with_the_list(site: Site) -> None:
    before = site.partner.get("/v1/partner/certification").json()["certifications"]
    body = _problem(
        site.partner.post(
            "/v1/partner/certification",
            json={"uses": [
                {"category": "contacts", "action": "read", "purpose": SYNC, "why": "sync"},
                {"category": "messages", "action": "read", "purpose": SYNC, "why": "more"},
                {"category": "calendar", "action": "write", "purpose": "ads", "why": "ads"},
            ]},
        ),
        422,
    )  # fmt: skip
    assert [e["capability"] for e in body["errors"]] == [  # type: ignore[attr-defined]
        "calendar.write:ads",
        "messages.read:device.sync",
    ]
    after = site.partner.get("/v1/partner/certification").json()["certifications"]
    assert after == before


def test_certifying_without_client_credentials_is_401(site: Site) -> None:
    anonymous = httpx.post(
        str(site.admin.base_url) + "/v1/partner/certification", json={"uses": []}
    )
    _problem(anonymous, 401)


def test_an_auditor_reads_findings_but_cannot_acknowledge_one(site: Site) -> None:
    member = site.services.staff.create("audrey", Role.AUDITOR, "auditor-password-123")
    expires = datetime.now(UTC) + timedelta(days=1)
    token = site.services.staff.create_token(member, "read", Role.AUDITOR, expires).secret
    auditor = {"Authorization": f"Bearer {token}"}
    site.admin.post("/admin/findings")
    listed = site.admin.get("/admin/findings", headers=auditor)
    assert listed.status_code == 200, listed.text
    [first, *_] = listed.json()["findings"]
    refused = site.admin.post(
        f"/admin/findings/{first['id']}/acknowledge", json={"note": "seen"}, headers=auditor
    )
    body = _problem(refused, 403)
    assert body["reasons"] == ["staff.read_only"]
    _problem(site.admin.post("/admin/findings", headers=auditor), 403)
    assert site.admin.get(f"/admin/findings/{first['id']}").json() == first
