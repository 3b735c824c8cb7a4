"""Secret files: the one way consentgate creates and reads a key or token kept on disk.

Every secret file — the person-reference secret, the log's signing key, the session key, the
development admin token, and the key files ``consentgate log keygen`` writes — follows one policy:

* **Created whole, or not at all.** The secret is written to a temporary file in the same
  directory (mode 0600 from the start, whatever the umask), flushed to disk, then hard-linked into
  place. ``link`` never replaces an existing file, so no process ever reads a half-written secret,
  and when two processes start at once exactly one secret wins and both use it.
* **Never overwritten.** An existing file is read, never replaced; :func:`create_secret_file`
  refuses a path that exists.
* **Private.** An existing secret must be a regular file that only its owner can read or write
  (mode 0600 or stricter, as OpenSSH requires of private keys); anything else stops the start
  with a message that says how to fix it.

What a secret must contain (its length, its format) is checked by its owner, not here. Errors are
:class:`~consentgate.errors.ConfigError` naming the setting that points at the file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from consentgate.errors import ConfigError

#: The mode of every secret file: read and write for its owner only.
SECRET_FILE_MODE = 0o600


def create_secret_file(path: Path, content: bytes, *, setting: str) -> None:
    """Write ``content`` to a new private file at ``path``; refuse if ``path`` exists."""
    if not _link_new(path, content, setting):
        raise ConfigError(f"{path} already exists; a secret file is never overwritten")


def secret_file(path: Path, *, setting: str, make: Callable[[], bytes] | None = None) -> bytes:
    """The secret at ``path``. When the file is missing and ``make`` is given, it is created
    from ``make()`` first (by this process, or by another that got there first)."""
    if make is not None and not path.exists():
        _link_new(path, make(), setting)  # False: another process made it meanwhile; read theirs
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        raise ConfigError(f"{setting}: no file at {path}") from None
    except OSError as err:
        raise ConfigError(f"{setting}: cannot read {path}: {err.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ConfigError(f"{setting}: {path} is not a regular file")
        if info.st_mode & 0o077:
            raise ConfigError(
                f"{setting}: {path} must be readable by its owner only (chmod 600 {path})"
            )
        with os.fdopen(os.dup(fd), "rb") as secret:
            return secret.read()
    except OSError as err:
        raise ConfigError(f"{setting}: cannot read {path}: {err.strerror}") from None
    finally:
        os.close(fd)


def _link_new(path: Path, content: bytes, setting: str) -> bool:
    """Create ``path`` holding ``content``, atomically; False if it already exists."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # mkstemp opens with mode 0600 (O_EXCL, never following a planted link).
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".new", dir=path.parent)
    except OSError as err:
        raise ConfigError(f"{setting}: cannot create {path}: {err.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as out:
            os.fchmod(out.fileno(), SECRET_FILE_MODE)
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return False
        _sync_directory(path.parent)
        return True
    except OSError as err:
        raise ConfigError(f"{setting}: cannot create {path}: {err.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _sync_directory(directory: Path) -> None:
    """Make the new directory entry durable (a crash must not lose a key already in use)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


__all__ = ["SECRET_FILE_MODE", "create_secret_file", "secret_file"]
