"""The integration lease's rule: at most one holder at any moment, whatever the order of asks."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from consentgate.ledger.lease import Lease, claim, release

HOLDERS = ("a", "b", "c")
#: One step: who asks, how many milliseconds later, and whether they ask for it or give it up.
STEPS = st.lists(
    st.tuples(st.sampled_from(HOLDERS), st.integers(0, 2000), st.booleans()), max_size=60
)


@given(STEPS, st.integers(1, 1500))
def test_at_most_one_process_holds_the_lease_at_any_moment(
    steps: list[tuple[str, int, bool]], ttl: int
) -> None:
    current: Lease | None = None
    now = 0
    for holder, later, asks in steps:
        now += later
        before = current
        if asks:
            taken = claim(current, holder, now, ttl)
            if taken is None:
                # Refused only while someone else's lease runs; and nothing changes.
                assert before is not None
                assert before.holder != holder
                assert before.held_by(before.holder, now)
            else:
                assert taken.held_by(holder, now)
                current = taken
        else:
            current = release(current, holder)
        holding = [h for h in HOLDERS if current is not None and current.held_by(h, now)]
        assert len(holding) <= 1


@given(st.integers(0, 10**6), st.integers(1, 5000), st.integers(0, 5000))
def test_a_renewal_never_shortens_the_lease(now: int, ttl: int, earlier: int) -> None:
    current = Lease("a", now + ttl + earlier)
    renewed = claim(current, "a", now, ttl)
    assert renewed is not None
    assert renewed.expires_ms >= current.expires_ms


def test_a_dead_holder_is_replaced_once_its_lease_ran_out() -> None:
    held = claim(None, "a", 0, 1000)
    assert claim(held, "b", 999, 1000) is None
    taken = claim(held, "b", 1000, 1000)
    assert taken == Lease("b", 2000)
    assert not taken.held_by("a", 1000)


def test_giving_up_a_lease_someone_else_holds_changes_nothing() -> None:
    held = Lease("a", 1000)
    assert release(held, "b") == held
    assert release(held, "a") is None
