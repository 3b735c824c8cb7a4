"""Partner access stories from the seed story, through the access service on a real database."""

from __future__ import annotations

import pytest

from consentgate.domain import Action, Category, PartnerStatus
from consentgate.errors import Denied, QuotaExceeded, Unavailable
from consentgate.ledger.entries import AccessDecision, decode_entry
from consentgate.services.wiring import Running, Services
from consentgate.store.history import history_of
from consentgate.testing import FrozenClock

from .conftest import MUSIC, SEARCH, SYNC, grant, token_for

R, W = Action.READ, Action.WRITE


def logged(running: Running, index: int) -> AccessDecision:
    [(found, data)] = running.log.store.entries(index, index + 1)
    assert found == index
    entry = decode_entry(data)
    assert isinstance(entry, AccessDecision)
    return entry


def test_a_music_partner_reads_only_the_messages_it_created(
    world: Services, running: Running
) -> None:
    token = token_for(world, grant(world, "p-alice", "tunes", (Category.MESSAGES, R, MUSIC)))
    result = running.access.read(token, Category.MESSAGES, MUSIC)
    # Thread 1 ("private plans") was not created through tunes; bob's reply is his, and bob does
    # not let his data reach partners through other people's grants.
    assert [r["body"] for r in result.records] == ["listen: track 42"]
    assert result.filtered >= 1
    entry = logged(running, result.log_index)
    assert entry.decision == "allow"
    assert entry.records_returned == 1
    assert "third_party.filtered" in entry.reasons
    # bob's id does not leave even inside the participants list
    assert "p-bob" not in str(result.records)


def test_a_device_maker_with_an_old_grant_gets_nothing_once_sharing_is_off(
    world: Services, running: Running, clock: FrozenClock
) -> None:
    token = token_for(world, grant(world, "p-alice", "handset", (Category.CONTACTS, R, SYNC)))
    clock.advance(days=30)
    world.people.set_settings("p-alice", share_with_partners=False)
    with pytest.raises(Denied) as denied:
        running.access.read(token, Category.CONTACTS, SYNC)
    assert "settings.sharing_off" in denied.value.reasons
    assert denied.value.log_index is not None
    assert logged(running, denied.value.log_index).decision == "deny"


def test_contacts_who_are_platform_people_appear_only_if_they_allow_it(
    world: Services, running: Running
) -> None:
    token = token_for(world, grant(world, "p-alice", "handset", (Category.CONTACTS, R, SYNC)))
    result = running.access.read(token, Category.CONTACTS, SYNC)
    assert sorted(r["name"] for r in result.records) == ["Carol", "Plumber"]


def test_a_search_engine_listing_friends_never_sees_a_friend_who_has_not_allowed_it(
    world: Services,
    running: Running,
) -> None:
    token = token_for(world, grant(world, "p-alice", "findit", (Category.FRIENDS, R, SEARCH)))
    result = running.access.read(token, Category.FRIENDS, SEARCH)
    assert [r["friend_id"] for r in result.records] == ["p-carol"]
    assert result.filtered == 1
    with world.db.read() as conn:
        [bob_sees] = history_of(conn, "p-bob", before=None, limit=10)
    assert (bob_sees.role, bob_sees.partner_id, bob_sees.log_index) == (
        "filtered",
        "findit",
        result.log_index,
    )


def test_a_partner_whose_agreement_ended_yesterday_is_refused_today(
    world: Services, running: Running, clock: FrozenClock
) -> None:
    grant_id = grant(world, "p-alice", "findit", (Category.FRIENDS, R, SEARCH))
    token = token_for(world, grant_id)
    world.partners.end_agreement(world.grants.get_grant(grant_id).agreement_id)
    clock.advance(days=1)
    with pytest.raises(Denied) as denied:
        running.access.read(token, Category.FRIENDS, SEARCH)
    assert {"agreement.expired", "grant.revoked"} & set(denied.value.reasons)


