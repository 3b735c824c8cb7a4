"""Signing out ends the session on the server: a copy of the cookie stops working at once, on
every server of the database; "sign out everywhere" ends every session of the person."""

from __future__ import annotations

import requests

from .conftest import Deployment


def _copy(http: requests.Session) -> requests.Session:
    thief = requests.Session()
    thief.cookies.update(http.cookies)
    return thief


def _me(http: requests.Session, base: str) -> int:
    return http.get(base + "/v1/me/settings", timeout=10).status_code


def _sign_out(
    deployment: Deployment, http: requests.Session, url: str, *, home: str
) -> requests.Response:
    """Press a sign-out button: post ``url`` with the CSRF token of the home page at ``home``."""
    return http.post(
        url,
        data={"csrf_token": deployment.csrf(http, home, "/")},
        allow_redirects=False,
        timeout=10,
    )


def test_a_cookie_copied_before_sign_out_stops_working_at_once(deployment: Deployment) -> None:
    a, b = deployment.bases
    person = deployment.signed_in("dana", server=0)
    copy = _copy(person)
    assert _me(copy, a) == 200
    assert _me(copy, b) == 200
    assert "Signed in as Dana" in copy.get(b + "/", timeout=10).text
    out = _sign_out(deployment, person, b + "/logout", home=a)
    assert out.status_code == 303
    for base in (a, b):
        assert _me(copy, base) == 401
        assert _me(person, base) == 401
        assert "Signed in as" not in copy.get(base + "/", timeout=10).text


def test_sign_out_everywhere_ends_every_session_of_the_person_only(deployment: Deployment) -> None:
    a, b = deployment.bases
    laptop = deployment.signed_in("dana", server=0)
    phone = deployment.signed_in("dana", server=1)
    other = deployment.signed_in("erin", server=0)
    home = laptop.get(a + "/", timeout=10).text
    assert 'action="/logout/everywhere"' in home
    refused = laptop.post(a + "/logout/everywhere", data={}, allow_redirects=False, timeout=10)
    assert refused.status_code == 403
    assert _me(phone, b) == 200
    out = _sign_out(deployment, laptop, a + "/logout/everywhere", home=a)
    assert out.status_code == 303
    for base in (a, b):
        assert _me(laptop, base) == 401
        assert _me(phone, base) == 401
        assert _me(other, base) == 200
    # Signed in again, the person has a working session.
    assert _me(deployment.signed_in("dana", server=1), a) == 200


def test_an_ended_cookie_cannot_sign_the_person_out_elsewhere(deployment: Deployment) -> None:
    a, b = deployment.bases
    person = deployment.signed_in("dana", server=0)
    csrf = deployment.csrf(person, a, "/")
    copy = _copy(person)
    person.post(a + "/logout", data={"csrf_token": csrf}, allow_redirects=False, timeout=10)
    again = deployment.signed_in("dana", server=1)
    stale = copy.post(
        b + "/logout/everywhere", data={"csrf_token": csrf}, allow_redirects=False, timeout=10
    )
    assert stale.status_code == 403
    assert _me(again, a) == 200
