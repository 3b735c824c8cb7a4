"""The decision engine: ``decide(request, now) -> Decision`` (DESIGN.md, "What it is").

Every request passes every rule of :mod:`consentgate.policy.rules`, in the order DESIGN.md lists
them, and the decision records each rule's outcome. There is no partner kind, flag or code path
that skips a rule: the only way to an allowed decision is :meth:`Engine._allow`, reached only when
every outcome holds.

Decisions and rule outcomes are shared immutable objects, so the common cases allocate little.
The engine is typed and raises on what it cannot evaluate; failing closed (an ``engine.error``
deny, logged with its cause) is the job of the service that calls it
(:class:`consentgate.services.decisions.DecisionService`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from consentgate.policy import reasons as r
from consentgate.policy.decision import ALLOWED, ERROR, Decision, Outcomes
from consentgate.policy.index import CapWindow, DecisionIndex, GrantEntry, PartnerEntry
from consentgate.policy.obligations import Obligations
from consentgate.policy.quota import QuotaCounter
from consentgate.policy.rules import (
    DecisionRequest,
    agreement_rule,
    grant_rule,
    partner_rule,
    purpose_rule,
    quota_rule,
    settings_rule,
)

__all__ = ["ALLOWED", "ERROR", "Decision", "DecisionRequest", "Engine"]

#: Added to a denial in which no rule fails (never expected): a deny always names a reason.
_ERROR_OUTCOME: Final = r.Outcome(r.Rule.QUOTA, r.ENGINE_ERROR, ok=False, fails=True)
#: Stands in for a partner that does not exist: unknown status, no agreements.
_NO_PARTNER: Final = PartnerEntry("", "unknown", (), {})
#: Allowed decisions kept per grant: agreement reloads leave keys of older capabilities behind.
_ALLOW_CACHE = 16


class Engine:
    """Decides partner requests from a :class:`DecisionIndex`, counting quotas as it allows."""

    def __init__(self, index: DecisionIndex, quotas: QuotaCounter | None = None) -> None:
        self.index = index
        self.quotas = quotas if quotas is not None else QuotaCounter()
        self._denials: dict[Outcomes, Decision] = {}

    @property
    def index(self) -> DecisionIndex:
        """The index decisions are made from; assigning a new one switches atomically."""
        return self._index

    @index.setter
    def index(self, index: DecisionIndex) -> None:
        # The index's dictionaries, held directly: one attribute load fewer per rule on the hot
        # path. The index mutates these dictionaries in place and never replaces them.
        self._partners = index.partners
        self._settings = index.settings
        self._index = index

    def decide(self, request: DecisionRequest, now: datetime, consume: bool = True) -> Decision:
        """Decide ``request`` at ``now``; with ``consume`` an allowed decision uses quota."""
        return self.decide_at(request, now.timestamp(), consume)

    def decide_at(self, request: DecisionRequest, at: float, consume: bool = True) -> Decision:
        """:meth:`decide` with the time as POSIX seconds (the service's hot path).

        Each rule of :mod:`~consentgate.policy.rules`, in DESIGN.md's order; the quota is used
        only when every other rule held.
        """
        partner = self._partners.get(request.partner_id, _NO_PARTNER)
        grants = partner.people.get(request.person_id, ())
        # 1. An active partner, with an agreement in force that covers the request.
        active = partner_rule(partner)
        agreement = agreement_rule(partner, request.scope, at)
        # 2. The person's grant.
        granted, grant = grant_rule(grants, request, at)
        # 1 and 2. The purpose: registered, agreed and granted.
        purpose = purpose_rule(request, self._index.purposes, agreement, granted, grants)
        # 3. The person's privacy settings.
        settings = settings_rule(self._settings.get(request.person_id), request.need)
        # 4. Other people in the data: applied to the records of an allowed decision.
        agreed = agreement.outcome
        held = active.ok and agreed.ok and granted.ok and purpose.ok and settings.ok
        # 5. The agreement's limits: the quota, used only when every other rule held.
        cap = agreement.cap
        quota = quota_rule(self.quotas, cap, at, consume and held)
        if held and quota.ok and grant is not None and cap is not None:
            # The allowed decision for this grant under this capability, built once.
            allowed = grant.allow
            if allowed is not None:
                decision = allowed.get(cap)
                if decision is not None:
                    return decision
            return self._allow(grant, cap)
        outcomes = (active, agreed, granted, purpose, settings, quota)
        return self._denials.get(outcomes) or self._deny(outcomes)

    def _deny(self, outcomes: Outcomes) -> Decision:
        """The shared denial naming ``outcomes``, made on first use."""
        named = outcomes
        if not any(o.fails for o in named):  # never: a denial names the rule that failed
            named = (*named, _ERROR_OUTCOME)
        return self._denials.setdefault(outcomes, Decision(False, named))

    def _allow(self, grant: GrantEntry, cap: CapWindow) -> Decision:
        """The allowed decision for ``grant`` under ``cap``: reached only after every rule held."""
        cache = grant.allow
        if cache is None or len(cache) >= _ALLOW_CACHE:
            cache = grant.allow = {}
        decision = cache.get(cap)
        if decision is None:
            obligations = Obligations(
                partner_id=grant.partner_id,
                person_id=grant.person_id,
                category=cap.scope[0],
                fields=cap.fields,
                scope=cap.record_scope,
                grant_issued_at=grant.start,
            )
            decision = Decision(True, ALLOWED, obligations, cap.agreement_id, grant.grant_id)
            cache[cap] = decision
        return decision

    def evaluate(
        self, request: DecisionRequest, at: float
    ) -> tuple[Decision, CapWindow | None, GrantEntry | None]:
        """The decision on ``request`` at ``at`` without using quota, with the capability in
        force and the person's grant that cover it, when there are (for explanations)."""
        decision = self.decide_at(request, at, consume=False)
        partner = self._partners.get(request.partner_id, _NO_PARTNER)
        cap = agreement_rule(partner, request.scope, at).cap
        _, grant = grant_rule(
            self._index.grants_of(request.person_id, request.partner_id), request, at
        )
        return decision, cap, grant
