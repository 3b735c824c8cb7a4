"""Services wired together in one place, from one ``Settings`` and one ``Database``.

``Services(...)`` gives the use cases that only need the store (CLI commands, tests).
:meth:`Services.start` returns the running parts a server needs (:class:`Running`): the decision
index (loaded, and following the change feed), the log's sequencer, partner access, and the
journal that logs grants, revocations, agreement versions and deletion confirmations.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from consentgate.config import Settings
from consentgate.domain import DataSource
from consentgate.errors import ConfigError, Error
from consentgate.ledger.keys import signer_from_settings
from consentgate.ledger.sequencer import Sequencer
from consentgate.services.access import AccessService
from consentgate.services.base import ChangeListener, Clock, system_clock
from consentgate.services.clients import ClientService
from consentgate.services.decisions import DecisionService
from consentgate.services.grants import GrantService
from consentgate.services.imports import ImportService
from consentgate.services.journal import Journal, PersonRef
from consentgate.services.partners import PartnerService
from consentgate.services.people import PeopleService
from consentgate.services.tokens import TokenService
from consentgate.store import Database, history
from consentgate.store.log import SqlLogStore
from consentgate.store.records import StoreDataSource

log = logging.getLogger(__name__)

#: Bytes of the secret behind person references in log entries.
_SECRET_BYTES = 32


def person_ref_secret(path: Path) -> bytes:
    """The log's person-reference secret at ``path``, created (mode 0600) on first use."""
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(secrets.token_bytes(_SECRET_BYTES))
        secret = path.read_bytes()
    except FileExistsError:
        secret = path.read_bytes()
    except OSError as err:
        raise ConfigError(f"CONSENTGATE_DATA_DIR: cannot use {path}: {err.strerror}") from None
    if len(secret) != _SECRET_BYTES:
        raise ConfigError(f"CONSENTGATE_DATA_DIR: {path} is not a {_SECRET_BYTES}-byte secret")
    return secret


@dataclass(frozen=True, slots=True)
class Running:
    """The running parts of a server, as :meth:`Services.start` made them; :meth:`stop` ends them.

    The decision index (loaded, following the change feed), the log's sequencer, partner access,
    the person-reference secret, and the sweeper that opens deletion obligations for expired
    grants.
    """

    decisions: DecisionService
    log: Sequencer
    access: AccessService
    person_ref: PersonRef
    _services: Services
    _stopping: threading.Event
    _sweeper: threading.Thread

    def stop(self) -> None:
        """Stop the sweeper, the index's feed and the log, and detach the listeners."""
        self._stopping.set()
        self._sweeper.join()
        self.decisions.stop()
        self.log.stop()
        self._services._stopped()


class Services:
    """Every use case of consentgate, sharing one database, one clock and one list of listeners.

    Built from the store alone, so CLI commands and tests can use it as it is; :meth:`start`
    returns the :class:`Running` parts a server adds.
    """

    def __init__(
        self,
        settings: Settings,
        db: Database,
        *,
        clock: Clock = system_clock,
        data_source: DataSource | None = None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.listeners: list[ChangeListener] = []
        self.data_source: DataSource = data_source or StoreDataSource(db)
        self.partners = PartnerService(db, clock, self.listeners)
        self.people = PeopleService(db, clock, self.listeners)
        self.grants = GrantService(db, clock, self.listeners, settings.grant_days)
        self.clients = ClientService(db, clock, self.listeners)
        self.imports = ImportService(db, clock, self.listeners)
        self.tokens = TokenService(
            db,
            clock,
            self.listeners,
            access_token_seconds=settings.access_token_seconds,
            refresh_token_days=settings.refresh_token_days,
        )
        self._started = False

    def decisions_at_rest(self) -> DecisionService:
        """A decision service that follows nothing: it answers from the keys it is told to load
        (:meth:`DecisionService.load_keys`), as ``consentgate explain`` and ``exposure`` do."""
        return DecisionService(self.db, self.clock)

    def start(self) -> Running:
        """Load the decision index, start following the change feed, start the log.

        Raises :class:`RuntimeError` if these services are running already: two sequencers over
        one log, or listeners told twice, would be wrong.
        """
        if self._started:
            raise RuntimeError("these services are running already")
        settings = self.settings
        person_ref = PersonRef(person_ref_secret(settings.data_dir / "person-ref.key"))
        signer = signer_from_settings(
            settings.key_file, settings.origin, settings.log_key_file is not None
        )
        sequencer = Sequencer(
            SqlLogStore(self.db, annotate=history.annotate),
            signer,
            checkpoint_interval=settings.checkpoint_interval_seconds,
            batch_max=settings.log_batch_max,
            batch_wait=settings.log_batch_wait_seconds,
        ).start()
        decisions = DecisionService(self.db, self.clock, poll_seconds=settings.change_poll_seconds)
        decisions.load()
        decisions.start()
        # The index first: the very next decision must see every committed write.
        self.listeners.append(decisions)
        self.listeners.append(Journal(self.db, sequencer, person_ref))
        access = AccessService(self.clock, decisions, self.data_source, sequencer, person_ref)
        stopping = threading.Event()
        sweeper = threading.Thread(
            target=self._sweep, args=(stopping,), name="grant-expiry", daemon=True
        )
        sweeper.start()
        self._started = True
        return Running(decisions, sequencer, access, person_ref, self, stopping, sweeper)

    def _sweep(self, stopping: threading.Event) -> None:
        """Open deletion obligations for expired grants, every ``expiry_sweep_seconds``."""
        while not stopping.wait(self.settings.expiry_sweep_seconds):
            try:
                self.grants.sweep_expired()
            except Error as err:  # the database may be briefly unavailable: try next time
                log.warning("expired-grant sweep failed: %s", err)

    def _stopped(self) -> None:
        self.listeners.clear()
        self._started = False
