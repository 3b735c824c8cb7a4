"""The one error root of consentgate, and its tree.

Every failure a user can meet is an ``Error`` whose message is written for that user. Each edge
(the CLI, the HTTP API) catches ``Error`` in exactly one place and renders it: a one-line message
and a non-zero exit, or an RFC 9457 problem body.

::

    Error
    ├── ConfigError            a setting is missing or malformed (names the variable)
    ├── InvalidInput           a request or command argument is malformed or out of range
    │   ├── NotCovered         asks for more than an agreement allows
    │   └── NotInAgreement     a certification names capabilities the agreement lacks (422, listed)
    ├── NotFound               an id that does not exist (person, partner, agreement, grant …)
    ├── Conflict               the request contradicts the current state (duplicate id, ended agreement …)
    ├── Unauthenticated        no valid credentials (a missing, expired or revoked token)
    │   └── NotSignedIn        a person's page or API without a valid session
    ├── Forbidden              the caller may not do this
    │   └── Denied             the decision engine denied a partner request (carries reason codes)
    ├── QuotaExceeded          the capability's volume quota is used up (carries Retry-After)
    ├── TooManyAttempts        sign-in is throttled after failed attempts (carries Retry-After)
    ├── Unavailable            a dependency (the database, the log) cannot be reached: fail closed
    └── IntegrityError         a check of stored data failed (log tampering, inconsistent checkpoints)
"""

from __future__ import annotations

from typing import ClassVar


class Error(Exception):
    """Root of every consentgate error. ``str(err)`` is the user-facing message.

    A subclass names its kind and HTTP status in its header, ``class NotFound(Error,
    code="not-found", status=404)``; one that names neither keeps its parent's.
    """

    #: Short machine-readable kind, also the last part of the problem type URI.
    code: ClassVar[str] = "error"
    #: The HTTP status the API answers with.
    status: ClassVar[int] = 500

    def __init_subclass__(cls, *, code: str | None = None, status: int | None = None) -> None:
        super().__init_subclass__()
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status

    def __init__(self, message: str, *, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.reasons = reasons


class ConfigError(Error, code="config", status=500):
    """A setting is missing or malformed (the message names the variable)."""


class InvalidInput(Error, code="invalid-input", status=400):
    """A request or command argument is malformed or out of range."""


class NotCovered(InvalidInput, code="not-covered", status=400):
    """The request asks for more than an agreement allows."""


class NotInAgreement(InvalidInput, code="not-in-agreement", status=422):
    """A certification names capabilities that the partner's agreement in force does not have;
    ``missing`` lists them (``category.action:purpose``)."""

    def __init__(self, message: str, *, missing: tuple[str, ...]) -> None:
        super().__init__(message)
        self.missing = missing


class NotFound(Error, code="not-found", status=404):
    """An id that does not exist (person, partner, agreement, grant …)."""


class Conflict(Error, code="conflict", status=409):
    """The request contradicts the current state (duplicate id, ended agreement …)."""


class Forbidden(Error, code="forbidden", status=403):
    """The caller may not do this."""


class Unauthenticated(Error, code="unauthenticated", status=401):
    """No valid credentials (a missing, expired or revoked token)."""


class NotSignedIn(Unauthenticated, code="not-signed-in", status=401):
    """A person's page or API without a valid session."""


class Denied(Forbidden, code="denied", status=403):
    """The decision engine denied a partner request (carries reason codes)."""

    def __init__(
        self, message: str, *, reasons: tuple[str, ...] = (), log_index: int | None = None
    ) -> None:
        super().__init__(message, reasons=reasons)
        #: The log entry recording the denial.
        self.log_index = log_index


class QuotaExceeded(Error, code="quota-exceeded", status=429):
    """The capability's volume quota is used up (carries Retry-After)."""

    def __init__(
        self,
        message: str,
        *,
        reasons: tuple[str, ...] = (),
        retry_after_seconds: int = 60,
        log_index: int | None = None,
    ) -> None:
        super().__init__(message, reasons=reasons)
        self.retry_after_seconds = retry_after_seconds
        self.log_index = log_index


class TooManyAttempts(Error, code="too-many-attempts", status=429):
    """Sign-in refused before any password is checked: too many recent failures for the account
    or the client address (``services/signin.py`` documents the limits)."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class Unavailable(Error, code="unavailable", status=503):
    """A dependency (the database, the log) cannot be reached: fail closed."""


class IntegrityError(Error, code="integrity", status=500):
    """A check of stored data failed (log tampering, inconsistent checkpoints)."""
