"""The 2010–2018 story as data: who the partners were, what they signed, and what they asked for.

This module only describes the story (plain, frozen data, deterministic for a seed); the replay
(:mod:`consentgate.demo.replay`) sends every request in it through consentgate. The facts it is
built from (README, "Demo people"; DESIGN.md, "What it is"):

- about 150 partners with deals from 2010 still in use in 2017;
- a music streamer, a video streamer and a bank reading and writing private messages;
- a device maker reading contacts and calendars of people who had switched sharing off;
- an online retailer getting names and contact details from friends;
- a search engine collecting friends' names;
- partners saying they used the data only for "specific features".

The 2017 platform answered every one of these requests with everything the person had in the
category: that is the "2017" column of the replay. Each partner's :class:`Term` list is what it
signed (every agreement ends, at most three years each); its :class:`Ask` list is what it kept
asking for, whatever it had signed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from consentgate.demo.partners import BIG_PARTNERS, PURPOSES, DemoPartner, PartnerProfile
from consentgate.domain import Action, Capability, Category, RecordScope
from consentgate.domain.records import FIELDS

R, W = Action.READ, Action.WRITE
#: The replay's clock runs from here (inclusive) …
START = datetime(2010, 1, 1, 12, 0, tzinfo=UTC)
#: … to here (exclusive), one tick a month.
END = datetime(2019, 1, 1, 12, 0, tzinfo=UTC)
#: Re-consent: a grant asked for on the consent screen lasts a year (the most a grant may last).
GRANT_DAYS = 366


def at(year: int, month: int = 1, day: int = 1) -> datetime:
    return datetime(year, month, day, 12, 0, tzinfo=UTC)


def months() -> list[datetime]:
    """The ticks of the replay's clock: the first of every month from :data:`START` to :data:`END`."""
    ticks = []
    year, month = START.year, START.month
    while at(year, month) < END:
        ticks.append(at(year, month))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return ticks


@dataclass(frozen=True)
class Term:
    """One agreement version: signed at ``start``, valid until ``until``, or ended early at ``ended``."""

    start: datetime
    until: datetime
    ended: datetime | None = None


@dataclass(frozen=True)
class Ask:
    """One kind of request a partner made of the 2017 platform.

    ``whose`` is ``"user"`` (its app user's own data, through the user's session) or ``"friend"``
    (a friend of its app user who never used the partner's app).
    """

    category: Category
    action: Action
    purpose: str
    whose: str = "user"


@dataclass(frozen=True)
class StoryPartner(PartnerProfile):
    """A partner of the story: what it signed, what it asked for, and how many people used it."""

    terms: tuple[Term, ...]
    asks: tuple[Ask, ...]
    #: Share of the people who used its app (its users; the others only appear as their friends).
    reach: float
    #: What the story says this partner did.
    story: str
    #: Suspended in consentgate when its agreement was ended early.
    suspended: datetime | None = None
    #: One of the six partners the story names (the others are the ~150 smaller ones).
    named: bool = True
    #: Says it uses the data only for a specific feature (signing in): it certifies only that.
    feature_only: bool = False


def _terms(first: int, count: int, ended: datetime | None = None) -> tuple[Term, ...]:
    """``count`` consecutive three-year versions from January ``first``; the last one possibly
    ended early at ``ended``."""
    found = [Term(at(first + 3 * k), at(first + 3 * (k + 1))) for k in range(count)]
    if ended is not None:
        found[-1] = Term(found[-1].start, found[-1].until, ended)
    return tuple(found)


def _named(partner_id: str) -> DemoPartner:
    return next(p for p in BIG_PARTNERS if p.id == partner_id)


def _story_partner(
    partner_id: str,
    terms: tuple[Term, ...],
    asks: tuple[Ask, ...],
    reach: float,
    story: str,
    suspended: datetime | None = None,
) -> StoryPartner:
    demo = _named(partner_id)
    return StoryPartner(
        demo.id, demo.name, demo.kind, demo.capabilities, terms, asks, reach, story, suspended
    )


def _private_messages(purpose: str) -> tuple[Ask, Ask]:
    """What the music streamer, the video streamer and the bank asked for: their users' private
    messages, all of them, to read and to write."""
    return Ask(Category.MESSAGES, R, purpose), Ask(Category.MESSAGES, W, purpose)


