"""Services wired together in one place, from one ``Settings`` and one ``Database``.

``Services(...)`` gives the use cases that only need the store (CLI commands, tests).
:meth:`Services.start` returns the running parts a server needs (:class:`Running`): the decision
index (loaded, and following the change feed), the log's sequencer, partner access, the journal
that logs grants, revocations, agreement versions and deletion confirmations, and the sweeper that
opens deletion obligations as grants and agreements end.
"""

from __future__ import annotations

import secrets
import socket
from dataclasses import dataclass
from pathlib import Path

from consentgate.config import Settings
from consentgate.domain import DataSource
from consentgate.domain.clock import Clock, system_clock
from consentgate.errors import ConfigError
from consentgate.ledger.keys import signer_from_settings
from consentgate.ledger.note import NoteSigner
from consentgate.ledger.sequencer import Sequencer
from consentgate.policy import QuotaCounter
from consentgate.policy.finding_facts import Thresholds
from consentgate.secretfiles import secret_file
from consentgate.services.access import AccessService
from consentgate.services.base import ChangeListener
from consentgate.services.certifications import CertificationService
from consentgate.services.clients import ClientService
from consentgate.services.console import ConsoleService
from consentgate.services.decisions import DecisionService
from consentgate.services.expiry import ExpirySweeper
from consentgate.services.findings import FindingsSchedule, FindingsService
from consentgate.services.grants import GrantService
from consentgate.services.imports import ImportService
from consentgate.services.journal import Journal, PersonRef
from consentgate.services.logcheck import LogChecks
from consentgate.services.partners import PartnerService
from consentgate.services.people import PeopleService
from consentgate.services.privacy import PrivacyCenter
from consentgate.services.reports.service import ReportService
from consentgate.services.signin import LoginThrottle, SessionService
from consentgate.services.staff import StaffService
from consentgate.services.tokens import TokenService
from consentgate.store import Database, history
from consentgate.store.coordination import check_one_machine, claim_log_key
from consentgate.store.log import SqlLogStore
from consentgate.store.migrate import upgrade
from consentgate.store.quota import SqlQuotaShare
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


def finding_thresholds(settings: Settings) -> Thresholds:
    """The findings rules' thresholds that ``settings`` configure (the rest keep their defaults)."""
    notice = settings.certification_notice_days
    return Thresholds(
        lapse_days=settings.scope_lapse_days,
        certification_notice_days=notice if notice > 0 else None,
    )


