"""The log's signing key on disk: a secret file, created once, loaded on every start.

The file holds one line, a note signer key as Go's ``golang.org/x/mod/sumdb/note`` writes it
(``PRIVATE+KEY+<name>+<hex id>+<base64>``); its name is the log origin. A missing key is created
only at the default place in the data directory; a configured key file must exist, and
``consentgate log keygen --out FILE`` makes one (:func:`generate_key_file`). Files are created and
read under the one secret-file policy (:mod:`consentgate.secretfiles`: mode 0600, never
overwritten). Anything unreadable or malformed is a :class:`ConfigError` that stops the server
from starting.
"""

from __future__ import annotations

from pathlib import Path

from consentgate.errors import ConfigError, InvalidInput
from consentgate.ledger.note import NoteSigner
from consentgate.secretfiles import create_secret_file, secret_file

_KEY_ENV = "CONSENTGATE_LOG_KEY_FILE"


def load_signer(path: Path, origin: str, *, create: bool) -> NoteSigner:
    """Load the signer at ``path``, or create it there when ``create`` and it does not exist."""
    if not create and not path.exists():
        raise ConfigError(
            f"{_KEY_ENV}: no log key file at {path}; "
            f"create one with: consentgate log keygen --out {path}"
        )
    raw = secret_file(
        path, setting=_KEY_ENV, make=(lambda: _encode(_new(origin))) if create else None
    )
    try:
        signer = NoteSigner.parse(raw.decode("ascii"))
    except (InvalidInput, UnicodeDecodeError) as err:
        raise ConfigError(f"{_KEY_ENV}: the log key file {path} is corrupt: {err}") from None
    if signer.name != origin:
        raise ConfigError(
            f"{_KEY_ENV}: the log key in {path} signs for {signer.name!r}, "
            f"but the log origin is {origin!r} (set CONSENTGATE_LOG_ORIGIN)"
        )
    return signer


def generate_key_file(path: Path, origin: str) -> NoteSigner:
    """Create a new signing key for ``origin`` at ``path`` (which must not exist) and return it."""
    signer = _new(origin)
    create_secret_file(path, _encode(signer), setting=_KEY_ENV)
    return signer


def _new(origin: str) -> NoteSigner:
    try:
        return NoteSigner.generate(origin)
    except InvalidInput as err:
        raise ConfigError(f"CONSENTGATE_LOG_ORIGIN: {err}") from None


def _encode(signer: NoteSigner) -> bytes:
    return (signer.encode() + "\n").encode("ascii")


def signer_from_settings(key_file: Path, origin: str, configured: bool) -> NoteSigner:
    """The signer for :class:`~consentgate.config.Settings`: ``key_file``, ``origin`` and whether
    ``log_key_file`` was set explicitly (then the file must already exist)."""
    return load_signer(key_file, origin, create=not configured)
