"""Exposure: what auditors and people ask of the index (DESIGN.md, "Who uses it").

- :func:`person_exposure`: which partners can access a person's data right now, and how (the
  agreement version and the grant behind each scope);
- :func:`partner_exposure_count` / :func:`partner_exposure_page`: how many, and which, people's
  category C partner P can access right now. Pages are explicit (``total`` is always the full
  count, ``has_more`` says whether to ask again): a list is never silently truncated.

"Can access" means exactly what :class:`~consentgate.policy.engine.Engine` would allow at that
time for some (action, purpose) — partner active, an agreement version in force covering the
scope, an unrevoked unexpired grant covering it, master and category switches on — except the
quota, which limits how often, not whether.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from consentgate.policy.index import CATEGORY_BITS, NEVER, SHARE, DecisionIndex, Scope


@dataclass(frozen=True, slots=True)
class Access:
    """One way a partner can reach a person's data now: a scope, the agreement and the grant."""

    partner_id: str
    category: str
    action: str
    purpose: str
    agreement_id: str
    agreement_version: int
    grant_id: str
    #: POSIX seconds: when the grant stops, and when the agreement version stops.
    grant_until: float
    agreement_until: float


@dataclass(frozen=True, slots=True)
class ExposurePage:
    """One page of the people whose category a partner can access now."""

    partner_id: str
    category: str
    total: int
    page: int
    limit: int
    person_ids: tuple[str, ...]

    @property
    def has_more(self) -> bool:
        return self.page * self.limit < self.total


def person_exposure(
    index: DecisionIndex, person_id: str, at: float, category: str | None = None
) -> tuple[Access, ...]:
    """Every (partner, scope) through which ``person_id``'s data (of ``category``) is reachable."""
    mask = index.settings.get(person_id, 0)
    found: list[Access] = []
    for partner_id, people in index.grants.items():
        grants = people.get(person_id)
        partner = index.partners.get(partner_id)
        if not grants or partner is None or not partner.active:
            continue
        for g in grants:
            if not g.start <= at < g.end:
                continue
            for scope in sorted(g.scopes):
                if category is not None and scope[0] != category:
                    continue
                bit = CATEGORY_BITS.get(scope[0], NEVER)
                if mask & (SHARE | bit) != SHARE | bit or scope[2] not in index.purposes:
                    continue
                cap = partner.capability_at(scope, at)
                if cap is None:
                    continue
                found.append(
                    Access(
                        partner_id,
                        *scope,
                        agreement_id=cap.agreement_id,
                        agreement_version=cap.version,
                        grant_id=g.grant_id,
                        grant_until=g.end,
                        agreement_until=cap.end,
                    )
                )
    found.sort(key=lambda a: (a.partner_id, a.category, a.action, a.purpose, a.grant_id))
    return tuple(found)


def _covered_scopes(
    index: DecisionIndex, partner_id: str, category: str, at: float
) -> frozenset[Scope]:
    partner = index.partners.get(partner_id)
    if partner is None or not partner.active:
        return frozenset()
    return frozenset(
        s for s in partner.scopes_at(at) if s[0] == category and s[2] in index.purposes
    )


def _scan(
    index: DecisionIndex, partner_id: str, category: str, at: float, scopes: frozenset[Scope]
) -> Iterator[str]:
    """The people reachable at ``at``, by walking every grant (for times before ``reach.at``)."""
    need = SHARE | CATEGORY_BITS.get(category, NEVER)
    settings = index.settings.get
    for person_id, grants in index.grants.get(partner_id, {}).items():
        if settings(person_id, 0) & need == need:
            for g in grants:
                if g.start <= at < g.end and not scopes.isdisjoint(g.scopes):
                    yield person_id
                    break


def _exposed(index: DecisionIndex, partner_id: str, category: str, at: float) -> set[str]:
    """The ids of the people whose ``category`` ``partner_id`` can access at ``at``."""
    scopes = _covered_scopes(index, partner_id, category, at)
    allowed = index.allowed.get(category)
    if not scopes or allowed is None:
        return set()
    reach = index.reach
    with reach.lock:
        if not reach.primed:
            index.prime(at)
        if reach.advance(index.grants, at):
            # People with an active covering grant, and whose switches are on: in C.
            return reach.people(partner_id, scopes) & allowed
    return set(_scan(index, partner_id, category, at, scopes))


def partner_exposure_count(index: DecisionIndex, partner_id: str, category: str, at: float) -> int:
    """How many people's ``category`` data ``partner_id`` can access at ``at``."""
    scopes = _covered_scopes(index, partner_id, category, at)
    allowed = index.allowed.get(category)
    if not scopes or allowed is None:
        return 0
    reach = index.reach
    with reach.lock:
        if not reach.primed:
            index.prime(at)
        if reach.advance(index.grants, at):
            people = reach.people(partner_id, scopes)
            # Those whose switches are off are the fewer: counting them builds the smaller set.
            return len(people) - len(people - allowed)
    return sum(1 for _ in _scan(index, partner_id, category, at, scopes))


def partner_exposure_page(
    index: DecisionIndex, partner_id: str, category: str, at: float, page: int, limit: int
) -> ExposurePage:
    """Page ``page`` (from 1) of ``limit`` people, sorted by id, with the full ``total``."""
    people = sorted(_exposed(index, partner_id, category, at))
    start = (page - 1) * limit
    return ExposurePage(
        partner_id, category, len(people), page, limit, tuple(people[start : start + limit])
    )


def partner_grantees(index: DecisionIndex, partner_id: str, at: float) -> int:
    """How many people hold a grant to ``partner_id`` active at ``at`` (whatever their switches
    and the partner's agreements say: what the partner was given, not what it can use)."""
    reach = index.reach
    with reach.lock:
        if not reach.primed:
            index.prime(at)
        if reach.advance(index.grants, at):
            return len(reach.holders.get(partner_id, ()))
    return sum(
        1
        for grants in index.grants.get(partner_id, {}).values()
        if any(g.start <= at < g.end for g in grants)
    )
