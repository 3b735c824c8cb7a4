"""What a change of privacy settings would do, decided by the real engine before it is saved.

The privacy center shows the effect of new settings before the person saves them (GOV.UK's
"check your answers"): which partners they allowed would lose (or regain) their data, and in how
many partners' views of their friends' data they would be left out (or let in). Both halves are
decided by the same :class:`~consentgate.policy.engine.Engine` that decides the partners'
requests, from the live decision index, so the preview cannot disagree with what happens next:

- own data: every scope of the person's working grants is decided twice, once on the live index
  and once on a view of it in which only this person's settings are the proposed ones;
- friends' grants: for each person who shares a friend list, a thread or an event with this
  person, every grant of theirs that the engine allows right now to read that category is a
  partner that sees this person there, included or filtered by exactly the switch the data API
  applies (:meth:`DecisionIndex.allows_via_others`).

Nothing is counted against quotas (``consume=False``) and nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from consentgate.domain import Category, DataSource, PrivacySettings, people_in
from consentgate.errors import Unavailable
from consentgate.policy import DecisionIndex, DecisionRequest, Engine
from consentgate.policy.index import GrantEntry, settings_mask

#: Categories whose records are shared between the people in them: if a friend's list, thread
#: or event holds this person, this person's own records of that category hold the friend.
SHARED_CATEGORIES = (Category.FRIENDS, Category.MESSAGES, Category.CALENDAR)
#: At most this many of the person's records per category are read to find the people in them.
_RECORDS = 500


@dataclass(frozen=True, slots=True)
class SettingsPreview:
    """The effect of proposed settings, per partner and category (partner ids, sorted)."""

    #: partner → categories of the person's own data it reads now and would not.
    lose: dict[str, tuple[str, ...]]
    #: partner → categories of own data it would read again.
    regain: dict[str, tuple[str, ...]]
    #: category → partners that see friends' data holding the person, who would be left out.
    left_out: dict[str, tuple[str, ...]]
    #: category → partners that see friends' data holding the person, who would be let in.
    let_in: dict[str, tuple[str, ...]]

    @property
    def unchanged(self) -> bool:
        return not (self.lose or self.regain or self.left_out or self.let_in)


def _with_mask(live: DecisionIndex, person_id: str, mask: int) -> DecisionIndex:
    """A view of ``live`` in which ``person_id``'s settings are ``mask``: the partners, grants and
    purposes are the live ones (shared, not copied), the settings only this one person's."""
    view = DecisionIndex()
    view.partners = live.partners
    view.grants = live.grants
    view.purposes = live.purposes
    view.settings = {person_id: mask}
    return view


def _grouped(pairs: set[tuple[str, str]]) -> dict[str, tuple[str, ...]]:
    out: dict[str, set[str]] = defaultdict(set)
    for key, value in pairs:
        out[key].add(value)
    return {k: tuple(sorted(v)) for k, v in sorted(out.items())}


def people_around(source: DataSource, person_id: str) -> dict[str, set[str]]:
    """Category → the people whose data of that category holds ``person_id`` (read from the
    person's own records of the shared categories)."""
    found: dict[str, set[str]] = {}
    for category in SHARED_CATEGORIES:
        records = source.fetch(person_id, category, limit=_RECORDS)
        found[category.value] = people_in(records)
    return found


def preview_settings(
    live: DecisionIndex,
    engine: Engine,
    *,
    current: bool,
    person_id: str,
    proposed: PrivacySettings,
    around: dict[str, set[str]],
    now: datetime,
) -> SettingsPreview:
    """Decide what ``proposed`` would change for ``person_id`` at ``now``.

    ``engine`` is the live engine over ``live``; ``current`` whether its index may be trusted
    (a preview from a stale index could promise what the next decision does not keep).
    """
    if not current:
        raise Unavailable("decisions are catching up; try the preview again in a moment")
    at = now.timestamp()
    mask = settings_mask(
        proposed.share_with_partners,
        [c.value for c in proposed.categories],
        [c.value for c in proposed.via_others],
    )
    view = _with_mask(live, person_id, mask)
    after = Engine(view, engine.quotas)
    lose: set[tuple[str, str]] = set()
    regain: set[tuple[str, str]] = set()
    for partner_id, people in live.grants.items():
        for grant in people.get(person_id, ()):
            if not grant.start <= at < grant.end:
                continue
            for category, action, purpose in grant.scopes:
                request = DecisionRequest(partner_id, person_id, category, action, purpose)
                was = engine.decide_at(request, at, False).allowed
                will = after.decide_at(request, at, False).allowed
                if was and not will:
                    lose.add((partner_id, category))
                elif will and not was:
                    regain.add((partner_id, category))
    lose_pairs = lose - regain  # a category still read for another purpose is not lost
    left_out: set[tuple[str, str]] = set()
    let_in: set[tuple[str, str]] = set()
    for category, friends in around.items():
        was = live.allows_via_others(person_id, category)
        will = view.allows_via_others(person_id, category)
        if was == will:
            continue
        for partner_id in _partners_reading(live, engine, friends, category, at):
            (left_out if was else let_in).add((category, partner_id))
    return SettingsPreview(
        lose=_grouped(lose_pairs),
        regain=_grouped(regain - lose),
        left_out=_grouped(left_out),
        let_in=_grouped(let_in),
    )


def _partners_reading(
    live: DecisionIndex, engine: Engine, friends: set[str], category: str, at: float
) -> set[str]:
    """The partners the engine lets read ``category`` of at least one of ``friends`` now."""
    found: set[str] = set()
    for partner_id, people in live.grants.items():
        if partner_id in found:
            continue
        for friend in friends:
            if _reads(engine, partner_id, friend, people.get(friend, ()), category, at):
                found.add(partner_id)
                break
    return found


def _reads(
    engine: Engine,
    partner_id: str,
    friend: str,
    grants: tuple[GrantEntry, ...],
    category: str,
    at: float,
) -> bool:
    for grant in grants:
        if not grant.start <= at < grant.end:
            continue
        for scope in grant.scopes:
            if scope[0] == category and scope[1] == "read":
                request = DecisionRequest(partner_id, friend, category, "read", scope[2])
                if engine.decide_at(request, at, False).allowed:
                    return True
    return False
