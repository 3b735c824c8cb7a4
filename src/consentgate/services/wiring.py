"""Services wired together in one place, from one ``Settings`` and one ``Database``.

``Services(...)`` gives the use cases that only need the store (CLI commands, tests).
:meth:`Services.start` adds the running parts a server needs: the decision index (loaded, and
following the change feed), the log's sequencer, partner access, the journal that logs grants,
revocations, agreement versions and deletion confirmations, and the sweeper that opens deletion
obligations as grants and agreements end.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from consentgate.config import Settings
from consentgate.domain import DataSource
from consentgate.domain.clock import Clock, system_clock
from consentgate.errors import ConfigError
from consentgate.ledger.keys import signer_from_settings
from consentgate.ledger.sequencer import Sequencer
from consentgate.secretfiles import secret_file
from consentgate.services.access import AccessService
from consentgate.services.base import ChangeListener
from consentgate.services.clients import ClientService
from consentgate.services.decisions import DecisionService
from consentgate.services.expiry import ExpirySweeper
from consentgate.services.grants import GrantService
from consentgate.services.journal import Journal, PersonRef
from consentgate.services.partners import PartnerService
from consentgate.services.people import PeopleService
from consentgate.services.tokens import TokenService
from consentgate.store import Database, history
from consentgate.store.log import SqlLogStore
from consentgate.store.records import StoreDataSource

#: Bytes of the secret behind person references in log entries.
_SECRET_BYTES = 32


def person_ref_secret(path: Path) -> bytes:
    """The log's person-reference secret at ``path``, created on first use (a secret file)."""
    setting = "CONSENTGATE_DATA_DIR"
    secret = secret_file(path, setting=setting, make=lambda: secrets.token_bytes(_SECRET_BYTES))
    if len(secret) != _SECRET_BYTES:
        raise ConfigError(f"{setting}: {path} is not a {_SECRET_BYTES}-byte secret")
    return secret


class Services:
    """Every use case of consentgate, sharing one database, one clock and one list of listeners."""

    decisions: DecisionService
    log: Sequencer
    access: AccessService
    person_ref: PersonRef
    expiry: ExpirySweeper

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
        self.tokens = TokenService(
            db,
            clock,
            self.listeners,
            access_token_seconds=settings.access_token_seconds,
            refresh_token_days=settings.refresh_token_days,
        )
        self._started = False

    def start(self) -> Services:
        """Load the decision index, start following the change feed, start the log."""
        if self._started:
            return self
        settings = self.settings
        self.person_ref = PersonRef(person_ref_secret(settings.data_dir / "person-ref.key"))
        signer = signer_from_settings(
            settings.key_file, settings.origin, settings.log_key_file is not None
        )
        self.log = Sequencer(
            SqlLogStore(self.db, annotate=history.annotate, clock=self.clock),
            signer,
            clock=self.clock,
            checkpoint_interval=settings.checkpoint_interval_seconds,
            batch_max=settings.log_batch_max,
            batch_wait=settings.log_batch_wait_seconds,
        ).start()
        self.decisions = DecisionService(
            self.db, self.clock, poll_seconds=settings.change_poll_seconds
        )
        self.decisions.load()
        self.decisions.start()
        # The index first: the very next decision must see every committed write.
        self.listeners.append(self.decisions)
        self.listeners.append(Journal(self.db, self.log, self.person_ref))
        self.access = AccessService(
            self.clock, self.decisions, self.data_source, self.log, self.person_ref
        )
        # Deletion obligations open as grants and agreements end (and at once after a restart).
        self.expiry = ExpirySweeper(
            self.grants, self.clock, max_wait=settings.expiry_sweep_seconds
        ).start()
        self.listeners.append(self.expiry)
        self._started = True
        return self

    def stop(self) -> None:
        if not self._started:
            return
        self.expiry.stop()
        self.decisions.stop()
        self.log.stop()
        self.listeners.clear()
        self._started = False
