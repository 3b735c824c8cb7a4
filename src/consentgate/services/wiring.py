"""Services wired together in one place, from one ``Settings`` and one ``Database``."""

from __future__ import annotations

from consentgate.config import Settings
from consentgate.domain import DataSource
from consentgate.services.base import ChangeListener, Clock, system_clock
from consentgate.services.clients import ClientService
from consentgate.services.grants import GrantService
from consentgate.services.partners import PartnerService
from consentgate.services.people import PeopleService
from consentgate.store import Database
from consentgate.store.records import StoreDataSource


class Services:
    """Every use case of consentgate, sharing one database, one clock and one list of listeners."""

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
