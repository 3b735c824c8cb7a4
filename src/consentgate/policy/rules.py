"""The rules every partner request must pass: one function each, in the order DESIGN.md lists them.

DESIGN.md ("What it is") names five conditions. Each is checked here by rule functions that
return their outcome (a stable reason code, :mod:`consentgate.policy.reasons`), and the engine
(:class:`~consentgate.policy.engine.Engine`) calls every one of them, in this order, for every
request, and records every outcome:

1. the partner is active (:func:`partner_rule`) and has an agreement in force that covers the
   category and the action (:func:`agreement_rule`) and the purpose (:func:`purpose_rule`, which
   also reads the grant, so it runs after :func:`grant_rule`);
2. the person granted that partner that category, action and purpose (:func:`grant_rule`, the
   one definition of the grant that covers a request);
3. the person's privacy settings allow it (:func:`settings_rule`);
4. every other person in the data allows their part of it: this depends on the records, so it is
   decided record by record once they are there, by the obligations of an allowed decision
   (:func:`~consentgate.policy.obligations.apply_obligations`, reason ``third_party.filtered``);
5. the request stays inside the agreement's limits: the quota (:func:`quota_rule`) here; the
   fields and the record scope travel with the allowed decision as obligations.

No rule reads a partner's kind, and no argument skips a rule: an allowed decision needs every
outcome to hold.
"""

from __future__ import annotations

from consentgate.policy.entries import (
    SHARE,
    AgreementMemo,
    CapWindow,
    GrantEntry,
    PartnerEntry,
    Scope,
    need_own,
)
from consentgate.policy.quota import QuotaCounter
from consentgate.policy.reasons import (
    GRANT_ACTIVE,
    GRANT_EXPIRED,
    GRANT_MISSING,
    GRANT_NOT_COVERED,
    GRANT_NOT_STARTED,
    GRANT_REVOKED,
    GRANT_SCOPE_LAPSED,
    GRANT_WRONG_CLIENT,
    PURPOSE_MISMATCH,
    PURPOSE_OK,
    PURPOSE_UNKNOWN,
    QUOTA_EXCEEDED,
    QUOTA_OK,
    QUOTA_UNCHECKED,
    SETTINGS_ALLOWED,
    SETTINGS_CATEGORY_OFF,
    SETTINGS_SHARING_OFF,
    SETTINGS_UNKNOWN_PERSON,
    Outcome,
)


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
        #: The settings bits the person's own data of this category needs (see ``settings_mask``).
        self.need = need_own(self.category)

    def __repr__(self) -> str:
        return (
            f"DecisionRequest({self.partner_id!r}, {self.person_id!r}, {self.category!r}, "
            f"{self.action!r}, {self.purpose!r}, grant_id={self.grant_id!r})"
        )


def partner_rule(partner: PartnerEntry) -> Outcome:
    """Rule 1: the partner is active (``partner.*``); an unknown partner is ``partner.unknown``."""
    return partner.status


def agreement_rule(partner: PartnerEntry, scope: Scope, at: float) -> AgreementMemo:
    """Rule 1: an agreement version in force at ``at`` covers ``scope`` (``agreement.*``).

    Returns the agreement side of the decision: its ``outcome`` and the capability ``cap`` in
    force (whose limits rule 5 applies), memoized per scope while no version starts or stops.
    """
    memo = partner.memo.get(scope)
    if memo is not None and memo.start <= at < memo.end:
        return memo
    return partner.agreement_at(scope, at)


def _tokens(grant: GrantEntry, request: DecisionRequest) -> bool:
    """Whether ``grant`` may stand behind ``request``: it is the token's grant (when the request
    names one) and was given to the calling client (when both name one)."""
    return (request.grant_id is None or request.grant_id == grant.grant_id) and (
        request.client_id is None or grant.client_id is None or grant.client_id == request.client_id
    )


