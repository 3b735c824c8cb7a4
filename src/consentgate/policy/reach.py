"""Reach: per partner and scope, the people with a grant active *now*, kept current as time moves.

Exposure queries ("how many people's messages can partner P read right now?") must not walk a
million grants. ``Reach`` keeps, for the time ``at`` it was last advanced to, the set of people
with an active grant covering each (partner, scope); a heap of future grant starts and ends says
when a person's membership changes, so advancing to a later time touches only the people whose
grants started or ended in between. Counting is then a set union and an intersection with the
people whose switches are on, both in C.

Time only moves forward here: a question about an earlier time than ``at`` is answered by a scan
(see :mod:`consentgate.policy.exposure`). Every method holds one lock: writers (``refresh``) and
readers (``advance`` + counting) never see a half-updated set.
"""

from __future__ import annotations

import threading
from heapq import heapify, heappop, heappush
from math import inf

from consentgate.policy.entries import GrantEntry, Scope

Grants = dict[str, dict[str, tuple[GrantEntry, ...]]]


class Reach:
    """The people each partner can reach through an active grant, per scope, at time ``at``."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        #: Everything is applied up to this time; ``-inf`` until :meth:`prime`.
        self.at = -inf
        #: partner id → scope → people with a grant covering the scope active at ``at``.
        self.live: dict[str, dict[Scope, set[str]]] = {}
        #: partner id → people with any grant active at ``at`` (the union of ``live``'s sets,
        #: kept as it changes so that counting it costs nothing).
        self.holders: dict[str, set[str]] = {}
        self._events: list[tuple[float, str, str]] = []  # (time, partner id, person id)

    @property
    def primed(self) -> bool:
        return self.at > -inf

    def prime(self, grants: Grants, at: float) -> None:
        """Build everything from ``grants`` as of ``at`` (after a bulk load)."""
        live: dict[str, dict[Scope, set[str]]] = {}
        holders: dict[str, set[str]] = {}
        events: list[tuple[float, str, str]] = []
        push = events.append
        for partner_id, people in grants.items():
            by_scope = live[partner_id] = {}
            holding = holders[partner_id] = set()
            for person_id, entries in people.items():
                for g in entries:
                    if g.start > at:
                        push((g.start, partner_id, person_id))
                    if g.end > at:
                        push((g.end, partner_id, person_id))
                        if g.start <= at:
                            holding.add(person_id)
                            for scope in g.scopes:
                                found = by_scope.get(scope)
                                if found is None:
                                    found = by_scope[scope] = set()
                                found.add(person_id)
        heapify(events)
        with self.lock:
            self.live, self.holders, self._events, self.at = live, holders, events, at

    def refresh(self, grants: Grants, partner_id: str, person_id: str) -> None:
        """Recompute one (partner, person) after their grants changed."""
        with self.lock:
            if not self.primed:
                return
            self._recompute(grants, partner_id, person_id)
            for g in grants.get(partner_id, {}).get(person_id, ()):
                if g.start > self.at:
                    heappush(self._events, (g.start, partner_id, person_id))
                if g.end > self.at:
                    heappush(self._events, (g.end, partner_id, person_id))

    def forget_partner(self, partner_id: str) -> None:
        with self.lock:
            self.live.pop(partner_id, None)
            self.holders.pop(partner_id, None)

    def advance(self, grants: Grants, at: float) -> bool:
        """Move to ``at`` (applying starts and ends on the way); ``False`` if ``at`` is earlier."""
        with self.lock:
            if not self.primed or at < self.at:
                return False
            events = self._events
            touched: set[tuple[str, str]] = set()
            while events and events[0][0] <= at:
                _, partner_id, person_id = heappop(events)
                touched.add((partner_id, person_id))
            self.at = at
            for partner_id, person_id in touched:
                self._recompute(grants, partner_id, person_id)
            return True

    def _recompute(self, grants: Grants, partner_id: str, person_id: str) -> None:
        at = self.at
        active: set[Scope] = set()
        for g in grants.get(partner_id, {}).get(person_id, ()):
            if g.start <= at < g.end:
                active |= g.scopes
        by_scope = self.live.setdefault(partner_id, {})
        holding = self.holders.setdefault(partner_id, set())
        if active:
            holding.add(person_id)
        else:
            holding.discard(person_id)
        for scope, people in by_scope.items():
            if scope in active:
                people.add(person_id)
            else:
                people.discard(person_id)
        for scope in active:
            if scope not in by_scope:
                by_scope[scope] = {person_id}

    def people(self, partner_id: str, scopes: frozenset[Scope]) -> set[str]:
        """The people with an active grant covering any of ``scopes`` (call under ``lock``)."""
        by_scope = self.live.get(partner_id, {})
        found = [by_scope[s] for s in scopes if s in by_scope]
        if len(found) == 1:
            return found[0]
        return set().union(*found)
