"""``CONSENTGATE_PUBLIC_URL``: an absolute http(s) URL without query or fragment, or a refusal
that names the variable; unset, the URL the server binds to."""

from __future__ import annotations

import pytest

from consentgate.config import load_settings
from consentgate.errors import ConfigError


def test_unset_the_issuer_is_the_bound_host_and_port(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONSENTGATE_PUBLIC_URL", raising=False)
    assert load_settings(host="127.0.0.1", port=8123).issuer == "http://127.0.0.1:8123"


@pytest.mark.parametrize(
    ("given", "issuer"),
    [
        ("https://consent.example.com", "https://consent.example.com"),
        ("https://consent.example.com/", "https://consent.example.com"),
        ("http://127.0.0.1:8080/consentgate", "http://127.0.0.1:8080/consentgate"),
    ],
)
def test_a_public_url_becomes_the_issuer(
    monkeypatch: pytest.MonkeyPatch, given: str, issuer: str
) -> None:
    monkeypatch.setenv("CONSENTGATE_PUBLIC_URL", given)
    assert load_settings().issuer == issuer


@pytest.mark.parametrize(
    "bad",
    [
        "consent.example.com",
        "/relative",
        "ftp://consent.example.com",
        "https://",
        "https://consent.example.com/?a=1",
        "https://consent.example.com/#top",
        "https://user:pw@consent.example.com",
        "https://consent.example.com:99999",
        "https://consent.example.com/a b",
        "https://consént.example.com",
    ],
)
def test_a_bad_public_url_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("CONSENTGATE_PUBLIC_URL", bad)
    with pytest.raises(ConfigError, match=r"^CONSENTGATE_PUBLIC_URL: "):
        load_settings()