#: The six partners the story names, with the capabilities of the demo's agreements
#: (:data:`consentgate.demo.partners.BIG_PARTNERS`).
NAMED = (
    _story_partner(
        "tunes",
        _terms(2010, 3),
        (
            *_private_messages("music.share"),
            Ask(Category.FRIENDS, R, "music.share"),
        ),
        0.15,
        "read and wrote its users' private messages, all of them, to share songs",
    ),
    _story_partner(
        "reelview",
        _terms(2011, 2, ended=at(2015, 7)),
        (*_private_messages("video.watch_party"),),
        0.10,
        "read and wrote private messages; its feature was shut down in 2015, its access was not",
    ),
    _story_partner(
        "northbank",
        _terms(2013, 2),
        (
            *_private_messages("bank.payments"),
            Ask(Category.PROFILE, R, "bank.payments"),
        ),
        0.08,
        "read and wrote private messages to send money in conversations",
    ),
    _story_partner(
        "handset",
        _terms(2010, 3),
        (
            Ask(Category.CONTACTS, R, "device.sync"),
            Ask(Category.CALENDAR, R, "device.sync"),
            Ask(Category.PROFILE, R, "device.sync", whose="friend"),
        ),
        0.20,
        "read contacts and calendars, also of people who had switched sharing off, and friends' profiles",
    ),
    _story_partner(
        "shopmart",
        _terms(2012, 3),
        (
            Ask(Category.FRIENDS, R, "retail.recommendations"),
            Ask(Category.CONTACTS, R, "retail.recommendations", whose="friend"),
        ),
        0.12,
        "got the names and contact details of its users' friends",
    ),
    _story_partner(
        "findit",
        _terms(2010, 2, ended=at(2014, 7)),
        (Ask(Category.FRIENDS, R, "search.social"),),
        0.15,
        "collected friends' names for its search results, long after its deal ended",
        suspended=at(2014, 7),
    ),
)


def _small_capability(category: Category, purpose: str) -> Capability:
    fields = {"id", "display_name"} if category is Category.PROFILE else {"id", "friend_id"}
    return Capability(category, R, purpose, frozenset(fields), RecordScope.ALL)


def small_partners(rng: random.Random, count: int = 150) -> list[StoryPartner]:
    """``count`` smaller partners, each with a deal signed between 2010 and 2012.

    About a third renewed it (once or twice); the rest kept asking after it expired. About a third
    said they used the data only for a specific feature (signing in), and asked for it to target
    ads as well.
    """
    found = []
    for n in range(1, count + 1):
        purpose = "app.login"
        caps = [_small_capability(Category.PROFILE, purpose)]
        asks = [Ask(Category.PROFILE, R, purpose)]
        if rng.random() < 0.4:
            caps.append(_small_capability(Category.FRIENDS, purpose))
            asks.append(Ask(Category.FRIENDS, R, purpose))
        feature_only = rng.random() < 0.35
        if feature_only:
            asks.append(Ask(Category.FRIENDS, R, "ads.targeting"))
        first = rng.randint(2010, 2012)
        renewals = rng.choice([0, 0, 1, 2])
        found.append(
            StoryPartner(
                f"partner-{n:03d}",
                f"Partner {n:03d}",
                rng.choice(["game studio", "quiz app", "news app", "travel site", "dating app"]),
                tuple(caps),
                _terms(first, 1 + renewals),
                tuple(asks),
                0.01,
                "said it used the data only for a specific feature (signing in)"
                if feature_only
                else f"a {first} deal, {'renewed' if renewals else 'never renewed'}",
                named=False,
                feature_only=feature_only,
            )
        )
    return found


def partners(seed: int, small: int = 150) -> list[StoryPartner]:
    """The six named partners and ``small`` smaller ones (deterministic for ``seed``)."""
    return [*NAMED, *small_partners(random.Random(f"{seed}/replay/partners"), small)]


def purposes() -> list[tuple[str, str, str]]:
    """The purposes the story's agreements name: (id, description, data use)."""
    return list(PURPOSES)


def all_fields(category: Category) -> frozenset[str]:
    """Every field of ``category``: what the 2017 platform handed out."""
    return FIELDS[category]


def span_days(first: datetime, last: datetime) -> int:
    return max(0, (last - first) // timedelta(days=1))
