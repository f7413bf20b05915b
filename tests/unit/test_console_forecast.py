"""The console's drain forecast: time to clear the backlog at its measured net rate, against the goal."""

from __future__ import annotations

import pytest

from orderflow.console.forecast import duration, forecast, net_rate


def test_a_shrinking_backlog_clears_in_backlog_over_net_rate() -> None:
    # GIVEN 200 messages waiting, falling 5 per second over the last samples
    samples = [(t, 220 - 5 * t) for t in range(5)]
    rate = net_rate(samples)
    assert rate == pytest.approx(-5.0)
    # WHEN forecast against a 60 s goal THEN 40 s, within the goal
    result = forecast(200, rate, 60)
    assert result.text == "clears in 40 s"
    assert result.seconds == pytest.approx(40)
    assert result.within_goal is True


def test_a_backlog_slower_to_clear_than_its_goal_is_late() -> None:
    result = forecast(100, -0.5, 10)
    assert result.text == "clears in 3 min 20 s"
    assert result.within_goal is False


@pytest.mark.parametrize("rate", [0.0, 3.0])
def test_a_backlog_that_is_not_shrinking_never_clears(rate: float) -> None:
    # GIVEN arrivals at least as fast as processing
    result = forecast(50, rate, 10)
    # THEN it never clears at this rate, and that is late
    assert (result.verdict, result.text) == ("never", "never at current rate")
    assert result.within_goal is None


def test_an_empty_queue_is_empty_whatever_the_rate() -> None:
    assert forecast(0, 4.0, 10).text == "empty"
    assert forecast(0, None, 10).within_goal is True


def test_without_two_samples_the_rate_is_still_being_measured() -> None:
    assert net_rate([(1.0, 10)]) is None
    assert net_rate([(1.0, 10), (1.0, 12)]) is None
    assert forecast(10, None, 10).text == "measuring…"


def test_a_noisy_decline_uses_the_least_squares_slope() -> None:
    samples = [(0, 100), (1, 97), (2, 93), (3, 91), (4, 86)]
    assert net_rate(samples) == pytest.approx(-3.4)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.2, "1 s"), (58.5, "59 s"), (59.5, "1 min"), (60, "1 min"), (200, "3 min 20 s"), (7500, "2 h 5 min")],
)
def test_durations_read_as_an_operator_says_them(seconds: float, text: str) -> None:
    assert duration(seconds) == text