def test_a_revoked_grant_stops_the_very_next_call_with_an_unexpired_token(
    world: Services, running: Running
) -> None:
    grant_id = grant(world, "p-alice", "findit", (Category.FRIENDS, R, SEARCH))
    token = token_for(world, grant_id)
    running.access.read(token, Category.FRIENDS, SEARCH)
    world.grants.revoke_grant(grant_id, by_person="p-alice")
    with pytest.raises(Denied) as denied:
        running.access.read(token, Category.FRIENDS, SEARCH)
    assert "grant.revoked" in denied.value.reasons


def test_a_suspended_partner_is_stopped_at_once(world: Services, running: Running) -> None:
    token = token_for(world, grant(world, "p-alice", "findit", (Category.FRIENDS, R, SEARCH)))
    world.partners.set_status("findit", PartnerStatus.SUSPENDED, "collected friends' names")
    with pytest.raises(Denied) as denied:
        running.access.read(token, Category.FRIENDS, SEARCH)
    assert "partner.suspended" in denied.value.reasons


def test_a_call_for_a_purpose_the_token_does_not_carry_is_denied_and_logged(
    world: Services,
    running: Running,
) -> None:
    token = token_for(world, grant(world, "p-alice", "handset", (Category.CONTACTS, R, SYNC)))
    with pytest.raises(Denied) as denied:
        running.access.read(token, Category.CONTACTS, "marketing")
    assert denied.value.reasons == ("token.not_covered",)
    assert denied.value.log_index is not None
    assert logged(running, denied.value.log_index).reasons == ("token.not_covered",)


def test_a_used_up_quota_answers_with_when_to_retry(world: Services, running: Running) -> None:
    token = token_for(world, grant(world, "p-alice", "handset", (Category.CALENDAR, R, SYNC)))
    running.access.read(token, Category.CALENDAR, SYNC)
    running.access.read(token, Category.CALENDAR, SYNC)
    with pytest.raises(QuotaExceeded) as exceeded:
        running.access.read(token, Category.CALENDAR, SYNC)
    assert exceeded.value.retry_after_seconds == 3600


def test_writing_a_message_is_logged_and_marked_as_created_by_the_partner(
    world: Services, running: Running
) -> None:
    token = token_for(
        world,
        grant(
            world, "p-alice", "tunes", (Category.MESSAGES, W, MUSIC), (Category.MESSAGES, R, MUSIC)
        ),
    )
    sent = running.access.write_message(token, 1, "hear this", MUSIC)
    assert sent.records[0]["body"] == "hear this"
    assert logged(running, sent.log_index).action == "write"
    read = running.access.read(token, Category.MESSAGES, MUSIC, thread_id=1)
    assert [r["body"] for r in read.records] == ["hear this"]


def test_no_data_leaves_when_the_log_cannot_be_written(world: Services, running: Running) -> None:
    token = token_for(world, grant(world, "p-alice", "handset", (Category.CONTACTS, R, SYNC)))

    class BrokenLog:
        def append(
            self, data: bytes, timeout: float | None = 30.0, annotation: object = None
        ) -> int:
            raise OSError("disk full")

    running.access.log = BrokenLog()
    with pytest.raises(Unavailable, match="nothing was returned"):
        running.access.read(token, Category.CONTACTS, SYNC)


def test_the_log_records_grants_and_revocations_too(world: Services, running: Running) -> None:
    grant_id = grant(world, "p-alice", "findit", (Category.FRIENDS, R, SEARCH))
    world.grants.revoke_grant(grant_id)
    size = running.log.store.committed_size()
    types = [decode_entry(data).type for _, data in running.log.store.entries(0, size)]
    assert types[-2:] == ["grant", "revocation"]
    assert types.count("agreement") == 0  # signed before the log started: not replayed


def test_a_confirmed_deletion_is_in_the_log(world: Services, running: Running) -> None:
    grant_id = grant(world, "p-alice", "findit", (Category.FRIENDS, R, SEARCH))
    world.grants.revoke_grant(grant_id, by_person="p-alice")
    [obligation] = world.grants.obligations_of_partner("findit", open_only=True)
    world.grants.confirm_deletion(obligation.id, partner_id="findit")
    size = running.log.store.committed_size()
    [last] = [decode_entry(data) for _, data in running.log.store.entries(size - 1, size)]
    assert last.type == "deletion"
    assert getattr(last, "obligation_id", None) == obligation.id