@dataclass(frozen=True, slots=True)
class Running:
    """The running parts of a server, as :meth:`Services.start` made them; :meth:`stop` ends them.

    The decision index (loaded, following the change feed), the log's sequencer, partner access,
    the person-reference secret, the sweeper that opens deletion obligations as grants and
    agreements end, and reports signed with the log's key.
    """

    decisions: DecisionService
    log: Sequencer
    access: AccessService
    person_ref: PersonRef
    expiry: ExpirySweeper
    reports: ReportService
    #: The log's status and full verifications in the background (the console's log page).
    log_checks: LogChecks
    #: Findings evaluated every ``CONSENTGATE_FINDINGS_INTERVAL_SECONDS``.
    findings: FindingsSchedule
    _services: Services
    _log_store: SqlLogStore

    def stop(self) -> None:
        """Stop the evaluations, the sweeper, the index's feed and the log (closing the
        connections its store keeps), and detach the listeners (a running verification of the
        log is given a few seconds to finish)."""
        self.findings.stop()
        self.log_checks.wait(timeout=5)
        self.expiry.stop()
        self.decisions.stop()
        self.log.stop()
        self._log_store.close()
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
        self.privacy = PrivacyCenter(db, clock)
        self.imports = ImportService(db, clock, self.listeners)
        self.tokens = TokenService(
            db,
            clock,
            self.listeners,
            access_token_seconds=settings.access_token_seconds,
            refresh_token_days=settings.refresh_token_days,
        )
        self.sessions = SessionService(db, clock)
        self.login_throttle = LoginThrottle(db, clock)
        self.findings = FindingsService(db, clock, self.listeners, finding_thresholds(settings))
        self.certifications = CertificationService(
            db, clock, self.listeners, finding_thresholds(settings)
        )
        self.staff = StaffService(db, clock, self.sessions)
        self.console = ConsoleService(db, clock)
        self._started = False

    @classmethod
    def connect(cls, settings: Settings, *, migrate: bool) -> Services:
        """Services on ``settings.database_url``; ``migrate`` first brings its schema up to date
        (one transaction: all or nothing)."""
        db = Database.connect(settings.database_url)
        if migrate:
            upgrade(db)
        return cls(settings, db)

    def reports(self) -> ReportService:
        """Reports over this database's log, signed with the log's key (from the settings)."""
        settings = self.settings
        signer = signer_from_settings(
            settings.key_file, settings.origin, settings.log_key_file is not None
        )
        person_ref = PersonRef(person_ref_secret(settings.data_dir / "person-ref.key"))
        return ReportService(self.db, self.clock, signer, person_ref)

    def decisions_at_rest(self) -> DecisionService:
        """A decision service that follows nothing: it answers from the keys it is told to load
        (:meth:`DecisionService.load_keys`), as ``consentgate explain`` and ``exposure`` do."""
        return DecisionService(self.db, self.clock)

    def prepare(self) -> tuple[PersonRef, NoteSigner]:
        """What a server checks and makes before it starts (``consentgate serve`` does it once
        before starting its worker processes, so they do not race to make files): the
        person-reference secret and the log key (created on first use), that a SQLite file is
        served from this machine only, and that this database's log is signed with this key — a
        second server with another key would sign a second history of the same log."""
        settings = self.settings
        person_ref = PersonRef(person_ref_secret(settings.data_dir / "person-ref.key"))
        signer = signer_from_settings(
            settings.key_file, settings.origin, settings.log_key_file is not None
        )
        check_one_machine(self.db, socket.gethostname())
        claim_log_key(self.db, signer.verifier)
        return person_ref, signer

    def start(self) -> Running:
        """Load the decision index, start following the change feed, start the log.

        Raises :class:`RuntimeError` if these services are running already: two sequencers over
        one log, or listeners told twice, would be wrong.
        """
        if self._started:
            raise RuntimeError("these services are running already")
        settings = self.settings
        person_ref, signer = self.prepare()
        log_store = SqlLogStore(self.db, annotate=history.annotate, clock=self.clock)
        sequencer = Sequencer(
            log_store,
            signer,
            clock=self.clock,
            checkpoint_interval=settings.checkpoint_interval_seconds,
            batch_max=settings.log_batch_max,
            batch_wait=settings.log_batch_wait_seconds,
        ).start()
        decisions = DecisionService(
            self.db,
            self.clock,
            poll_seconds=settings.change_poll_seconds,
            # Quotas counted with every other process on this database.
            quotas=QuotaCounter(SqlQuotaShare(self.db)),
        )
        decisions.load()
        decisions.start()
        # The index first: the very next decision must see every committed write.
        self.listeners.append(decisions)
        self.listeners.append(Journal(self.db, sequencer, person_ref))
        access = AccessService(self.clock, decisions, self.data_source, sequencer, person_ref)
        # Deletion obligations open as grants and agreements end (and at once after a restart).
        expiry = ExpirySweeper(self.grants, self.clock, max_wait=settings.expiry_sweep_seconds)
        self.listeners.append(expiry.start())
        reports = ReportService(self.db, self.clock, signer, person_ref)
        log_checks = LogChecks(self.db, self.clock, signer.verifier)
        # Findings are evaluated every interval (lapsing unused scopes, suspending the uncertified),
        # by the one process that holds the log's integration lease.
        schedule = FindingsSchedule(
            self.findings,
            settings.findings_interval_seconds,
            leading=lambda: sequencer.integrating,
        ).start()
        self._started = True
        return Running(
            decisions,
            sequencer,
            access,
            person_ref,
            expiry,
            reports,
            log_checks,
            schedule,
            self,
            log_store,
        )

    def _stopped(self) -> None:
        self.listeners.clear()
        self._started = False
