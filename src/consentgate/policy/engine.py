"""The decision engine: ``decide(request, now) -> Decision`` (DESIGN.md, "What it is").

Every request passes every rule in :data:`~consentgate.policy.reasons.RULES`, and the decision
records each rule's outcome. There is no partner kind, flag or code path that skips a rule: the
only way to an allowed decision is :meth:`Engine._allow`, reached only when every rule holds.

The engine never raises to its caller: a request it cannot evaluate is denied with
``engine.error``. Decisions and rule outcomes are shared immutable objects, so the common cases
allocate nothing.
"""

from __future__ import annotations

from typing import Final

from consentgate.domain.agreements import Quota
from consentgate.policy import reasons as r
from consentgate.policy.index import (
    SHARE,
    CapWindow,
    DecisionIndex,
    GrantEntry,
    PartnerEntry,
    Scope,
    need_own,
)
from consentgate.policy.obligations import Obligations
from consentgate.policy.quota import QuotaCounter

Outcomes = tuple[r.Outcome, ...]


class DecisionRequest:
    """One partner request: who asks, about whom, for what and why, with the token's grant if any.

    ``category`` and ``action`` are plain strings (``Category``/``Action`` values work too); a value
    the engine does not know is simply never covered, so it is denied.
    """

    __slots__ = (
        "action",
        "category",
        "client_id",
        "grant_id",
        "need",
        "partner_id",
        "person_id",
        "purpose",
        "scope",
    )

    def __init__(
        self,
        partner_id: str,
        person_id: str,
        category: str,
        action: str,
        purpose: str,
        *,
        grant_id: str | None = None,
        client_id: str | None = None,
    ) -> None:
        self.partner_id = str(partner_id)
        self.person_id = str(person_id)
        self.category = str(category)
        self.action = str(action)
        self.purpose = str(purpose)
        self.grant_id = grant_id
        self.client_id = client_id
        self.scope: Scope = (self.category, self.action, self.purpose)
        self.need = need_own(self.category)

    def __repr__(self) -> str:
        return (
            f"DecisionRequest({self.partner_id!r}, {self.person_id!r}, {self.category!r}, "
            f"{self.action!r}, {self.purpose!r}, grant_id={self.grant_id!r})"
        )


class Decision:
    """Allow or deny, every rule's outcome, and (when allowed) the obligations on the records.

    ``agreement_id``, ``grant_id`` and ``obligations`` are set only on allowed decisions; use
    :meth:`Engine.explain` for the references behind a denial.
    """

    __slots__ = ("agreement_id", "allowed", "grant_id", "obligations", "outcomes")

    def __init__(
        self,
        allowed: bool,
        outcomes: Outcomes,
        obligations: Obligations | None = None,
        agreement_id: str | None = None,
        grant_id: str | None = None,
    ) -> None:
        self.allowed = allowed
        self.outcomes = outcomes
        self.obligations = obligations
        self.agreement_id = agreement_id
        self.grant_id = grant_id

    @property
    def codes(self) -> tuple[str, ...]:
        """Every rule's reason code, in rule order."""
        return tuple(o.code for o in self.outcomes)

    @property
    def reason(self) -> str:
        """The first failing rule's code, or the last rule's ``ok`` code when allowed."""
        for o in self.outcomes:
            if not o.ok:
                return o.code
        return self.outcomes[-1].code if self.outcomes else r.ENGINE_ERROR

    def __repr__(self) -> str:
        return f"Decision(allowed={self.allowed}, codes={self.codes})"


#: Every rule held.
ALLOWED: Outcomes = (
    r.PARTNER_ACTIVE,
    r.AGREEMENT_IN_FORCE,
    r.GRANT_ACTIVE,
    r.PURPOSE_OK,
    r.SETTINGS_ALLOWED,
    r.QUOTA_OK,
)
#: The decision for a request the engine could not evaluate: no rule is known to hold.
ERROR: Final = Decision(False, ())
_QUOTA_EXCEEDED: Outcomes = (*ALLOWED[:-1], r.QUOTA_EXCEEDED)
_ERROR_OUTCOME: Final = r.Outcome(r.Rule.QUOTA, r.ENGINE_ERROR, ok=False)
#: Stands in for a partner that does not exist: unknown status, no agreements.
_NO_PARTNER: Final = PartnerEntry("", "unknown", (), {})
#: More than any outcome's ordinal: the base of the integer key of a denial's outcomes.
_BASE: Final = len(r.OUTCOMES)


