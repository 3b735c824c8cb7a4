"""The in-memory index every decision is made from.

The index holds, per partner, its status and the capabilities of every agreement version with
their validity windows; per (partner, person), the person's grants; per person, their privacy
settings as a small bit mask; and the registered purposes. It is built in bulk from plain rows
(see :mod:`consentgate.store.policy_source`) and kept coherent by replacing one key at a time
(``put_*``), each replacement a single dictionary assignment, so a decision running at the same
time sees either the old or the new state of that key, never a half-built one.

Times are POSIX seconds (floats) here: the hot path compares floats, not datetimes.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from consentgate.domain.agreements import Agreement
from consentgate.domain.people import PrivacySettings
from consentgate.policy.entries import (
    CATEGORY_BITS,
    NEVER,
    SHARE,
    VIA_SHIFT,
    AgreementWindow,
    CapWindow,
    GrantEntry,
    GrantRow,
    PartnerEntry,
    Scope,
    need_own,
    need_via,
    settings_mask,
    ts,
)
from consentgate.policy.reach import Reach

__all__ = [
    "CATEGORY_BITS",
    "NEVER",
    "SHARE",
    "VIA_SHIFT",
    "AgreementWindow",
    "CapWindow",
    "DecisionIndex",
    "GrantEntry",
    "GrantRow",
    "PartnerEntry",
    "Scope",
    "SettingsRow",
    "need_own",
    "need_via",
    "settings_mask",
    "settings_masks",
    "ts",
]

#: A person's privacy settings as stored: (person id, share with partners, own categories,
#: categories shared through others).
SettingsRow = tuple[str, bool, Iterable[str], Iterable[str]]


@contextmanager
def _bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic entries are created.

    Index entries never form reference cycles, but each allocation burst would trigger full
    collections over a growing heap: pausing it halves the time of a million-person build.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class DecisionIndex:
    """Everything a decision needs, in structures built for a few dictionary lookups per check.

    Besides what decisions read (``partners``, ``grants``, ``settings``, ``purposes``), the index
    keeps what exposure queries need, so counting one partner's reach over a million people is
    a set union and intersection in C, not a Python loop:

    - ``allowed[c]``: the people whose master switch and ``c`` switch are on;
    - ``reach``: per partner and scope, the people with a grant active now (:class:`Reach`).
    """

    def __init__(self) -> None:
        self.partners: dict[str, PartnerEntry] = {}
        #: partner id → person id → that person's grants to that partner.
        self.grants: dict[str, dict[str, tuple[GrantEntry, ...]]] = {}
        #: person id → settings mask (see :func:`settings_mask`); a person not here does not exist.
        self.settings: dict[str, int] = {}
        self.purposes: frozenset[str] = frozenset()
        self.allowed: dict[str, set[str]] = {c: set() for c in CATEGORY_BITS}
        self.reach = Reach()
        self._scope_sets: dict[frozenset[Scope], frozenset[Scope]] = {}
        self._mask_cats: dict[int, tuple[str, ...]] = {}

    def _allowed_categories(self, mask: int) -> tuple[str, ...]:
        cats = self._mask_cats.get(mask)
        if cats is None:
            on = mask & SHARE
            cats = tuple(c for c, bit in CATEGORY_BITS.items() if on and mask & bit)
            self._mask_cats[mask] = cats
        return cats

    # -- bulk loading -------------------------------------------------------------------------

    def load_settings(self, rows: Iterable[tuple[str, int]]) -> None:
        """Add (person id, settings mask) rows of people not indexed yet; see :func:`settings_mask`."""
        settings = self.settings
        adders = {c: s.add for c, s in self.allowed.items()}
        cats_of = self._allowed_categories
        with _bulk():
            for person_id, mask in rows:
                settings[person_id] = mask
                for c in cats_of(mask):
                    adders[c](person_id)

    def load_grants(self, rows: Iterable[GrantRow]) -> int:
        """Add grants in bulk (no pair may already be indexed); returns how many were added."""
        grants = self.grants
        interned = self._scope_sets
        n = 0
        with _bulk():
            for row in rows:
                scopes = interned.setdefault(row.scopes, row.scopes)
                people = grants.get(row.partner_id)
                if people is None:
                    people = grants[row.partner_id] = {}
                entry = GrantEntry(row, scopes)
                pid = row.person_id
                prior = people.get(pid)
                people[pid] = (entry,) if prior is None else (*prior, entry)
                n += 1
        self.reach = Reach()  # built again on first use, or by ``prime``
        return n

    def prime(self, at: float) -> None:
        """Build the exposure structures as of ``at`` (after a bulk load; later, time advances)."""
        with _bulk():
            self.reach.prime(self.grants, at)

    # -- one key at a time (write-through and change feed) ------------------------------------

    def put_partner(self, partner_id: str, status: str, agreements: Iterable[Agreement]) -> None:
        """Replace a partner's status and agreements (after registration, signing, ending, suspension)."""
        people = self.grants.setdefault(partner_id, {})
        self.partners[partner_id] = PartnerEntry(partner_id, status, agreements, people)

    def remove_partner(self, partner_id: str) -> None:
        """Forget a partner: every later decision for it is ``partner.unknown``."""
        self.partners.pop(partner_id, None)
        self.grants.pop(partner_id, None)
        self.reach.forget_partner(partner_id)

    def set_mask(self, person_id: str, mask: int) -> None:
        """Replace one person's settings mask (see :func:`settings_mask`)."""
        old = self.settings.get(person_id)
        self.settings[person_id] = mask
        before = set(self._allowed_categories(old)) if old is not None else set()
        after = set(self._allowed_categories(mask))
        for c in after - before:
            self.allowed[c].add(person_id)
        for c in before - after:
            self.allowed[c].discard(person_id)

    def put_settings(self, settings: PrivacySettings) -> None:
        """Replace one person's settings."""
        self.set_mask(
            settings.person_id,
            settings_mask(
                settings.share_with_partners,
                [c.value for c in settings.categories],
                [c.value for c in settings.via_others],
            ),
        )

    def remove_person(self, person_id: str) -> None:
        """Forget a person: their settings and every grant they gave."""
        self.settings.pop(person_id, None)
        for allowed in self.allowed.values():
            allowed.discard(person_id)
        for partner_id, people in self.grants.items():
            if people.pop(person_id, None) is not None:
                self.reach.refresh(self.grants, partner_id, person_id)

    def put_grants(self, person_id: str, partner_id: str, rows: Iterable[GrantRow]) -> None:
        """Replace every grant ``person_id`` gave ``partner_id`` (after a grant, revocation, expiry)."""
        entries = tuple(
            GrantEntry(row, self._scope_sets.setdefault(row.scopes, row.scopes))
            for row in rows
            if row.person_id == person_id and row.partner_id == partner_id
        )
        people = self.grants.setdefault(partner_id, {})
        if entries:
            people[person_id] = entries
        else:
            people.pop(person_id, None)
        self.reach.refresh(self.grants, partner_id, person_id)

    def put_purposes(self, purpose_ids: Iterable[str]) -> None:
        """Replace the set of registered purposes."""
        self.purposes = frozenset(purpose_ids)

    # -- reads ---------------------------------------------------------------------------------

    def grants_of(self, person_id: str, partner_id: str) -> tuple[GrantEntry, ...]:
        """The grants ``person_id`` gave ``partner_id`` (empty if none)."""
        return self.grants.get(partner_id, {}).get(person_id, ())

    def allows_via_others(self, person_id: str, category: str) -> bool:
        """Whether ``person_id``'s part of someone else's ``category`` data may reach a partner."""
        need = need_via(category)
        return self.settings.get(person_id, 0) & need == need


def settings_masks(rows: Iterable[SettingsRow]) -> Iterator[tuple[str, int]]:
    """(person id, settings mask) for stored settings rows: the index's encoding (see
    :func:`settings_mask`), computed here so that the store hands over plain values only."""
    for person_id, share, own, via in rows:
        yield person_id, settings_mask(share, own, via)
