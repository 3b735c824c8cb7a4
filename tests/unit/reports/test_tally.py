"""The tallies on hand-made entries: deletion obligations implied by grant ends, a period's
bounds, a certification against use, and the root rebuilt batch by batch."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from consentgate.ledger.tree import leaf_hash, root_of
from consentgate.services.reports.partner_tally import PartnerTally
from consentgate.services.reports.stream import RootBuilder
from consentgate.services.reports.tally import Period, TransparencyTally

T = "2026-03-0{}T12:00:00.000Z"


def grant(gid: str, day: int, expires: int, *scopes: str, partner: str = "tunes") -> dict[str, Any]:
    return {
        "type": "grant", "time": T.format(day), "grant_id": gid, "partner": partner,
        "person_ref": "a" * 64, "scopes": list(scopes), "expires": T.format(expires),
    }  # fmt: skip


def access(day: int, decision: str = "allow", **over: Any) -> dict[str, Any]:
    body = {
        "type": "access", "time": T.format(day), "partner": "tunes", "category": "messages",
        "action": "read", "purpose": "music.share", "person_ref": "a" * 64,
        "decision": decision, "records_returned": 2, "records_filtered": 1,
    }  # fmt: skip
    return body | over


def totals(tally: TransparencyTally) -> dict[str, Any]:
    tables = tally.finish()
    [row] = tables["totals"].rows
    return dict(zip(tables["totals"].columns, row, strict=True))


def test_a_grant_that_expires_within_the_log_s_time_opens_one_obligation_per_read_category() -> (
    None
):
    tally = TransparencyTally(Period(T.format(1), T.format(9)))
    tally.add(grant("g1", 1, 3, "messages:read:x", "contacts:read:x", "messages:write:x"))
    tally.add(grant("g2", 1, 8, "calendar:read:x"))
    tally.add(access(4))  # the log's time passes g1's end, not g2's
    assert totals(tally)["deletions_opened"] == 2


def test_a_revocation_before_the_end_opens_them_once() -> None:
    tally = TransparencyTally(Period(T.format(1), T.format(9)))
    tally.add(grant("g1", 1, 3, "messages:read:x"))
    tally.add({"type": "revocation", "time": T.format(2), "grant_id": "g1", "partner": "tunes",
               "person_ref": "a" * 64, "by": "person"})  # fmt: skip
    tally.add(access(5))
    assert totals(tally)["deletions_opened"] == 1
    assert totals(tally)["revocations"] == 1


def test_only_the_period_s_decisions_count_and_people_are_counted_once() -> None:
    tally = TransparencyTally(Period(T.format(2), T.format(4)))
    for day, decision in [(1, "allow"), (2, "allow"), (3, "allow"), (3, "deny"), (4, "allow")]:
        tally.add(access(day, decision))
    row = totals(tally)
    assert (row["allowed"], row["denied"], row["people"]) == (2, 1, 1)
    assert (row["records_returned"], row["records_filtered"]) == (6, 3)


def test_use_is_set_against_the_latest_certification() -> None:
    tally = PartnerTally("tunes")
    tally.add(access(1))  # before any certification: not counted against it
    tally.add({"type": "certification", "time": T.format(2), "certification_id": "c1",
               "partner": "tunes", "agreement_id": "a1", "digest": "0" * 64,
               "uses": ["messages:read:music.share", "friends:read:music.share"]})  # fmt: skip
    tally.add(access(3))
    tally.add(access(4, category="contacts"))
    tally.add(access(5, decision="deny", category="calendar"))
    tables = tally.finish()
    assert tables["certified"].rows == (("c1", T.format(2)),)
    verdicts = {row[:3]: row[3:] for row in tables["certification"].rows}
    assert verdicts == {
        ("contacts", "read", "music.share"): ("no", 1, "used, not certified"),
        ("friends", "read", "music.share"): ("yes", 0, "certified, not used"),
        ("messages", "read", "music.share"): ("yes", 1, "certified and used"),
    }


@given(st.integers(0, 1100), st.lists(st.integers(1, 300), min_size=1, max_size=8))
def test_the_root_rebuilt_batch_by_batch_is_the_tree_s_root(size: int, cuts: list[int]) -> None:
    leaves = [leaf_hash(b"%d" % i) for i in range(size)]
    builder, at = RootBuilder(), 0
    for cut in [*cuts, size]:
        builder.add(leaves[at : at + cut])
        at = min(size, at + cut)
    assert builder.root() == root_of(leaves)
