"""Which data API reads the plain-read middleware answers itself, and with which parameters.

Whatever it takes must mean exactly what the routes would make of it (Starlette's query parsing,
then the routes' validation); anything unusual is left to the routes, which answer it.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.datastructures import QueryParams

from consentgate.api.data import DEFAULT_PAGE, MAX_OFFSET, MAX_PAGE, MAX_ROW_ID
from consentgate.api.reads import plain_read
from consentgate.domain import Category


def scope(path: str, query: str = "", method: str = "GET", **more: Any) -> dict[str, Any]:
    headers = [(b"host", b"127.0.0.1"), (b"authorization", b"Bearer t"), *more.pop("headers", [])]
    return {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query.encode(),
        "root_path": more.pop("root_path", ""),
        "headers": headers,
    }


def test_a_plain_thread_read_is_taken_with_its_parameters() -> None:
    read = plain_read(scope("/v1/threads/42/messages", "purpose=music.share&limit=20&offset=40"))
    assert read is not None
    assert (read.category, read.thread_id, read.purpose, read.limit, read.offset) == (
        Category.MESSAGES,
        42,
        "music.share",
        20,
        40,
    )
    assert read.route_name == "read_thread"


def test_the_defaults_are_the_routes_defaults() -> None:
    listed = plain_read(scope("/v1/friends", "purpose=music.share"))
    assert listed is not None
    assert (listed.limit, listed.offset, listed.route_name) == (DEFAULT_PAGE, 0, "read_friends")
    profile = plain_read(scope("/v1/profile", "purpose=account.login"))
    assert profile is not None
    assert (profile.category, profile.limit, profile.offset) == (Category.PROFILE, None, 0)


@pytest.mark.parametrize(
    ("path", "query", "more"),
    [
        ("/v1/threads/1/messages", "purpose=music.share", {"method": "POST"}),
        ("/v1/threads/1/messages", "purpose=music.share", {"method": "HEAD"}),
        ("/v1/threads/1/messages/", "purpose=music.share", {}),
        ("/v1/threads/01/messages", "purpose=music.share", {}),
        ("/v1/threads/0/messages", "purpose=music.share", {}),
        (f"/v1/threads/{MAX_ROW_ID + 1}/messages", "purpose=music.share", {}),
        ("/v1/threads/-1/messages", "purpose=music.share", {}),
        ("/v1/threads/1/messages", "", {}),
        ("/v1/threads/1/messages", "purpose=m", {}),
        ("/v1/threads/1/messages", "purpose=" + "m" * 65, {}),
        ("/v1/threads/1/messages", "purpose=music.share&limit=050", {}),
        ("/v1/threads/1/messages", "purpose=music.share&limit=0", {}),
        ("/v1/threads/1/messages", f"purpose=music.share&limit={MAX_PAGE + 1}", {}),
        ("/v1/threads/1/messages", "purpose=music.share&limit=+5", {}),
        ("/v1/threads/1/messages", "purpose=music.share&limit=5.0", {}),
        ("/v1/threads/1/messages", f"purpose=music.share&offset={MAX_OFFSET + 1}", {}),
        ("/v1/threads/1/messages", "purpose=music.share&purpose=device.sync", {}),
        ("/v1/threads/1/messages", "purpose=music.share&format=xml", {}),
        ("/v1/threads/1/messages", "purpose=music.share&&limit=5", {}),
        ("/v1/profile", "purpose=music.share&limit=5", {}),
        ("/v1/threads/1/messages", "purpose=music.share", {"root_path": "/partners"}),
        ("/v1/threads/1/messages", "purpose=music.share", {"headers": [(b"content-length", b"2")]}),
        ("/v1/friends", "purpose=music.share", {"headers": [(b"transfer-encoding", b"chunked")]}),
        ("/v1/people", "purpose=music.share", {}),
        ("/healthz", "", {}),
    ],
)
def test_anything_unusual_is_left_to_the_routes(path: str, query: str, more: Any) -> None:
    assert plain_read(scope(path, query, **more)) is None


_PARTS = st.sampled_from(
    ["purpose", "limit", "offset", "other", "", "purpose%00", "lim%69t"]
) | st.text(min_size=0, max_size=6)
_VALUES = (
    st.integers(min_value=-5, max_value=MAX_OFFSET + 5).map(str)
    | st.sampled_from(["", "007", "1e3", " 5", "music.share", "a", "%20x", "+1", "x" * 70])
    | st.text(min_size=0, max_size=8)
)


@settings(max_examples=400, deadline=None)
@given(pairs=st.lists(st.tuples(_PARTS, _VALUES), max_size=4))
def test_what_it_takes_means_what_the_routes_would_make_of_it(
    pairs: list[tuple[str, str]],
) -> None:
    query = "&".join(f"{k}={v}" for k, v in pairs)
    read = plain_read(scope("/v1/threads/7/messages", query))
    if read is None:
        return  # the routes answer it
    # Starlette's parsing of the same query, and the routes' bounds, give the same parameters.
    params = QueryParams(query.encode())  # as a request's raw query string
    assert sorted(params.keys()) == sorted(set(params.keys()))
    assert set(params.keys()) <= {"purpose", "limit", "offset"}
    assert read.purpose == params["purpose"]
    assert 2 <= len(read.purpose) <= 64
    assert read.limit == int(params.get("limit", DEFAULT_PAGE))
    assert 1 <= read.limit <= MAX_PAGE
    assert read.offset == int(params.get("offset", 0))
    assert 0 <= read.offset <= MAX_OFFSET
    assert str(read.limit) == params.get("limit", str(DEFAULT_PAGE))  # its plainest spelling
