"""Settings: the one frozen configuration object, and the only place that reads the environment.

Every setting comes from a ``CONSENTGATE_*`` environment variable (or a CLI flag that overrides it).
A malformed value is a :class:`~consentgate.errors.ConfigError` naming the variable, not a traceback.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from consentgate.errors import ConfigError
from consentgate.validation import first_problem

_ENV_PREFIX = "CONSENTGATE_"
#: The fewest and most server processes ``consentgate serve --workers`` runs.
MIN_WORKERS, MAX_WORKERS = 1, 256
#: The fewest and most threads a server process runs its blocking reads on.
MIN_THREADS, MAX_THREADS = 1, 64
#: The counts that have a range: (fewest, most, what is counted).
_COUNTS = {
    "workers": (MIN_WORKERS, MAX_WORKERS, "server processes"),
    "threads": (MIN_THREADS, MAX_THREADS, "threads per process"),
}


class Settings(BaseSettings):
    """consentgate's configuration. Units are in the names (``_seconds``, ``_days``)."""

    model_config = SettingsConfigDict(env_prefix=_ENV_PREFIX, frozen=True, extra="forbid")

    #: SQLAlchemy URL of the store: ``sqlite:///path`` (embedded) or ``postgresql+psycopg://…``.
    database_url: str = "sqlite:///var/consentgate.db"
    #: Where the database file, the log key and local state live.
    data_dir: Path = Path("var")
    #: ``development`` allows demo conveniences; ``production`` refuses defaults such as no admin token.
    mode: Literal["development", "production"] = "development"
    #: Host and port ``consentgate serve`` binds to.
    host: str = "127.0.0.1"
    port: int = 8000
    #: Server processes ``consentgate serve`` runs on one database (default: the CPU count).
    workers: int = Field(default_factory=lambda: os.cpu_count() or 1)
    #: Threads each server process runs blocking work on (a partner call's token check,
    #: decision and fetch). Few, because they share one interpreter lock: measured on the
    #: governed read (docs/benchmarks.md), 40 threads spent more CPU per call passing it around
    #: than 8 did, and served fewer calls.
    threads: int = 8
    #: The URL partners and people reach this server at (``https://consent.example.com``): the
    #: only OAuth issuer (RFC 8414 §2) and the base of every absolute URL the server writes.
    #: Never taken from a request's ``Host`` header, which the client chooses. Defaults to
    #: ``http://{host}:{port}``.
    public_url: str | None = None
    #: Bearer token for the admin API; required in production mode.
    admin_token: str | None = None
    #: How long a grant lasts unless the consent screen says otherwise.
    grant_days: int = 90
    #: Lifetime of OAuth access tokens.
    access_token_seconds: int = 600
    #: Lifetime of OAuth refresh tokens.
    refresh_token_days: int = 30
    #: Ed25519 key for log checkpoints; created in ``data_dir`` when unset.
    log_key_file: Path | None = None
    #: The log's origin line; defaults to ``<host name>/log``.
    log_origin: str | None = None
    #: How often, at most, a new checkpoint is signed when there are new entries.
    checkpoint_interval_seconds: float = 1.0
    #: Group commit: the largest batch of log appends in one transaction, and the longest wait
    #: for a batch to fill to the size of the last one (so callers one at a time never wait, and
    #: a smaller batch waits once: see ``ledger.sequencer``). 10 ms served 12-14 % more reads
    #: than 2 ms at 8 and 64 connections, and the same at 1 and 4 (docs/benchmarks.md).
    log_batch_max: int = 512
    log_batch_wait_seconds: float = 0.010
    #: How often a server process polls the change feed written by other processes.
    change_poll_seconds: float = 0.25
    #: The longest the server sleeps between expiry sweeps; it also wakes as each grant or
    #: agreement ends (and when one is written), to open its deletion obligations then.
    expiry_sweep_seconds: float = 60.0
    #: How the server writes its own log lines: ``text`` for people, or ``json`` (one object a
    #: line, with the request id, for log collectors).
    log_format: Literal["text", "json"] = "text"
    #: A granted scope the partner leaves unused this long lapses (findings: ``scope_unused``).
    scope_lapse_days: int = 90
    #: Days past due before a partner that has not certified is suspended; 0 never suspends.
    certification_notice_days: int = 30
    #: How often the server evaluates findings (0: only on demand, ``consentgate findings``).
    findings_interval_seconds: float = 3600.0

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(
                "not a database URL; expected sqlite:///path or postgresql+psycopg://user@host/db"
            ) from None
        if url.get_backend_name() not in {"sqlite", "postgresql"}:
            raise ValueError(
                f"unsupported database {url.get_backend_name()!r}: use sqlite or postgresql"
            )
        return value

    @field_validator("public_url")
    @classmethod
    def _check_public_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in {"http", "https"} or not parts.hostname:
            raise ValueError(
                "must be an absolute http:// or https:// URL, e.g. https://consent.example.com"
            )
        if parts.query or parts.fragment or "?" in value or "#" in value:
            raise ValueError("must not have a query or a fragment (RFC 8414 §2)")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not carry a user name or password")
        if any(ord(ch) <= 0x20 or ord(ch) >= 0x7F for ch in value):
            raise ValueError("must be plain ASCII without spaces")
        try:
            parts.port  # noqa: B018 - parsing the port is the check: urlsplit raises when bad
        except ValueError:
            raise ValueError("has a port that is not a number from 0 to 65535") from None
        return value.rstrip("/")

    @field_validator("port")
    @classmethod
    def _check_port(cls, value: int) -> int:
        if not 0 < value < 65536:
            raise ValueError("a TCP port is between 1 and 65535")
        return value

    @field_validator("workers", "threads")
    @classmethod
    def _check_count(cls, value: int, info: ValidationInfo) -> int:
        low, high, what = _COUNTS[str(info.field_name)]
        if not low <= value <= high:
            raise ValueError(f"the number of {what} is between {low} and {high}, not {value}")
        return value

    @field_validator(
        "grant_days",
        "access_token_seconds",
        "refresh_token_days",
        "log_batch_max",
        "scope_lapse_days",
    )
    @classmethod
    def _check_positive(cls, value: int) -> int:
        if value < 1:
            raise ValueError("must be at least 1")
        return value

    @field_validator("certification_notice_days", "findings_interval_seconds")
    @classmethod
    def _check_not_negative(cls, value: float) -> float:
        if value < 0:
            raise ValueError("must not be negative")
        return value

    @property
    def origin(self) -> str:
        """The log origin: configured, or this host's name plus ``/log``."""
        return self.log_origin or f"{socket.gethostname()}/log"

    @property
    def issuer(self) -> str:
        """The server's public URL without a trailing slash: the OAuth issuer and URL base."""
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def key_file(self) -> Path:
        return self.log_key_file or self.data_dir / "log-ed25519.key"


def load_settings(**overrides: Any) -> Settings:
    """Read the settings from the environment, with ``overrides`` (from CLI flags) on top.

    Raises :class:`ConfigError` naming the variable of the first bad value.
    """
    clean = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**clean)
    except ValidationError as err:
        where, message = first_problem(err)
        name = _ENV_PREFIX + where[0].upper() if where else _ENV_PREFIX
        raise ConfigError(f"{name}: {message}") from None
