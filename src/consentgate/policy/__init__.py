"""The decision engine: pure, no I/O, no clock reads — the time is always an argument.

``Engine.decide(request, now)`` decides one partner request from a :class:`DecisionIndex` by the
rules of :mod:`consentgate.policy.rules`, and records every rule's outcome
(:mod:`consentgate.policy.reasons`); :func:`apply_obligations`
filters the records of an allowed decision before they leave; :mod:`consentgate.policy.exposure`
answers who can reach whose data now.
"""

from consentgate.policy.decision import ALLOWED, Decision
from consentgate.policy.engine import Engine
from consentgate.policy.exposure import (
    Access,
    ExposurePage,
    partner_exposure_count,
    partner_exposure_page,
    partner_grantees,
    person_exposure,
)
from consentgate.policy.index import DecisionIndex, GrantRow, settings_mask
from consentgate.policy.obligations import Filtered, Obligations, apply_obligations
from consentgate.policy.quota import QuotaCounter
from consentgate.policy.reasons import RULES, Outcome, Rule
from consentgate.policy.rules import DecisionRequest

__all__ = [
    "ALLOWED",
    "RULES",
    "Access",
    "Decision",
    "DecisionIndex",
    "DecisionRequest",
    "Engine",
    "ExposurePage",
    "Filtered",
    "GrantRow",
    "Obligations",
    "Outcome",
    "QuotaCounter",
    "Rule",
    "apply_obligations",
    "partner_exposure_count",
    "partner_exposure_page",
    "partner_grantees",
    "person_exposure",
    "settings_mask",
]