class Engine:
    """Decides partner requests from a :class:`DecisionIndex`, counting quotas as it allows."""

    def __init__(self, index: DecisionIndex, quotas: QuotaCounter | None = None) -> None:
        self.index = index
        self.quotas = quotas if quotas is not None else QuotaCounter()
        self._denials: dict[Outcomes, Decision] = {}
        self._denials_by_key: dict[int, Decision] = {}

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

    def decide(self, request: object, now: object, consume: bool = True) -> Decision:
        """Decide ``request`` at ``now``; with ``consume`` an allowed decision uses quota."""
        try:
            at = now.timestamp()  # type: ignore[attr-defined]
        except Exception:  # a caller passed something that is not a time: deny, never raise
            return ERROR
        return self.decide_at(request, at, consume)

    def decide_at(self, request: object, at: object, consume: bool = True) -> Decision:
        """:meth:`decide` with the time as POSIX seconds (the service's hot path).

        Arguments of any other type are a deny (``engine.error``), never an exception: the
        parameters are typed ``object`` so that holds where this module is compiled, too.
        """
        if not isinstance(request, DecisionRequest):
            return ERROR
        try:
            return self._decide(request, at if type(at) is float else float(at), consume)  # type: ignore[arg-type]
        except Exception:  # fail closed: an evaluation error is a deny, never an allow
            return ERROR

    def _decide(self, request: DecisionRequest, at: float, consume: bool) -> Decision:
        """One straight pass evaluates every rule; the common outcomes come from shared objects,
        so an allowed decision or a denial costs a handful of dictionary lookups."""
        scope = request.scope
        partner = self._partners.get(request.partner_id, _NO_PARTNER)
        # Rule 2, agreement: memoized per (partner, scope) while no version starts or stops.
        memo = partner.memo.get(scope)
        if memo is None or not memo.start <= at < memo.end:
            memo = partner.agreement_at(scope, at)
        cap = memo.cap
        # Rule 3, grant: an unrevoked, unexpired grant of this person covering the scope.
        person_id = request.person_id
        grants = partner.people.get(person_id)
        grant = None
        if grants:
            grant_id, client_id = request.grant_id, request.client_id
            for g in grants:
                if (
                    scope in g.scopes
                    and g.start <= at < g.end
                    and (grant_id is None or grant_id == g.grant_id)
                    and (client_id is None or g.client_id is None or g.client_id == client_id)
                ):
                    grant = g
                    break
        # Rule 5, settings: the master switch and the category switch (one mask).
        mask = self._settings.get(person_id)
        need = request.need
        purpose_known = request.purpose in self._index.purposes
        if (
            grant is not None
            and cap is not None
            and partner.active
            and mask is not None
            and mask & need == need
            and purpose_known
        ):
            if cap.quota is None:
                cache = grant.allow
                if cache is not None:
                    decision = cache.get(cap)
                    if decision is not None:
                        return decision  # type: ignore[return-value]
                return self._allow(grant, cap)
            return self._with_quota(grant, cap, cap.quota, at, consume)
        # A denial: name every rule's outcome.
        if grant is not None:
            g_out = r.GRANT_ACTIVE
        elif not grants:
            g_out = r.GRANT_MISSING if request.grant_id is None else r.GRANT_WRONG_CLIENT
        else:
            g_out = _grant_failure(grants, request, at)
        if not purpose_known:
            u_out = r.PURPOSE_UNKNOWN
        elif (memo.other_purpose and cap is None) or (
            g_out is r.GRANT_NOT_COVERED and _grant_other_purpose(grants or (), request)
        ):
            u_out = r.PURPOSE_MISMATCH
        else:
            u_out = r.PURPOSE_OK
        if mask is None:
            s_out = r.SETTINGS_UNKNOWN_PERSON
        elif not mask & SHARE:
            s_out = r.SETTINGS_SHARING_OFF
        elif mask & need != need:
            s_out = r.SETTINGS_CATEGORY_OFF
        else:
            s_out = r.SETTINGS_ALLOWED
        if cap is None:
            q_out = r.QUOTA_UNCHECKED
        elif cap.quota is None or self.quotas.available(
            (cap.agreement_id, cap.scope), cap.quota, at
        ):
            q_out = r.QUOTA_OK
        else:
            q_out = r.QUOTA_EXCEEDED
        status, agreed = partner.status, memo.outcome
        # One small integer names the six outcomes (each ordinal < _BASE): no tuple to build and
        # hash on the way to the shared denial.
        key = (
            (((status.ordinal * _BASE + agreed.ordinal) * _BASE + g_out.ordinal) * _BASE
             + u_out.ordinal) * _BASE + s_out.ordinal
        ) * _BASE + q_out.ordinal  # fmt: skip
        denial = self._denials_by_key.get(key)
        if denial is None:
            denial = self._deny((status, agreed, g_out, u_out, s_out, q_out))
            self._denials_by_key[key] = denial
        return denial

    def _with_quota(
        self, grant: GrantEntry, cap: CapWindow, quota: Quota, at: float, consume: bool
    ) -> Decision:
        """Rule 6, quota, for a request every other rule allows."""
        key = (cap.agreement_id, cap.scope)
        if consume:
            fits = self.quotas.take(key, quota, at)
        else:
            fits = self.quotas.available(key, quota, at)
        return self._allow(grant, cap) if fits else self._deny(_QUOTA_EXCEEDED)

    def _deny(self, outcomes: Outcomes) -> Decision:
        if all(o.ok for o in outcomes):  # never: a denial names the rule that failed
            outcomes = (*outcomes, _ERROR_OUTCOME)
        decision = self._denials.get(outcomes)
        if decision is None:
            decision = self._denials.setdefault(outcomes, Decision(False, outcomes))
        return decision

    def _allow(self, grant: GrantEntry, cap: CapWindow) -> Decision:
        """The allowed decision for ``grant`` under ``cap``: reached only after every rule held."""
        cache = grant.allow
        if cache is None or len(cache) >= 16:  # bounded: agreement reloads leave old keys behind
            cache = grant.allow = {}
        decision = cache.get(cap)
        if not isinstance(decision, Decision):
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
        partner = self.index.partners.get(request.partner_id, _NO_PARTNER)
        cap = partner.agreement_at(request.scope, at).cap
        people = self.index.grants.get(request.partner_id) or {}
        grant = None
        for g in people.get(request.person_id, ()):
            if (
                request.scope in g.scopes
                and g.start <= at < g.end
                and _client_ok(request, g)
                and request.grant_id in (None, g.grant_id)
            ):
                grant = g
                break
        return decision, cap, grant


