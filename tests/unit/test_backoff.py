"""Redelivery backoff: doubles per receive, capped, clamped to SQS's range, jitter only shortens."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workers.runtime import backoff
from workers.runtime.backoff import MAX_VISIBILITY_SECONDS, redelivery_delay


def test_first_failed_receive_waits_the_base() -> None:
    assert redelivery_delay(1, base=2, cap=600) == 2


def test_delay_doubles_with_each_receive() -> None:
    delays = [redelivery_delay(n, base=2, cap=10_000) for n in range(1, 7)]

    assert delays == [2, 4, 8, 16, 32, 64]


def test_delay_stops_growing_at_the_cap() -> None:
    assert redelivery_delay(10, base=2, cap=300) == 300
    assert redelivery_delay(1_000, base=2, cap=300) == 300


def test_zero_or_negative_receive_count_is_treated_as_first() -> None:
    assert redelivery_delay(0, base=5, cap=600) == 5
    assert redelivery_delay(-3, base=5, cap=600) == 5


def test_cap_above_sqs_limit_is_clamped_to_twelve_hours() -> None:
    assert redelivery_delay(40, base=60, cap=10**9) == MAX_VISIBILITY_SECONDS == 43_200


def test_negative_base_never_yields_negative_delay() -> None:
    assert redelivery_delay(3, base=-5, cap=600) == 0


def test_full_jitter_at_worst_luck_removes_the_whole_fraction(monkeypatch: pytest.MonkeyPatch) -> None:
    # GIVEN the random draw at its maximum
    monkeypatch.setattr(backoff.random, "random", lambda: 1.0)

    # THEN a 50% jitter halves the delay, and no more
    assert redelivery_delay(3, base=10, cap=600, jitter=0.5) == 20


def test_jitter_at_best_luck_keeps_the_full_delay(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(backoff.random, "random", lambda: 0.0)

    assert redelivery_delay(3, base=10, cap=600, jitter=0.9) == 40


receive_counts = st.integers(min_value=-5, max_value=10_000)
bases = st.floats(min_value=0, max_value=10_000, allow_nan=False)
caps = st.floats(min_value=0, max_value=10**7, allow_nan=False)
jitters = st.floats(min_value=0, max_value=1, allow_nan=False)


@settings(max_examples=500, deadline=None)
@given(receive_counts, bases, caps, jitters)
def test_delay_is_always_a_valid_visibility_timeout(n: int, base: float, cap: float, jitter: float) -> None:
    delay = redelivery_delay(n, base=base, cap=cap, jitter=jitter)

    assert isinstance(delay, int)
    assert 0 <= delay <= MAX_VISIBILITY_SECONDS


@settings(max_examples=500, deadline=None)
@given(receive_counts, bases, caps, jitters)
def test_jitter_only_shortens_and_by_at_most_its_fraction(n: int, base: float, cap: float, jitter: float) -> None:
    without = redelivery_delay(n, base=base, cap=cap)
    nominal = min(cap, base * 2 ** min(max(n, 1) - 1, 30), MAX_VISIBILITY_SECONDS)

    with_jitter = redelivery_delay(n, base=base, cap=cap, jitter=jitter)

    assert with_jitter <= without
    # Rounding to whole seconds may take off up to half a second more.
    assert with_jitter >= nominal * (1 - jitter) - 0.5


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=1, max_value=12), st.integers(min_value=1, max_value=10))
def test_next_receive_waits_twice_as_long_until_capped(n: int, base: int) -> None:
    cap = 10**6
    assert redelivery_delay(n + 1, base=base, cap=cap) == 2 * redelivery_delay(n, base=base, cap=cap)


@settings(max_examples=300, deadline=None)
@given(receive_counts, bases, caps)
def test_delay_never_decreases_with_more_receives(n: int, base: float, cap: float) -> None:
    assert redelivery_delay(n + 1, base=base, cap=cap) >= redelivery_delay(n, base=base, cap=cap)
