"""The demo's partners: the six from the seed story, and about 150 smaller ones.

Each big partner has a history of agreement versions back to 2010. Every version ends (at most
three years each), so a deal from 2010 is long over; the current version covers only what the
partner's feature needs.
"""

from __future__ import annotations

import random
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from datetime import datetime, timedelta

from consentgate.domain import Action, Capability, Category, RecordScope
from consentgate.domain.records import FIELDS

R, W = Action.READ, Action.WRITE

#: (id, description shown to people, data use)
PURPOSES = [
    ("music.share", "Share a song with a friend in a message", "essential.service"),
    ("video.watch_party", "Invite friends to watch a video together", "essential.service"),
    ("bank.payments", "Send and request money in a conversation", "finance"),
    ("device.sync", "Show your contacts, calendar and friends on your phone", "essential.service"),
    ("retail.recommendations", "Recommend products your friends liked", "personalize"),
    ("search.social", "Show friends' public profiles in search results", "personalize.content"),
    ("ads.targeting", "Choose which ads you see", "marketing.advertising"),
    ("analytics.usage", "Measure how the partner's app is used", "analytics.reporting"),
    ("app.login", "Sign in to the partner's app with your account", "essential.service"),
]


def _cap(
    category: Category,
    action: Action,
    purpose: str,
    fields: AbstractSet[str] | None = None,
    scope: RecordScope = RecordScope.ALL,
    quota: tuple[int, int] | None = None,
) -> Capability:
    from consentgate.domain import Quota

    return Capability(
        category,
        action,
        purpose,
        frozenset(fields or FIELDS[category]),
        scope,
        Quota(*quota) if quota else None,
    )


@dataclass(frozen=True)
class PartnerProfile:
    """Who a partner is and what its current agreement lets it do: what the seeded demo and the
    replayed story both say of each partner."""

    id: str
    name: str
    kind: str
    capabilities: tuple[Capability, ...]


@dataclass(frozen=True)
class DemoPartner(PartnerProfile):
    """A partner of the seeded demo, with the history of its agreement versions."""

    #: Years (from 2010) in which agreement versions were signed; the last one is current.
    since: int
    #: The current agreement was ended early (the partner is then also suspended).
    ended: bool = False
    #: When the current version was signed, and when it ends, in days from the seed's date.
    current_signed_days_ago: int = 300
    current_ends_in_days: int = 700


#: The message fields a partner posting into conversations is agreed to see.
MESSAGE_FIELDS = frozenset({"id", "thread_id", "body", "sent_at"})


def _posts_in_conversations(purpose: str) -> tuple[Capability, Capability]:
    """A feature that posts into people's conversations: it writes messages and reads back only
    the ones it wrote."""
    return (
        _cap(Category.MESSAGES, R, purpose, MESSAGE_FIELDS, RecordScope.CREATED_BY_PARTNER),
        _cap(Category.MESSAGES, W, purpose, MESSAGE_FIELDS),
    )


BIG_PARTNERS = [
    DemoPartner(
        "tunes",
        "Tunes Music",
        "music streamer",
        (
            *_posts_in_conversations("music.share"),
            _cap(Category.FRIENDS, R, "music.share", {"id", "friend_id", "display_name"}),
        ),
        since=2010,
    ),
    DemoPartner(
        "reelview",
        "ReelView",
        "video streamer",
        (*_posts_in_conversations("video.watch_party"),),
        since=2011,
    ),
    DemoPartner(
        "northbank",
        "North Bank",
        "bank",
        (
            _cap(
                Category.MESSAGES,
                R,
                "bank.payments",
                MESSAGE_FIELDS,
                RecordScope.SINCE_GRANT,
                (1000, 86400),
            ),
            _cap(Category.PROFILE, R, "bank.payments", {"id", "display_name"}),
        ),
        since=2013,
    ),
    DemoPartner(
        "handset",
        "Handset Devices",
        "device maker",
        (
            _cap(Category.CONTACTS, R, "device.sync"),
            _cap(Category.CALENDAR, R, "device.sync"),
            _cap(Category.FRIENDS, R, "device.sync"),
            _cap(Category.PROFILE, R, "device.sync"),
        ),
        since=2010,
    ),
    DemoPartner(
        "shopmart",
        "ShopMart",
        "online retailer",
        (
            _cap(Category.PROFILE, R, "retail.recommendations", {"id", "display_name", "city"}),
            _cap(Category.FRIENDS, R, "retail.recommendations", {"id", "friend_id"}),
        ),
        since=2012,
    ),
    DemoPartner(
        "findit",
        "FindIt Search",
        "search engine",
        (_cap(Category.FRIENDS, R, "search.social", {"id", "friend_id", "display_name"}),),
        since=2010,
        ended=True,
    ),
]

_SMALL_KINDS = [
    "game studio",
    "fitness app",
    "dating app",
    "travel site",
    "news app",
    "photo printer",
    "quiz app",
    "ride sharing",
    "food delivery",
    "event tickets",
]
_SMALL_PURPOSES = ["app.login", "analytics.usage", "ads.targeting", "retail.recommendations"]


def small_partners(rng: random.Random, count: int = 150) -> list[DemoPartner]:
    """``count`` smaller partners, each with one or two narrow capabilities."""
    found = []
    for n in range(1, count + 1):
        purpose = rng.choice(_SMALL_PURPOSES)
        caps = [_cap(Category.PROFILE, R, purpose, {"id", "display_name"})]
        if rng.random() < 0.4:
            caps.append(_cap(Category.FRIENDS, R, purpose, {"id", "friend_id"}))
        found.append(
            DemoPartner(
                f"partner-{n:03d}",
                f"Partner {n:03d}",
                rng.choice(_SMALL_KINDS),
                tuple(caps),
                since=rng.randint(2010, 2025),
                ended=rng.random() < 0.15,
            )
        )
    return found


def agreement_terms(partner: DemoPartner, as_of: datetime) -> list[tuple[datetime, datetime]]:
    """(valid_from, valid_until) of each version: three-year terms from ``since``, the last current."""
    start = as_of.replace(
        year=partner.since, month=1, day=1, hour=0, minute=0, second=0, microsecond=0
    )
    current_start = as_of - timedelta(days=partner.current_signed_days_ago)
    terms = []
    while start + timedelta(days=3 * 365) < current_start:
        terms.append((start, start + timedelta(days=3 * 365)))
        start += timedelta(days=3 * 365)
    terms.append((current_start, as_of + timedelta(days=partner.current_ends_in_days)))
    return terms
