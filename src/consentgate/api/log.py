"""The transparency log over HTTP, under ``/log/``.

* ``GET /log/checkpoint`` — the latest signed checkpoint (C2SP tlog-checkpoint in a signed note).
* ``GET /log/vkey`` — the log's note verifier key (C2SP signed-note), the same line as
  ``consentgate log vkey`` prints: what a witness, an auditor or a person needs to check checkpoints.
* ``GET /log/tile/<L>/<N>[.p/<W>]`` and ``GET /log/tile/entries/<N>[.p/<W>]`` — hash tiles and entry
  bundles exactly as C2SP tlog-tiles lays them out; full tiles never change and are cacheable
  forever.
* ``GET /log/proof/inclusion?index=&size=`` and ``GET /log/proof/consistency?from=&to=`` — JSON
  conveniences with RFC 9162 proofs (base64 hashes), only for sizes the log has signed.

A tile is served only at its one C2SP tlog-tiles path (ASCII digits, ``x`` prefixes, ``.p/<W>``);
any other path under ``/log/tile/`` is a 404, like a tile the log does not have (yet). A proof's
parameters are required integers from 0 to 2^63 − 1 (422 otherwise, like every other route);
parameters that do not fit together (``index`` not below ``size``, ``from`` above ``to``) are a 400.
Every error is an RFC 9457 problem body (via the app's one error mapping). The routes read the log
through the dependency :func:`log_reader` (the running sequencer's
:class:`~consentgate.ledger.logstore.LogReader`), which an app serving some other log overrides.
"""

from __future__ import annotations

import base64
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from consentgate.api.problems import PROBLEM_RESPONSES
from consentgate.errors import InvalidInput, NotFound
from consentgate.ledger.logstore import LogReader
from consentgate.ledger.tiles import TILE_WIDTH, parse_tile_path
from consentgate.web.state import RunningDep

router = APIRouter(prefix="/log", tags=["log"], responses=PROBLEM_RESPONSES)

IMMUTABLE = "public, max-age=31536000, immutable"
#: Tree sizes and indexes are 64-bit signed integers in both databases.
MAX_INDEX = (1 << 63) - 1
#: What a tile path looks like (C2SP tlog-tiles), for the OpenAPI document.
TILE_PATH_PATTERN = r"^(entries|0|[1-9][0-9]?)/(x[0-9]{3}/)*[0-9]{3}(\.p/[1-9][0-9]{0,2})?$"


def log_reader(running: RunningDep) -> LogReader:
    """The running sequencer's reader (one tile cache per process)."""
    return running.log.reader


Reader = Annotated[LogReader, Depends(log_reader)]


Index = Annotated[int, Query(ge=0, le=MAX_INDEX, description="leaf index")]
Size = Annotated[int, Query(ge=0, le=MAX_INDEX, description="a tree size the log signed")]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@router.get("/checkpoint", response_class=Response)
def checkpoint(reader: Reader) -> Response:
    """The latest signed checkpoint, a C2SP signed note.

    ``Last-Modified`` (RFC 9110 §8.8.2) says when it was signed, which the note itself does not:
    a browser verifying entries tells the person how old the checkpoint it checked against is.
    """
    signed = reader.checkpoint()
    return Response(
        signed.note,
        media_type="text/plain; charset=utf-8",
        headers={
            "Cache-Control": "no-cache",
            "Last-Modified": format_datetime(signed.signed_at.astimezone(UTC), usegmt=True),
        },
    )


@router.get("/vkey", response_class=Response)
def vkey(running: RunningDep) -> Response:
    """The log's note verifier key, ``<origin>+<hex key id>+<base64 key>`` (C2SP signed-note)."""
    return Response(
        running.log.verifier_key + "\n",
        media_type="text/plain; charset=utf-8",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/tile/{path:path}", response_class=Response)
def tile(
    path: Annotated[
        str,
        Path(
            description="<L>/<N>[.p/<W>] or entries/<N>[.p/<W>], C2SP tlog-tiles",
            json_schema_extra={"pattern": TILE_PATH_PATTERN},
        ),
    ],
    reader: Reader,
) -> Response:
    """A C2SP tlog-tiles hash tile or entry bundle."""
    try:
        tile_id = parse_tile_path(path)
    except InvalidInput as err:
        # Not a tile's URL: nothing is there (and no alias of a tile is ever served).
        raise NotFound(f"no tile at tile/{path[:80]}: {err.message}") from None
    data = reader.tile(tile_id)
    cache = IMMUTABLE if tile_id.width == TILE_WIDTH else "public, max-age=60"
    return Response(data, media_type="application/octet-stream", headers={"Cache-Control": cache})


@router.get("/proof/inclusion")
def inclusion(reader: Reader, index: Index, size: Size) -> dict[str, object]:
    """RFC 9162 §2.1.3 inclusion proof of entry ``index`` in the signed tree of ``size``."""
    idx, tree_size = index, size
    leaf, proof, root = reader.inclusion(idx, tree_size)
    return {
        "index": idx,
        "size": tree_size,
        "leaf_hash": _b64(leaf),
        "root": _b64(root),
        "proof": [_b64(h) for h in proof],
    }


@router.get("/proof/consistency")
def consistency(
    reader: Reader,
    from_: Annotated[
        int, Query(alias="from", ge=0, le=MAX_INDEX, description="earlier signed size")
    ],
    to: Annotated[int, Query(ge=0, le=MAX_INDEX, description="later signed size")],
) -> dict[str, object]:
    """RFC 9162 §2.1.4 consistency proof between two signed tree sizes."""
    old, new = from_, to
    if old > new:
        raise InvalidInput("from must not be greater than to")
    proof, old_root, new_root = reader.consistency(old, new)
    return {
        "from": old,
        "to": new,
        "from_root": _b64(old_root),
        "to_root": _b64(new_root),
        "proof": [_b64(h) for h in proof],
    }
