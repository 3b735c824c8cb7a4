"""Plain words for the privacy center: reason codes as sentences, categories, actions, why a grant
ended, and times ("3 days ago").

:data:`REASONS` is the one mapping from the stable reason codes (the table in ``policy/reasons.py``)
to sentences a person understands; the pages show the sentence and keep the code in small print. A test holds it to every documented code.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from consentgate.policy import reasons as r
from consentgate.services.privacy import EndReason

REASONS: Final[dict[str, str]] = {
    r.PARTNER_ACTIVE.code: "The partner is in good standing.",
    r.PARTNER_SUSPENDED.code: "The partner is suspended, so it gets nothing.",
    r.PARTNER_TERMINATED.code: "The partner's relationship with the platform has ended.",
    r.PARTNER_UNKNOWN.code: "This partner is not registered with the platform.",
    r.AGREEMENT_IN_FORCE.code: "The partner's agreement with the platform covers this.",
    r.AGREEMENT_NONE.code: "The partner never signed an agreement with the platform.",
    r.AGREEMENT_NOT_STARTED.code: "The partner's agreement has not started yet.",
    r.AGREEMENT_EXPIRED.code: "The partner's agreement with the platform has run out.",
    r.AGREEMENT_ENDED.code: "The partner's agreement with the platform was ended early.",
    r.AGREEMENT_NOT_COVERED.code: "The partner's agreement does not allow this.",
    r.GRANT_ACTIVE.code: "You allowed this partner to do this.",
    r.GRANT_MISSING.code: "You never allowed this partner anything.",
    r.GRANT_REVOKED.code: "You took back this partner's access.",
    r.GRANT_EXPIRED.code: "The access you gave this partner has run out.",
    r.GRANT_NOT_STARTED.code: "The access you gave this partner has not started yet.",
    r.GRANT_NOT_COVERED.code: "You did not allow this partner to do this.",
    r.GRANT_WRONG_CLIENT.code: "The partner used an app or key you did not give access to.",
    r.GRANT_SCOPE_LAPSED.code: "The partner did not use this for a long time, so its access to "
    "it ended by itself.",
    r.PURPOSE_OK.code: "The reason given is one you agreed to.",
    r.PURPOSE_UNKNOWN.code: "The partner gave a reason the platform does not know.",
    r.PURPOSE_MISMATCH.code: "The partner asked for a different reason than the one you agreed to.",
    r.SETTINGS_ALLOWED.code: "Your settings allow sharing this.",
    r.SETTINGS_SHARING_OFF.code: "You have switched off sharing with partners.",
    r.SETTINGS_CATEGORY_OFF.code: "You have switched off sharing this kind of data.",
    r.SETTINGS_UNKNOWN_PERSON.code: "The person asked about is not known.",
    r.QUOTA_OK.code: "The partner stayed within its limit of requests.",
    r.QUOTA_EXCEEDED.code: "The partner made more requests than its agreement allows.",
    r.QUOTA_UNCHECKED.code: "Nothing allowed this, so no limit was counted.",
    r.ENGINE_ERROR: "The request could not be checked, so it was refused.",
    r.THIRD_PARTY_FILTERED: "Some records were held back because the people in them do not share.",
    r.TOKEN_NOT_COVERED: "The partner's key does not cover this request.",
}

CATEGORY_NOUNS: Final[dict[str, str]] = {
    "profile": "profile",
    "contacts": "contacts",
    "friends": "friend list",
    "messages": "messages",
    "calendar": "calendar",
}
#: How a person's part of someone else's data is named ("the friend lists 2 partners see").
CATEGORY_OF_OTHERS: Final[dict[str, str]] = {
    "friends": "friend lists",
    "messages": "message threads",
    "calendar": "calendars",
    "contacts": "address books",
    "profile": "profiles",
}
ACTIONS: Final[dict[str, str]] = {"read": "read", "write": "write into"}
ENDED: Final[dict[EndReason, str]] = {
    EndReason.REVOKED: "You revoked it.",
    EndReason.EXPIRED: "It expired.",
    EndReason.AGREEMENT_ENDED: "The partner's agreement with the platform ended.",
    EndReason.PARTNER_SUSPENDED: "The partner was suspended.",
}
ROLES: Final[dict[str, str]] = {
    "subject": "Your own data",
    "included": "A partner of one of your friends: you were included",
    "filtered": "A partner of one of your friends: you were filtered out",
}


def reason(code: str) -> str:
    """The sentence for a reason code; an undocumented code is shown as itself."""
    return REASONS.get(code, f"Reason {code}.")


def category(code: str) -> str:
    return CATEGORY_NOUNS.get(code, code)


def exact_time(moment: datetime) -> str:
    """A readable exact time in UTC: "2 Dec 2026, 14:05 UTC"."""
    utc = moment.astimezone(UTC)
    return f"{utc.day} {utc:%b %Y, %H:%M} UTC"


def iso_time(moment: datetime) -> str:
    """The value of a ``<time datetime>`` attribute."""
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _count(n: int, unit: str) -> str:
    return f"{n} {unit}" if n == 1 else f"{n} {unit}s"


def relative_time(moment: datetime, now: datetime) -> str:
    """ "just now", "5 minutes ago", "3 days ago", "in 2 months": rough, for reading at a glance."""
    delta = moment - now
    ahead = delta > timedelta(0)
    seconds = abs(delta.total_seconds())
    if seconds < 60:
        return "just now"
    for limit, size, unit in (
        (3600, 60, "minute"),
        (86400, 3600, "hour"),
        (86400 * 45, 86400, "day"),
        (86400 * 365, 86400 * 30, "month"),
    ):
        if seconds < limit:
            text = _count(int(seconds // size), unit)
            break
    else:
        text = _count(int(seconds // (86400 * 365)), "year")
    return f"in {text}" if ahead else f"{text} ago"


def join_words(words: list[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


#: The codes of rules that held: not worth a line of their own on an allowed access.
HOLDS: Final = frozenset(o.code for o in r.OUTCOMES.values() if o.ok)
