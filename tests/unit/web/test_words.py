"""The privacy center's plain words: every reason code a person can meet has its sentence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from consentgate.policy.reasons import CODES
from consentgate.services.privacy import EndReason
from consentgate.web import words

NOW = datetime(2026, 12, 2, 14, 0, tzinfo=UTC)


def test_every_documented_reason_code_has_a_sentence() -> None:
    codes = CODES  # the one table, with the data API's own token.not_covered
    assert codes <= set(words.REASONS)
    assert set(words.REASONS) <= codes, "a sentence for a code nobody emits"
    for code in codes:
        sentence = words.reason(code)
        assert sentence.endswith(".")
        assert code not in sentence


def test_an_undocumented_code_is_shown_as_itself() -> None:
    assert words.reason("future.rule") == "Reason future.rule."


def test_every_way_a_grant_ends_has_words() -> None:
    assert set(words.ENDED) == set(EndReason)


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=-20), "just now"),
        (timedelta(minutes=-1), "1 minute ago"),
        (timedelta(minutes=-59), "59 minutes ago"),
        (timedelta(hours=-5), "5 hours ago"),
        (timedelta(days=-3), "3 days ago"),
        (timedelta(days=-100), "3 months ago"),
        (timedelta(days=-800), "2 years ago"),
        (timedelta(days=30, minutes=1), "in 30 days"),
    ],
)
def test_relative_times_read_at_a_glance(delta: timedelta, text: str) -> None:
    assert words.relative_time(NOW + delta, NOW) == text


def test_exact_times_are_readable_and_machine_readable() -> None:
    moment = datetime(2026, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert words.exact_time(moment) == "4 Mar 2026, 05:06 UTC"
    assert words.iso_time(moment) == "2026-03-04T05:06:07Z"


def test_lists_of_words_join_like_a_sentence() -> None:
    assert words.join_words([]) == ""
    assert words.join_words(["a"]) == "a"
    assert words.join_words(["a", "b", "c"]) == "a, b and c"
