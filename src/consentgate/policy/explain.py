"""Explanations: every rule of one decision, with its reason code and what it was decided from.

What ``consentgate explain`` prints and what a person or auditor reads: for each rule, whether it
holds or fails (``quota.unchecked`` does neither), its stable reason code, and a line naming the
agreement version, grant or setting behind it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from consentgate.policy import reasons as r
from consentgate.policy.engine import Engine
from consentgate.policy.index import CATEGORY_BITS, SHARE, AgreementWindow, CapWindow, GrantEntry
from consentgate.policy.rules import DecisionRequest


@dataclass(frozen=True, slots=True)
class RuleLine:
    """One rule's outcome and the facts it was decided from: ``ok`` when the rule holds, ``fails``
    when its code is one of the denial's reasons (neither, for ``quota.unchecked``)."""

    rule: str
    code: str
    ok: bool
    detail: str
    fails: bool


@dataclass(frozen=True, slots=True)
class Explanation:
    """Everything about one decision, ready to print or to serialize."""

    partner_id: str
    person_id: str
    category: str
    action: str
    purpose: str
    at: datetime
    allowed: bool
    reason: str
    rules: tuple[RuleLine, ...]
    fields: tuple[str, ...]
    record_scope: str | None

    @classmethod
    def of(
        cls,
        request: DecisionRequest,
        at: datetime,
        allowed: bool,
        reason: str,
        rules: tuple[RuleLine, ...],
        fields: tuple[str, ...] = (),
        record_scope: str | None = None,
    ) -> Explanation:
        """The explanation of ``request`` at ``at``: the request's own fields, then the outcome."""
        return cls(
            request.partner_id,
            request.person_id,
            request.category,
            request.action,
            request.purpose,
            at,
            allowed,
            reason,
            rules,
            fields,
            record_scope,
        )

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready form (times in ISO 8601)."""
        return {
            "partner": self.partner_id,
            "person": self.person_id,
            "category": self.category,
            "action": self.action,
            "purpose": self.purpose,
            "at": self.at.isoformat(),
            "allowed": self.allowed,
            "reason": self.reason,
            "rules": [
                {"rule": x.rule, "code": x.code, "ok": x.ok, "fails": x.fails, "detail": x.detail}
                for x in self.rules
            ],
            "obligations": (
                {"fields": list(self.fields), "record_scope": self.record_scope}
                if self.allowed
                else None
            ),
        }


def _iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec="seconds")


def explain(engine: Engine, request: DecisionRequest, now: datetime) -> Explanation:
    """Explain the decision on ``request`` at ``now`` (quota is looked at, not used)."""
    at = now.timestamp()
    decision, cap, grant = engine.evaluate(request, at)
    index = engine.index
    partner = index.partners.get(request.partner_id)
    details = {
        r.Rule.PARTNER: f"partner {request.partner_id!r} is "
        + (partner.status.code.split(".")[1] if partner is not None else "not registered"),
        r.Rule.AGREEMENT: _agreement_detail(cap, partner.windows if partner else ()),
        r.Rule.GRANT: _grant_detail(grant, index.grants_of(request.person_id, request.partner_id)),
        r.Rule.PURPOSE: f"purpose {request.purpose!r}"
        + (" is registered" if request.purpose in index.purposes else " is not registered"),
        r.Rule.SETTINGS: _settings_detail(index.settings.get(request.person_id), request.category),
        r.Rule.QUOTA: _quota_detail(engine, cap, at),
    }
    lines = tuple(
        RuleLine(o.rule.value, o.code, o.ok, details.get(o.rule, ""), o.fails)
        for o in decision.outcomes
    )
    if not lines:
        return unevaluated(request, now)
    obligations = decision.obligations
    return Explanation.of(
        request,
        now,
        decision.allowed,
        decision.reason,
        lines,
        tuple(sorted(obligations.fields)) if obligations else (),
        obligations.scope.value if obligations else None,
    )


def unevaluated(request: DecisionRequest, now: datetime) -> Explanation:
    """The explanation of a request that could not be evaluated: a deny, ``engine.error``."""
    line = RuleLine("engine", r.ENGINE_ERROR, False, "the request could not be evaluated", True)
    return Explanation.of(request, now, False, r.ENGINE_ERROR, (line,))


def _agreement_detail(cap: CapWindow | None, windows: tuple[AgreementWindow, ...]) -> str:
    if cap is not None:
        return f"agreement {cap.agreement_id} v{cap.version} in force until {_iso(cap.end)}"
    if not windows:
        return "no agreement signed"
    return f"{len(windows)} agreement version(s), none in force covering this request"


def _grant_detail(grant: GrantEntry | None, grants: tuple[GrantEntry, ...]) -> str:
    if grant is not None:
        return f"grant {grant.grant_id} issued {_iso(grant.start)}, usable until {_iso(grant.end)}"
    if not grants:
        return "the person granted this partner nothing"
    return f"{len(grants)} grant(s) to this partner, none active covering this request"


def _settings_detail(mask: int | None, category: str) -> str:
    if mask is None:
        return "no such person"
    bit = CATEGORY_BITS.get(category, 0)
    master = "on" if mask & SHARE else "off"
    own = "on" if bit and mask & bit else "off"
    return f"share with partners {master}; {category} {own}"


def _quota_detail(engine: Engine, cap: CapWindow | None, at: float) -> str:
    if cap is None:
        return "no capability in force, nothing to count"
    if cap.quota is None:
        return "the capability has no quota"
    used = engine.quotas.used((cap.agreement_id, cap.scope), cap.quota, at)
    return f"{used} of {cap.quota.max_requests} used in this {cap.quota.window_seconds} s window"
