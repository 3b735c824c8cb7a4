"""The entries of the decision index: partners with their agreement windows, grants, settings masks.

Split from :mod:`consentgate.policy.index` so each file reads in one sitting; see there for the
index as a whole: what it holds, how it is built from rows and how it stays coherent while
decisions read it.

Times are POSIX seconds (floats) here: the hot path compares floats, not datetimes.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from math import inf
from typing import Final, NamedTuple

from consentgate.domain.agreements import Agreement, Quota, RecordScope
from consentgate.domain.categories import Action, Category
from consentgate.domain.grants import Grant, usable_until
from consentgate.domain.partners import PartnerStatus
from consentgate.policy import reasons as r
from consentgate.policy.decision import Decision

#: (category, action, purpose), all plain strings: the key of capabilities and grant scopes.
Scope = tuple[str, str, str]

#: Bit of the master switch in a settings mask.
SHARE: Final = 1
#: Bit of each category's own-data switch; the via-others switch is the same bit shifted by 8.
CATEGORY_BITS: Final[Mapping[str, int]] = {c.value: 1 << (i + 1) for i, c in enumerate(Category)}
VIA_SHIFT: Final = 8
#: A bit no settings mask ever has: the "need" of an unknown category, so it is always denied.
NEVER: Final = 1 << 30

_STATUS: Final = {
    PartnerStatus.ACTIVE.value: r.PARTNER_ACTIVE,
    PartnerStatus.SUSPENDED.value: r.PARTNER_SUSPENDED,
    PartnerStatus.TERMINATED.value: r.PARTNER_TERMINATED,
}


def settings_mask(share: bool, own: Iterable[str], via: Iterable[str]) -> int:
    """The bit mask of one person's settings. Unknown category names are ignored (never set)."""
    mask = SHARE if share else 0
    for c in own:
        mask |= CATEGORY_BITS.get(str(c), 0)
    for c in via:
        mask |= CATEGORY_BITS.get(str(c), 0) << VIA_SHIFT
    return mask


def need_own(category: str) -> int:
    """The bits a settings mask must have for the person's own ``category`` data to be shared."""
    return SHARE | CATEGORY_BITS.get(category, NEVER)


def need_via(category: str) -> int:
    """The bits a mask must have for the person's part of someone else's ``category`` data."""
    return SHARE | (CATEGORY_BITS.get(category, NEVER) << VIA_SHIFT)


@dataclass(slots=True, eq=False)
class CapWindow:
    """One capability of one agreement version, with the window in which that version is in force."""

    agreement_id: str
    version: int
    start: float
    end: float
    ended_early: bool
    scope: Scope
    fields: frozenset[str]
    record_scope: RecordScope
    quota: Quota | None


class AgreementWindow(NamedTuple):
    """When one agreement version is in force, and what it covers."""

    agreement_id: str
    version: int
    start: float
    end: float
    ended_early: bool
    scopes: frozenset[Scope]


@dataclass(slots=True, eq=False)
class AgreementMemo:
    """The agreement side of a decision for one scope over ``[start, end)``, where it cannot change.

    ``cap`` is the capability in force (or None) and ``other_purpose`` whether the versions in
    force cover the category and action only for other purposes.
    """

    start: float
    end: float
    outcome: r.Outcome
    cap: CapWindow | None
    other_purpose: bool


_KNOWN_ACTIONS: Final = frozenset(a.value for a in Action)


