"""The log's signing key on disk: created once with mode 0600, loaded on every start.

The file holds one line, a note signer key as Go's ``golang.org/x/mod/sumdb/note`` writes it
(``PRIVATE+KEY+<name>+<hex id>+<base64>``); its name is the log origin. A missing key is created
only at the default place in the data directory; a configured key file must exist. Anything
unreadable or malformed is a :class:`ConfigError` that stops the server from starting.
"""

from __future__ import annotations

import os
from pathlib import Path

from consentgate.errors import ConfigError, InvalidInput
from consentgate.ledger.note import NoteSigner

_KEY_ENV = "CONSENTGATE_LOG_KEY_FILE"


def load_signer(path: Path, origin: str, *, create: bool) -> NoteSigner:
    """Load the signer at ``path``, or create it there when ``create`` and it does not exist."""
    if not path.exists():
        if not create:
            raise ConfigError(f"{_KEY_ENV}: no log key file at {path}")
        return _create(path, origin)
    try:
        text = path.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{_KEY_ENV}: cannot read the log key file {path}: {err}") from None
    try:
        signer = NoteSigner.parse(text)
    except InvalidInput as err:
        raise ConfigError(f"{_KEY_ENV}: the log key file {path} is corrupt: {err}") from None
    if signer.name != origin:
        raise ConfigError(
            f"{_KEY_ENV}: the log key in {path} signs for {signer.name!r}, "
            f"but the log origin is {origin!r} (set CONSENTGATE_LOG_ORIGIN)"
        )
    return signer


def _create(path: Path, origin: str) -> NoteSigner:
    try:
        signer = NoteSigner.generate(origin)
    except InvalidInput as err:
        raise ConfigError(f"CONSENTGATE_LOG_ORIGIN: {err}") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # O_EXCL: two processes starting at once must not both write a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as out:
            out.write(signer.encode() + "\n")
    except FileExistsError:
        return load_signer(path, origin, create=False)
    except OSError as err:
        raise ConfigError(f"{_KEY_ENV}: cannot create the log key file {path}: {err}") from None
    return signer


def signer_from_settings(key_file: Path, origin: str, configured: bool) -> NoteSigner:
    """The signer for :class:`~consentgate.config.Settings`: ``key_file``, ``origin`` and whether
    ``log_key_file`` was set explicitly (then the file must already exist)."""
    return load_signer(key_file, origin, create=not configured)
