"""Bodies and numbers an attacker picks: refused with a 4xx problem before they cost anything.

Against the real server (uvicorn on 127.0.0.1, in this process, so its memory is this process's):
a 100 MB body is refused before it is sent in full, a chunked one once it crosses the limit, an
anonymous one before it is read at all; integers beyond what the databases hold are a 422, and a
refused call writes nothing to the transparency log.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
import requests

from consentgate.api.body_limit import BODY_LIMIT

from .flow import MUSIC, Browser, World, authorize, partner

TOO_BIG = 100 * 1024 * 1024  # 100 MB, the size of the body in the report
PROBLEM = "application/problem+json"
ROW_ID_OVERFLOW = 2**63  # one more than SQLite INTEGER and PostgreSQL BIGINT hold


@pytest.fixture(scope="module")
def music_token(world: World) -> str:
    """Alice's token for the music partner: read and send messages for music.share."""
    client = partner(world, "tunes")
    auth, location = authorize(world, client, "alice", MUSIC)
    issued = client.fetch_token(
        world.url("/oauth/token"), authorization_response=location, code_verifier=auth.verifier
    )
    return str(issued["access_token"])


def rss_bytes() -> int:
    """This process's resident memory (the server runs in it, in a thread)."""
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def send_until_answered(base: str, head: bytes, body_chunks: Iterator[bytes]) -> tuple[bytes, int]:
    """Send ``head`` then body chunks until the server answers; (the answer's start, body bytes
    sent). Stops early when the server answers or closes, as a server that refused should."""
    parts = urlsplit(base)
    sent = 0
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)
        for chunk in body_chunks:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            try:
                sock.sendall(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            sent += len(chunk)
        deadline = time.monotonic() + 10
        answer = b""
        while b"\r\n\r\n" not in answer and time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                break
            if not data:
                break
            answer += data
    return answer, sent


def zeros(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    chunk = b"0" * size
    for _ in range(total // size):
        yield chunk


def chunked(total: int, size: int = 64 * 1024) -> Iterator[bytes]:
    """HTTP/1.1 chunked framing (RFC 9112 §7.1) of ``total`` bytes, without the last chunk."""
    for chunk in zeros(total, size):
        yield f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"


def post_head(path: str, *headers: str) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Content-Type: application/json"]
    return ("\r\n".join([*lines, *headers]) + "\r\n\r\n").encode()


def test_a_100_mb_body_without_a_token_is_refused_before_it_is_sent(world: World) -> None:
    before = rss_bytes()
    head = post_head("/v1/threads/1/messages", f"Content-Length: {TOO_BIG}")

    answer, sent = send_until_answered(world.base, head, zeros(TOO_BIG))

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert PROBLEM.encode() in answer
    assert sent < TOO_BIG // 10  # the answer came while the client was still sending
    assert rss_bytes() - before < 20 * 1024 * 1024  # the report saw 130 → 301 MB


def test_a_chunked_body_without_a_token_is_refused_before_it_is_read(world: World) -> None:
    head = post_head("/v1/threads/1/messages", "Transfer-Encoding: chunked")

    answer, sent = send_until_answered(world.base, head, chunked(TOO_BIG))

    assert answer.startswith(b"HTTP/1.1 401 "), answer[:200]
    assert b'WWW-Authenticate: Bearer error="invalid_token"'.lower() in answer.lower()
    assert sent < TOO_BIG // 10


def test_a_chunked_body_over_the_limit_is_refused_once_it_crosses_it(
    world: World, music_token: str
) -> None:
    before = world.running.log.store.committed_size()
    head = post_head(
        "/v1/threads/1/messages",
        "Transfer-Encoding: chunked",
        f"Authorization: Bearer {music_token}",
    )

    answer, sent = send_until_answered(world.base, head, chunked(TOO_BIG))

    assert answer.startswith(b"HTTP/1.1 413 "), answer[:200]
    assert b"urn:consentgate:problem:too-large" in answer or PROBLEM.encode() in answer
    assert sent < TOO_BIG // 10
    assert world.running.log.store.committed_size() == before


@pytest.mark.parametrize(
    "path",
    ["/v1/threads/1/messages", "/admin/partners", "/v1/me/settings", "/oauth/token", "/login"],
)
def test_every_route_refuses_a_declared_length_over_the_limit(world: World, path: str) -> None:
    body = b"x" * (BODY_LIMIT + 1)
    response = requests.post(world.url(path), data=body, timeout=10)
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM
    assert response.json()["type"] == "urn:consentgate:problem:too-large"


def test_a_body_at_the_limit_is_read_and_judged_on_its_content(
    world: World, music_token: str
) -> None:
    message = b'{"purpose": "music.share", "body": "' + b"a" * (BODY_LIMIT - 40) + b'"}'
    response = requests.post(
        world.url("/v1/threads/1/messages"),
        data=message,
        headers={"Authorization": f"Bearer {music_token}", "Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 422  # read in full: too long a message, not too large a body
    assert "body.body" in response.json()["detail"]


def test_a_deeply_nested_message_body_is_a_422(world: World, music_token: str) -> None:
    for depth in (500, 1200):
        nested = b'{"purpose": "music.share", "body": ' + b"[" * depth + b"]" * depth + b"}"
        response = requests.post(
            world.url("/v1/threads/1/messages"),
            data=nested,
            headers={"Authorization": f"Bearer {music_token}", "Content-Type": "application/json"},
            timeout=10,
        )
        assert response.status_code == 422, response.text
        assert "nested deeper than" in response.json()["detail"]


def test_integers_beyond_a_bigint_are_a_422_and_log_nothing(world: World, music_token: str) -> None:
    auth = {"Authorization": f"Bearer {music_token}"}
    thread = world.url(f"/v1/threads/{ROW_ID_OVERFLOW}/messages")
    before = world.running.log.store.committed_size()

    read = requests.get(thread, params={"purpose": "music.share"}, headers=auth, timeout=10)
    sent = requests.post(
        thread, json={"purpose": "music.share", "body": "hello"}, headers=auth, timeout=10
    )

    for response in (read, sent):
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == PROBLEM
        assert response.json()["errors"][0]["loc"] == ["path", "thread_id"]
    assert world.running.log.store.committed_size() == before
    largest = world.url(f"/v1/threads/{ROW_ID_OVERFLOW - 1}/messages")
    found = requests.get(largest, params={"purpose": "music.share"}, headers=auth, timeout=10)
    assert found.status_code == 200, found.text  # the largest id is valid, just not there


def test_a_history_page_before_an_index_beyond_a_bigint_is_a_422(world: World) -> None:
    browser = Browser(world)
    assert browser.sign_in("alice").status_code == 303
    refused = browser.get(f"/v1/me/history?before={ROW_ID_OVERFLOW}")
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["loc"] == ["query", "before"]
    assert browser.get(f"/v1/me/history?before={ROW_ID_OVERFLOW - 1}").status_code == 200
