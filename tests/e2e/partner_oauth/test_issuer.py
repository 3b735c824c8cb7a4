"""The issuer is the configured public URL, whatever ``Host`` header a client sends (RFC 8414
§3.3: a partner compares it with the issuer it expects; RFC 7662 §2.2 ``iss``)."""

from __future__ import annotations

import requests

from .flow import World, get_token, introspect, partner


def test_a_forged_host_header_does_not_change_the_issuer(world: World) -> None:
    forged = requests.get(
        world.url("/.well-known/oauth-authorization-server"),
        headers={"Host": "evil.example"},
        timeout=10,
    ).json()
    assert forged["issuer"] == world.base
    assert forged["token_endpoint"] == world.base + "/oauth/token"
    assert "evil.example" not in str(forged)


def test_introspection_names_the_same_issuer_as_the_metadata(world: World) -> None:
    token = get_token(world, partner(world))
    meta = requests.get(world.url("/.well-known/oauth-authorization-server"), timeout=10).json()
    assert introspect(world, "tunes", token["access_token"])["iss"] == meta["issuer"]
    assert "iss" not in introspect(world, "tunes", "not-a-token")
