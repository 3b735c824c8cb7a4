"""``consentgate log``: make a signing key, print the verifier key, verify a whole log.

``keygen --out FILE`` writes a new signing key for production (``CONSENTGATE_LOG_KEY_FILE``):
mode 0600, never over an existing file, and prints the verifier key to publish. The server
publishes the same key at ``GET /log/vkey``.

``verify`` reads the log over HTTP (``--url``, the log prefix such as ``https://host/log``) or
straight from a database (``--database``), re-derives every tile and the root, checks the signature
and that the log did not go back on the checkpoint it saw last time (kept per origin in
``<data_dir>/log-verify-state.json``), and names the first bad index when anything is wrong.
"""

from __future__ import annotations

import base64
import json
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from consentgate.cli.common import progress_bar, run
from consentgate.config import Settings, load_settings
from consentgate.errors import ConfigError, InvalidInput, Unavailable
from consentgate.ledger.keys import generate_key_file, load_signer, signer_from_settings
from consentgate.ledger.note import Checkpoint, NoteVerifier
from consentgate.ledger.tiles import TileId
from consentgate.ledger.verify import UnsignedEntries, verify_log
from consentgate.services.logcheck import PENDING_GRACE_SECONDS, StoreLogSource
from consentgate.store.db import Database

app = typer.Typer(
    help="The transparency log: signing key, verifier key and verification.", no_args_is_help=True
)

STATE_FILE = "log-verify-state.json"
#: How long to wait for pending entries to be signed before calling them unsigned.


class HttpLogSource:
    """Reads a log over HTTP from its prefix URL (C2SP tlog-tiles paths)."""

    def __init__(self, url: str, client: httpx.Client | None = None) -> None:
        self.url = url.rstrip("/")
        self.client = client or httpx.Client(timeout=30.0)

    def _get(self, path: str) -> bytes:
        try:
            response = self.client.get(f"{self.url}/{path}")
        except httpx.HTTPError as err:
            raise Unavailable(f"cannot fetch {self.url}/{path}: {err}") from None
        if response.status_code != 200:
            raise Unavailable(f"{self.url}/{path} answered {response.status_code}")
        return response.content

    def checkpoint_note(self) -> bytes:
        return self._get("checkpoint")

    def tile(self, tile: TileId) -> bytes:
        return self._get(tile.path())

    def first_unsigned(self, size: int) -> int | None:
        return None  # a client cannot see entries that are not published yet


class DatabaseLogSource(StoreLogSource):
    """Reads a log straight from its database, as an auditor with database access would."""

    def __init__(self, url: str) -> None:
        super().__init__(Database.connect(url))


def _load_state(path: Path) -> dict[str, dict[str, object]]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as err:
        raise ConfigError(f"the verify state file {path} is unreadable: {err}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"the verify state file {path} is not a JSON object")
    return data


def _previous(state: dict[str, dict[str, object]], origin: str) -> Checkpoint | None:
    seen = state.get(origin)
    if not seen:
        return None
    try:
        root = base64.b64decode(str(seen["root"]), validate=True)
        return Checkpoint(origin, int(str(seen["size"])), root)
    except (KeyError, ValueError) as err:
        raise ConfigError(f"the verify state for {origin} is corrupt: {err}") from None


def _verifier(settings: Settings, vkey: str | None) -> NoteVerifier:
    if vkey is not None:
        return NoteVerifier.parse(vkey)
    if not settings.key_file.exists():
        raise InvalidInput("give --vkey (the log's verifier key); no local log key was found")
    return load_signer(settings.key_file, settings.origin, create=False).verifier


@app.command()
def vkey() -> None:
    """Print the log's note verifier key (<name>+<hex key id>+<base64 key>)."""
    settings = load_settings()
    signer = signer_from_settings(
        settings.key_file, settings.origin, configured=settings.log_key_file is not None
    )
    print(signer.verifier.encode())


@app.command()
def keygen(
    out: Annotated[
        Path, typer.Option("--out", help="Where to write the new key; must not exist yet.")
    ],
    origin: Annotated[
        str | None,
        typer.Option(help="The log origin the key signs for (default: CONSENTGATE_LOG_ORIGIN)."),
    ] = None,
) -> None:
    """Write a new log signing key to FILE (mode 0600, never overwriting) and print its verifier
    key. Point CONSENTGATE_LOG_KEY_FILE at FILE and publish the verifier key."""
    settings = load_settings(log_origin=origin)
    signer = generate_key_file(out, settings.origin)
    print(signer.verifier.encode())


#: ``--url``, ``--database`` and ``--vkey``: where a verifier reads the log, and the key it checks.
LogUrlOption = Annotated[
    str | None, typer.Option("--url", help="The log's URL prefix, e.g. https://host/log.")
]
LogDatabaseOption = Annotated[
    str | None, typer.Option("--database", help="Read the log from this database URL.")
]
VkeyOption = Annotated[str | None, typer.Option("--vkey", help="The log's verifier key.")]


@app.command()
def verify(
    url: LogUrlOption = None,
    database: LogDatabaseOption = None,
    vkey: VkeyOption = None,
    state_file: Annotated[
        Path | None, typer.Option(help="Where to keep the last checkpoint seen.")
    ] = None,
) -> None:
    """Re-derive every tile and the root, check the signature and consistency; name the first
    bad index. Exits non-zero on any failure."""
    settings = load_settings()
    if (url is None) == (database is None):
        raise InvalidInput("give exactly one of --url and --database")
    verifier = _verifier(settings, vkey)
    state_path = state_file or settings.data_dir / STATE_FILE
    state = _load_state(state_path)
    previous = _previous(state, verifier.name)
    source: HttpLogSource | DatabaseLogSource = (
        HttpLogSource(url) if url is not None else DatabaseLogSource(str(database))
    )
    with progress_bar("verifying") as progress:
        try:
            checkpoint = verify_log(source, verifier, previous, progress)
        except UnsignedEntries:
            # Entries may be committed but not yet signed; the sequencer signs them within
            # about a second. Only entries that stay unsigned are a finding.
            time.sleep(PENDING_GRACE_SECONDS)
            checkpoint = verify_log(source, verifier, previous, progress)
    state[checkpoint.origin] = {
        "size": checkpoint.size,
        "root": base64.b64encode(checkpoint.root).decode(),
    }
    state_path.parent.mkdir(parents=True, exist_ok=True)
    state_path.write_text(json.dumps(state, indent=2, sort_keys=True) + "\n")
    root = base64.b64encode(checkpoint.root).decode()
    print(f"ok: {checkpoint.origin} verified, {checkpoint.size} entries, root {root}")


def main() -> None:
    """Run ``log`` on its own (``python -m consentgate.cli.log``): one-line errors, exit 1."""
    run(app, "consentgate log")


if __name__ == "__main__":
    main()
