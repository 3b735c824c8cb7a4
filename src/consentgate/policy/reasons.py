"""The rules a decision checks, and their stable reason codes: the one vocabulary of consentgate.

Reason codes are part of the API that partners, people and auditors read: they never change
meaning, and new ones are only added. Every decision records one outcome per rule, in the order
of :data:`RULES`; a request is allowed only when every outcome holds. A denial's reasons (the
``reasons`` of a data API problem, of a log entry, of an OAuth refusal) are the codes of the rules
that fail; an outcome that neither holds nor fails (``quota.unchecked``) is listed with the rules
(``consentgate explain``) but is never a reason. Every path that refuses something names it with
a code of this table, and the same state always has the same code: an agreement that reached its
``valid_until`` is ``agreement.expired`` for the data API, for ``explain`` and for the consent
screen (``/oauth/authorize``) alike.

========== ================================ =====================================================
rule       code                             meaning
========== ================================ =====================================================
partner    ``partner.active``               the partner is active (holds)
partner    ``partner.suspended``            the partner is suspended
partner    ``partner.terminated``           the partner is terminated
partner    ``partner.unknown``              no such partner
agreement  ``agreement.in_force``           an agreement version in force covers the request (holds)
agreement  ``agreement.none``               the partner never signed an agreement
agreement  ``agreement.not_started``        the only covering agreements start later
agreement  ``agreement.expired``            the covering agreements reached ``valid_until``
agreement  ``agreement.ended``              the covering agreements were ended early
agreement  ``agreement.not_covered``        an agreement is in force but does not cover the request
grant      ``grant.active``                 the person's grant covers the request (holds)
grant      ``grant.missing``                the person never granted this partner anything
grant      ``grant.revoked``                the covering grant was revoked
grant      ``grant.expired``                the covering grant expired
grant      ``grant.not_started``            the covering grant is issued in the future
grant      ``grant.not_covered``            a grant exists but does not cover the request
grant      ``grant.wrong_client``           the token's grant belongs to another client or person
grant      ``grant.scope_lapsed``           the grant covered the request, but the partner left that
                                            scope unused for ``CONSENTGATE_SCOPE_LAPSE_DAYS`` and
                                            it lapsed (the grant was narrowed; see findings)
purpose    ``purpose.ok``                   the purpose is registered and the one consented to (holds)
purpose    ``purpose.unknown``              the purpose is not registered
purpose    ``purpose.mismatch``             agreement or grant cover this category and action only
                                            for other purposes
settings   ``settings.allowed``             master switch and category switch are on (holds)
settings   ``settings.sharing_off``         the person's master switch is off
settings   ``settings.category_off``        the person's switch for this category is off
settings   ``settings.unknown_person``      no such person
quota      ``quota.ok``                     the capability's quota is not exhausted (holds)
quota      ``quota.exceeded``               the capability's quota is exhausted for this window
quota      ``quota.unchecked``              no covering capability, so no quota to count (neither
                                            holds nor fails: the agreement rule already fails)
token      ``token.not_covered``            the data API call asks for a scope its access token
                                            does not carry (checked before the engine is asked)
engine     ``engine.error``                 the request could not be evaluated (always a deny)
========== ================================ =====================================================

Obligation outcome (on allowed decisions, when records are filtered before they leave):
``third_party.filtered`` — a record was dropped or an entry redacted because another person in it
does not let their data reach partners through someone else's grant.

Deletion obligations (DESIGN.md) name why they were opened with the code of the state that ended
the access: ``grant.revoked``, ``grant.expired``, ``agreement.ended``, ``agreement.expired`` or
``partner.suspended``.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final


class Rule(StrEnum):
    """A rule every request must pass."""

    PARTNER = "partner"
    AGREEMENT = "agreement"
    GRANT = "grant"
    PURPOSE = "purpose"
    SETTINGS = "settings"
    QUOTA = "quota"


#: Every rule, in the order a decision lists their outcomes.
RULES: Final = tuple(Rule)


class Outcome:
    """The outcome of one rule: its rule, its stable code, whether the rule holds (``ok``) and
    whether it fails (``fails``: the code is one of a denial's reasons).

    Every outcome either holds or fails, except ``quota.unchecked``, which does neither.
    Outcomes are interned (one object per code, see :data:`OUTCOMES`), so decisions share them and
    compare them by identity.
    """

    __slots__ = ("code", "fails", "ok", "rule")

    def __init__(self, rule: Rule, code: str, ok: bool, fails: bool) -> None:
        self.rule = rule
        self.code = code
        self.ok = ok
        self.fails = fails

    def __repr__(self) -> str:
        return f"Outcome({self.code!r}, ok={self.ok})"


def _outcome(rule: Rule, name: str, ok: bool = False, *, fails: bool | None = None) -> Outcome:
    return Outcome(rule, f"{rule.value}.{name}", ok, not ok if fails is None else fails)


PARTNER_ACTIVE: Final[Outcome] = _outcome(Rule.PARTNER, "active", ok=True)
PARTNER_SUSPENDED: Final[Outcome] = _outcome(Rule.PARTNER, "suspended")
PARTNER_TERMINATED: Final[Outcome] = _outcome(Rule.PARTNER, "terminated")
PARTNER_UNKNOWN: Final[Outcome] = _outcome(Rule.PARTNER, "unknown")

AGREEMENT_IN_FORCE: Final[Outcome] = _outcome(Rule.AGREEMENT, "in_force", ok=True)
AGREEMENT_NONE: Final[Outcome] = _outcome(Rule.AGREEMENT, "none")
AGREEMENT_NOT_STARTED: Final[Outcome] = _outcome(Rule.AGREEMENT, "not_started")
AGREEMENT_EXPIRED: Final[Outcome] = _outcome(Rule.AGREEMENT, "expired")
AGREEMENT_ENDED: Final[Outcome] = _outcome(Rule.AGREEMENT, "ended")
AGREEMENT_NOT_COVERED: Final[Outcome] = _outcome(Rule.AGREEMENT, "not_covered")

GRANT_ACTIVE: Final[Outcome] = _outcome(Rule.GRANT, "active", ok=True)
GRANT_MISSING: Final[Outcome] = _outcome(Rule.GRANT, "missing")
GRANT_REVOKED: Final[Outcome] = _outcome(Rule.GRANT, "revoked")
GRANT_EXPIRED: Final[Outcome] = _outcome(Rule.GRANT, "expired")
GRANT_NOT_STARTED: Final[Outcome] = _outcome(Rule.GRANT, "not_started")
GRANT_NOT_COVERED: Final[Outcome] = _outcome(Rule.GRANT, "not_covered")
GRANT_WRONG_CLIENT: Final[Outcome] = _outcome(Rule.GRANT, "wrong_client")
GRANT_SCOPE_LAPSED: Final[Outcome] = _outcome(Rule.GRANT, "scope_lapsed")

PURPOSE_OK: Final[Outcome] = _outcome(Rule.PURPOSE, "ok", ok=True)
PURPOSE_UNKNOWN: Final[Outcome] = _outcome(Rule.PURPOSE, "unknown")
PURPOSE_MISMATCH: Final[Outcome] = _outcome(Rule.PURPOSE, "mismatch")

SETTINGS_ALLOWED: Final[Outcome] = _outcome(Rule.SETTINGS, "allowed", ok=True)
SETTINGS_SHARING_OFF: Final[Outcome] = _outcome(Rule.SETTINGS, "sharing_off")
SETTINGS_CATEGORY_OFF: Final[Outcome] = _outcome(Rule.SETTINGS, "category_off")
SETTINGS_UNKNOWN_PERSON: Final[Outcome] = _outcome(Rule.SETTINGS, "unknown_person")

QUOTA_OK: Final[Outcome] = _outcome(Rule.QUOTA, "ok", ok=True)
QUOTA_EXCEEDED: Final[Outcome] = _outcome(Rule.QUOTA, "exceeded")
QUOTA_UNCHECKED: Final[Outcome] = _outcome(Rule.QUOTA, "unchecked", fails=False)

#: The code of a decision that could not be evaluated: always a deny.
ENGINE_ERROR: Final = "engine.error"
#: The data API's own check, before the engine: the access token does not carry the scope.
TOKEN_NOT_COVERED: Final = "token.not_covered"  # noqa: S105 - a reason code, not a secret
#: Counted when obligations drop or redact another person's data (DESIGN.md rule 4).
THIRD_PARTY_FILTERED: Final = "third_party.filtered"

#: Every rule outcome by code.
OUTCOMES: Final[dict[str, Outcome]] = {
    o.code: o for o in list(globals().values()) if isinstance(o, Outcome)
}

#: Every documented code, rule outcomes and the others.
CODES: Final = frozenset(OUTCOMES) | {ENGINE_ERROR, TOKEN_NOT_COVERED, THIRD_PARTY_FILTERED}
