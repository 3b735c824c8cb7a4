"""The console's diff of two agreement versions names every capability added, removed or changed
(fields, record scope, quota) and every change of dates and retention."""

from __future__ import annotations

from datetime import UTC, datetime

from consentgate.domain import Action, Agreement, Capability, Category, Quota, RecordScope
from consentgate.services.console import diff_agreements

JAN_2010 = datetime(2010, 1, 1, tzinfo=UTC)


def version(
    n: int, *capabilities: Capability, until_year: int = 2012, retention: int = 30
) -> Agreement:
    return Agreement(
        id=f"agr-{n}",
        partner_id="handset",
        version=n,
        valid_from=JAN_2010,
        valid_until=datetime(until_year, 1, 1, tzinfo=UTC),
        retention_days=retention,
        capabilities=capabilities,
        signed_at=JAN_2010,
    )


CONTACTS = Capability(Category.CONTACTS, Action.READ, "device.sync", frozenset({"name"}))
CALENDAR = Capability(Category.CALENDAR, Action.READ, "device.sync", frozenset({"title"}))


def test_the_device_maker_s_widening_is_spelled_out() -> None:
    wider_contacts = Capability(
        Category.CONTACTS,
        Action.READ,
        "device.sync",
        frozenset({"name", "email", "phone"}),
        RecordScope.ALL,
        Quota(1000, 3600),
    )
    messages = Capability(Category.MESSAGES, Action.READ, "device.sync", frozenset({"body"}))
    old = version(1, CONTACTS, CALENDAR)
    new = version(2, wider_contacts, messages, until_year=2013, retention=90)
    diff = diff_agreements(old, new)
    changes = {c.key: (c.change, c.details) for c in diff.capabilities}
    assert changes["calendar:read:device.sync"] == ("removed", ())
    assert changes["messages:read:device.sync"][0] == "added"
    assert "fields: body" in changes["messages:read:device.sync"][1]
    assert changes["contacts:read:device.sync"] == (
        "changed",
        ("fields: name → email, name, phone", "quota: none → 1000 per 3600 s"),
    )
    assert diff.dates == ("valid until: 2012-01-01 → 2013-01-01", "retention: 30 → 90 days")


def test_two_equal_versions_differ_in_nothing() -> None:
    diff = diff_agreements(version(1, CONTACTS), version(2, CONTACTS))
    assert diff.capabilities == ()
    assert diff.dates == ()