def _client_ok(request: DecisionRequest, grant: GrantEntry) -> bool:
    return request.client_id is None or grant.client_id in (None, request.client_id)


def _grant_failure(
    grants: tuple[GrantEntry, ...], request: DecisionRequest, at: float
) -> r.Outcome:
    """Why none of ``grants`` (the person's grants to the partner) covers ``request`` at ``at``."""
    if request.grant_id is not None:
        grants = tuple(g for g in grants if g.grant_id == request.grant_id)
    grants = tuple(g for g in grants if _client_ok(request, g))
    if not grants:
        return r.GRANT_WRONG_CLIENT
    covering = [g for g in grants if request.scope in g.scopes]
    if not covering:
        return r.GRANT_NOT_COVERED
    started = [g for g in covering if g.start <= at]
    if not started:
        return r.GRANT_NOT_STARTED
    latest = max(started, key=lambda g: g.end)
    if latest.revoked is not None and latest.revoked < latest.expires:
        return r.GRANT_REVOKED
    return r.GRANT_EXPIRED


def _grant_other_purpose(grants: tuple[GrantEntry, ...], request: DecisionRequest) -> bool:
    """Whether the person granted this category and action to the partner only for other purposes."""
    category, action, _ = request.scope
    same = [s for g in grants for s in g.scopes if s[0] == category and s[1] == action]
    return bool(same) and request.scope not in same
