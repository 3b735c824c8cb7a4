"""The vocabulary of consentgate as plain, frozen dataclasses. No I/O, no frameworks.

See DESIGN.md, "Domain vocabulary". Every object validates itself on construction and raises
:class:`consentgate.errors.InvalidInput` with a message a person can act on.
"""

from consentgate.domain.agreements import Agreement, Capability, Quota, RecordScope
from consentgate.domain.categories import Action, Category, parse_action, parse_category
from consentgate.domain.clock import Clock, system_clock
from consentgate.domain.grants import Grant, GrantScope, TokenContext
from consentgate.domain.obligations import DeletionObligation, ObligationReason
from consentgate.domain.partners import Partner, PartnerStatus
from consentgate.domain.people import Person, PrivacySettings
from consentgate.domain.purposes import Purpose
from consentgate.domain.records import DataSource, Record, people_in

__all__ = [
    "Action",
    "Agreement",
    "Capability",
    "Category",
    "Clock",
    "DataSource",
    "DeletionObligation",
    "Grant",
    "GrantScope",
    "ObligationReason",
    "Partner",
    "PartnerStatus",
    "Person",
    "PrivacySettings",
    "Purpose",
    "Quota",
    "Record",
    "RecordScope",
    "TokenContext",
    "parse_action",
    "parse_category",
    "people_in",
    "system_clock",
]
