"""Quotas shared between processes: claims never add up to more than the quota, and a process
that asks while something is left always gets at least one request."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from consentgate.domain.agreements import Quota
from consentgate.policy.quota import QuotaCounter, QuotaKey
from consentgate.store.quota import claim_size

KEY: QuotaKey = ("agreement-1", ("profile", "read", "profile.show"))


class MemoryShare:
    """A quota share in memory, claiming as the database does (``claim_size``)."""

    def __init__(self) -> None:
        self.claimed: dict[tuple[QuotaKey, int], int] = {}

    def claim(self, key: QuotaKey, quota: Quota, window: int) -> int:
        used = self.claimed.get((key, window), 0)
        taken = claim_size(quota.max_requests, used)
        self.claimed[(key, window)] = used + taken
        return taken

    def used(self, key: QuotaKey, quota: Quota, window: int) -> int:
        return self.claimed.get((key, window), 0)


@given(st.integers(1, 100_000), st.integers(0, 100_000))
def test_a_claim_takes_something_while_anything_is_left_and_never_too_much(
    limit: int, used: int
) -> None:
    taken = claim_size(limit, used)
    if used >= limit:
        assert taken == 0
    else:
        assert 1 <= taken <= limit - used


@given(st.integers(1, 300), st.lists(st.integers(0, 3), min_size=1, max_size=900))
def test_processes_sharing_a_quota_never_allow_more_than_it_together(
    limit: int, asks: list[int]
) -> None:
    share = MemoryShare()
    processes = [QuotaCounter(share) for _ in range(4)]
    quota = Quota(limit, 60)
    allowed = sum(processes[p].take(KEY, quota, 30.0) for p in asks)
    assert allowed <= limit
    if len(asks) >= 4 * limit:  # everyone asked enough: only claimed, unused requests are lost
        assert allowed >= limit - 4 * max(1, limit // 16)


def test_one_process_alone_gets_the_whole_quota() -> None:
    counter = QuotaCounter(MemoryShare())
    quota = Quota(50, 60)
    assert sum(counter.take(KEY, quota, 1.0) for _ in range(80)) == 50
    assert counter.take(KEY, quota, 61.0)  # the next window starts afresh
