"""Password guessing is throttled per account and per client address, across every server on
the database, before any password is checked; and nobody can be locked out for good."""

from __future__ import annotations

import requests

from .conftest import Deployment


def _guess(deployment: Deployment, handle: str = "dana", server: int = 0) -> requests.Response:
    return deployment.try_password(requests.Session(), handle, "not-the-password", server)


def test_after_five_failures_the_account_waits_longer_after_each(deployment: Deployment) -> None:
    for _ in range(5):
        assert _guess(deployment).status_code == 401
    waits = []
    for _ in range(8):
        checks = deployment.login.checks
        refused = _guess(deployment)
        assert refused.status_code == 429
        assert "Too many failed attempts" in refused.text
        # Refused before the password check: no argon2 time spent.
        assert deployment.login.checks == checks
        wait = int(refused.headers["retry-after"])
        waits.append(wait)
        deployment.clock.advance(seconds=wait)
        assert _guess(deployment).status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]


def test_the_throttle_holds_on_every_server_of_the_database(deployment: Deployment) -> None:
    for server in (0, 1, 0, 1, 0):
        assert _guess(deployment, server=server).status_code == 401
    for server in (0, 1):
        refused = _guess(deployment, server=server)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "1"


def test_a_throttled_attempt_is_not_counted_and_the_right_password_waits_too(
    deployment: Deployment,
) -> None:
    for _ in range(5):
        assert _guess(deployment).status_code == 401
    deployment.clock.advance(seconds=1)
    assert _guess(deployment).status_code == 401  # the 6th failure: wait 2 s after it
    for _ in range(10):
        assert _guess(deployment).status_code == 429
    deployment.clock.advance(seconds=1)
    early = deployment.try_password(requests.Session(), "dana", "dana-test-pass")
    assert early.status_code == 429
    assert early.headers["retry-after"] == "1"
    deployment.clock.advance(seconds=1)
    answer = deployment.try_password(requests.Session(), "dana", "dana-test-pass")
    assert answer.status_code == 303  # the refused attempts did not make the wait longer


def test_an_attacker_cannot_lock_a_person_out_for_good(deployment: Deployment) -> None:
    failures = 0
    while failures < 16:  # an attacker guessing as fast as the throttle lets them
        if _guess(deployment).status_code == 429:
            deployment.clock.advance(seconds=60)
        else:
            failures += 1
    refused = deployment.try_password(requests.Session(), "dana", "dana-test-pass")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) <= 60
    deployment.clock.advance(seconds=60)
    assert deployment.signed_in("dana").get(deployment.bases[0] + "/v1/me/settings").ok
    # The success cleared the account's count: typos afterwards are free again (three, not
    # five, as this address's own count of 16 failures stays and is free up to 20).
    for _ in range(3):
        assert _guess(deployment).status_code == 401


def test_the_other_accounts_are_not_throttled_by_one_account(deployment: Deployment) -> None:
    for _ in range(7):
        _guess(deployment, "dana")
    assert deployment.try_password(requests.Session(), "erin", "nope-nope").status_code == 401
    assert deployment.signed_in("erin").get(deployment.bases[0] + "/v1/me/settings").ok


def test_one_address_guessing_many_accounts_is_throttled(deployment: Deployment) -> None:
    for n in range(20):
        assert _guess(deployment, f"nobody{n}").status_code == 401
    checks = deployment.login.checks
    refused = _guess(deployment, "erin")
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "1"
    assert deployment.login.checks == checks
    # Failures are forgotten 15 minutes after the last one.
    deployment.clock.advance(minutes=15)
    assert deployment.signed_in("erin").get(deployment.bases[1] + "/v1/me/settings").ok


def test_successful_sign_ins_do_not_use_up_the_address(deployment: Deployment) -> None:
    for _ in range(25):
        deployment.signed_in("erin")
    assert _guess(deployment, "dana").status_code == 401