def grant_rule(
    grants: tuple[GrantEntry, ...], request: DecisionRequest, at: float
) -> tuple[Outcome, GrantEntry | None]:
    """Rule 2: the person's grant covers the request (``grant.*``); returns the outcome and, when
    it holds, the grant.

    The one definition of a covering grant: among the person's ``grants`` to the partner, the
    token's own (:func:`_tokens`), naming the request's scope, and active at ``at`` (from its
    issue until the earlier of its revocation and its expiry:
    :func:`~consentgate.domain.grants.usable_until`). A scope that lapsed unused still covers
    requests decided at times before it lapsed (:func:`_covers`). When none is, the outcome says
    why: the same tests, one at a time.
    """
    scope = request.scope
    for grant in grants:
        if scope in grant.scopes and grant.start <= at < grant.end and _tokens(grant, request):
            return GRANT_ACTIVE, grant
    if not grants:
        return (GRANT_MISSING if request.grant_id is None else GRANT_WRONG_CLIENT), None
    theirs = [g for g in grants if _tokens(g, request)]
    if not theirs:
        return GRANT_WRONG_CLIENT, None
    for grant in theirs:
        if _covers(grant, scope, at) and grant.start <= at < grant.end:
            return GRANT_ACTIVE, grant
    covering = [g for g in theirs if scope in g.scopes or _lapsed_at(g, scope) is not None]
    if not covering:
        return GRANT_NOT_COVERED, None
    started = [g for g in covering if g.start <= at]
    if not started:
        return GRANT_NOT_STARTED, None
    latest = max(started, key=_end)
    if at < latest.end:  # active, but its scope lapsed before ``at``
        return GRANT_SCOPE_LAPSED, None
    return (GRANT_REVOKED if latest.end < latest.expires else GRANT_EXPIRED), None


def _lapsed_at(grant: GrantEntry, scope: Scope) -> float | None:
    """When ``scope`` of ``grant`` lapsed unused, or None if it did not."""
    lapsed = grant.lapsed
    return None if lapsed is None else lapsed.get(scope)


def _covers(grant: GrantEntry, scope: Scope, at: float) -> bool:
    """Whether ``grant`` names ``scope`` at ``at``: among its scopes, or lapsed only after ``at``."""
    if scope in grant.scopes:
        return True
    lapsed = _lapsed_at(grant, scope)
    return lapsed is not None and at < lapsed


def _end(grant: GrantEntry) -> float:
    return grant.end


def purpose_rule(
    request: DecisionRequest,
    purposes: frozenset[str],
    agreement: AgreementMemo,
    granted: Outcome,
    grants: tuple[GrantEntry, ...],
) -> Outcome:
    """Rules 1 and 2: the purpose is registered (``purpose.unknown``), and neither the agreement
    nor the person's grant covers this category and action only for other purposes
    (``purpose.mismatch``)."""
    if request.purpose not in purposes:
        return PURPOSE_UNKNOWN
    if agreement.cap is None and agreement.other_purpose:
        return PURPOSE_MISMATCH
    if granted is GRANT_NOT_COVERED and _granted_for_other_purposes(grants, request):
        return PURPOSE_MISMATCH
    return PURPOSE_OK


def _granted_for_other_purposes(grants: tuple[GrantEntry, ...], request: DecisionRequest) -> bool:
    """Whether the person granted this category and action to the partner only for other purposes."""
    category, action, _ = request.scope
    same = [s for g in grants for s in g.scopes if s[0] == category and s[1] == action]
    return bool(same) and request.scope not in same


def settings_rule(mask: int | None, need: int) -> Outcome:
    """Rule 3: the person's master switch and the switch of the category are on (``settings.*``).

    ``mask`` is the person's settings mask (None: no such person), ``need`` the request's bits.
    """
    if mask is None:
        return SETTINGS_UNKNOWN_PERSON
    if mask & need == need:
        return SETTINGS_ALLOWED
    if not mask & SHARE:
        return SETTINGS_SHARING_OFF
    return SETTINGS_CATEGORY_OFF


def quota_rule(quotas: QuotaCounter, cap: CapWindow | None, at: float, use: bool) -> Outcome:
    """Rule 5: the capability's quota has room at ``at`` (``quota.*``); with ``use``, one request
    of it is taken (the engine asks so only when every other rule held).

    Without a capability in force there is nothing to count: ``quota.unchecked``, which neither
    holds nor fails (rule 1 already fails).
    """
    if cap is None:
        return QUOTA_UNCHECKED
    quota = cap.quota
    if quota is None:
        return QUOTA_OK
    key = (cap.agreement_id, cap.scope)
    fits = quotas.take(key, quota, at) if use else quotas.available(key, quota, at)
    return QUOTA_OK if fits else QUOTA_EXCEEDED