class PartnerEntry:
    """A partner's status and every capability of every agreement version it signed."""

    __slots__ = (
        "active",
        "breakpoints",
        "caps",
        "memo",
        "partner_id",
        "people",
        "status",
        "windows",
    )

    def __init__(
        self,
        partner_id: str,
        status: str,
        agreements: Iterable[Agreement],
        people: dict[str, tuple[GrantEntry, ...]] | None = None,
    ) -> None:
        self.partner_id = partner_id
        #: person id → grants to this partner: the very dict ``DecisionIndex.grants[partner_id]``.
        self.people: dict[str, tuple[GrantEntry, ...]] = people if people is not None else {}
        self.status: r.Outcome = _STATUS.get(str(status), r.PARTNER_UNKNOWN)
        self.active = self.status is r.PARTNER_ACTIVE
        caps: dict[Scope, list[CapWindow]] = {}
        windows: list[AgreementWindow] = []
        for a in agreements:
            if a.partner_id != partner_id:
                continue  # never let one partner's agreement cover another
            start, end = a.valid_from.timestamp(), a.end.timestamp()
            early = a.ended_at is not None and a.ended_at < a.valid_until
            scopes: set[Scope] = set()
            for c in a.capabilities:
                scope = (str(c.category), str(c.action), c.purpose)
                scopes.add(scope)
                caps.setdefault(scope, []).append(
                    CapWindow(a.id, a.version, start, end, early, scope, c.fields, c.scope, c.quota)
                )
            windows.append(AgreementWindow(a.id, a.version, start, end, early, frozenset(scopes)))
        # Newest version first: when two versions overlap, the newer one's limits apply.
        self.caps: dict[Scope, tuple[CapWindow, ...]] = {
            k: tuple(sorted(v, key=lambda w: -w.version)) for k, v in caps.items()
        }
        self.windows: tuple[AgreementWindow, ...] = tuple(sorted(windows, key=lambda w: -w.version))
        #: Every time at which some version starts or stops being in force, ascending.
        self.breakpoints: tuple[float, ...] = tuple(
            sorted({t for w in windows for t in (w.start, w.end)})
        )
        #: Agreement outcomes per scope, each valid between two breakpoints (filled lazily).
        self.memo: dict[Scope, AgreementMemo] = {}

    def agreement_at(self, scope: Scope, at: float) -> AgreementMemo:
        """The agreement side of a decision on ``scope`` at ``at``, memoized while it holds."""
        memo = self.memo.get(scope)
        if memo is not None and memo.start <= at < memo.end:
            return memo
        i = bisect_right(self.breakpoints, at)
        start = self.breakpoints[i - 1] if i > 0 else -inf
        end = self.breakpoints[i] if i < len(self.breakpoints) else inf
        cap = self.capability_at(scope, at)
        memo = AgreementMemo(
            start, end, self._outcome(scope, at, cap), cap, self._other_purpose(scope, at)
        )
        if scope[0] in CATEGORY_BITS and scope[1] in _KNOWN_ACTIONS and len(self.memo) < 4096:
            self.memo[scope] = memo  # bounded: junk scopes are never remembered
        return memo

    def _outcome(self, scope: Scope, at: float, cap: CapWindow | None) -> r.Outcome:
        if cap is not None:
            return r.AGREEMENT_IN_FORCE
        if not self.windows:
            return r.AGREEMENT_NONE
        if any(w.start <= at < w.end for w in self.windows):
            return r.AGREEMENT_NOT_COVERED
        covering = self.caps.get(scope, ())
        candidates = [(w.start, w.end, w.ended_early) for w in covering] or [
            (w.start, w.end, w.ended_early) for w in self.windows
        ]
        started = [c for c in candidates if c[0] <= at]
        if not started:
            return r.AGREEMENT_NOT_STARTED
        # The most recent one that already started says why nothing is in force now.
        _, _, early = max(started, key=lambda c: c[1])
        return r.AGREEMENT_ENDED if early else r.AGREEMENT_EXPIRED

    def _other_purpose(self, scope: Scope, at: float) -> bool:
        """Whether versions in force cover ``scope``'s category and action only for other purposes."""
        same = [s for s in self.scopes_at(at) if s[0] == scope[0] and s[1] == scope[1]]
        return bool(same) and scope not in same

    def capability_at(self, scope: Scope, at: float) -> CapWindow | None:
        """The capability in force at ``at`` for ``scope``, if any."""
        for w in self.caps.get(scope, ()):
            if w.start <= at < w.end:
                return w
        return None

    def scopes_at(self, at: float) -> frozenset[Scope]:
        """Every scope some agreement version in force at ``at`` covers."""
        found: set[Scope] = set()
        for w in self.windows:
            if w.start <= at < w.end:
                found |= w.scopes
        return frozenset(found)


class GrantRow(NamedTuple):
    """One grant as plain values, the form the store loads in bulk."""

    grant_id: str
    person_id: str
    partner_id: str
    client_id: str | None
    agreement_id: str
    issued_at: float
    expires_at: float
    revoked_at: float | None
    scopes: frozenset[Scope]
    #: Scopes that lapsed unused, each with when (POSIX seconds); not in ``scopes``.
    lapsed: tuple[tuple[Scope, float], ...] = ()

    @classmethod
    def of(cls, grant: Grant) -> GrantRow:
        """The row of a domain :class:`Grant`."""
        return cls(
            grant.id,
            grant.person_id,
            grant.partner_id,
            grant.client_id,
            grant.agreement_id,
            grant.issued_at.timestamp(),
            grant.expires_at.timestamp(),
            None if grant.revoked_at is None else grant.revoked_at.timestamp(),
            frozenset((str(s.category), str(s.action), s.purpose) for s in grant.scopes),
            tuple(
                ((str(s.category), str(s.action), s.purpose), at.timestamp())
                for s, at in grant.lapsed
            ),
        )


class GrantEntry:
    """One grant as the engine sees it: active from ``start`` until ``end``, the earlier of its
    revocation and its expiry (:func:`~consentgate.domain.grants.usable_until`, the one definition
    of an active grant)."""

    __slots__ = (
        "agreement_id",
        "allow",
        "client_id",
        "end",
        "expires",
        "grant_id",
        "lapsed",
        "partner_id",
        "person_id",
        "revoked",
        "scopes",
        "start",
    )

    def __init__(self, row: GrantRow, scopes: frozenset[Scope]) -> None:
        self.grant_id = row.grant_id
        self.person_id = row.person_id
        self.partner_id = row.partner_id
        self.client_id = row.client_id
        self.agreement_id = row.agreement_id
        self.scopes = scopes
        self.start = row.issued_at
        self.expires = row.expires_at
        self.revoked = row.revoked_at
        self.end = usable_until(row.expires_at, row.revoked_at)
        #: Lapsed scopes with when each lapsed (None when none did: the common case).
        self.lapsed: dict[Scope, float] | None = dict(row.lapsed) if row.lapsed else None
        #: Allowed decisions already built for this grant, per capability (filled by the engine).
        self.allow: dict[CapWindow, Decision] | None = None


def ts(moment: datetime) -> float:
    """POSIX seconds of an aware datetime."""
    return moment.timestamp()
