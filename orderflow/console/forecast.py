"""Drain forecast: how long the backlog takes to clear at its current net rate, against the queue's
latency goal (the number its scaling target is derived from). Pure: no I/O.

The net rate is measured, not assumed: the slope of the backlog (visible + in flight) over the last
samples, so arrivals and processing are both in it. A backlog that is not shrinking never clears.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

Verdict = Literal["empty", "clears", "never", "unknown"]


@dataclass(frozen=True)
class Forecast:
    verdict: Verdict
    seconds: float | None  # time to drain, when it clears
    net_rate: float | None  # messages per second; negative while the backlog shrinks
    goal_seconds: float
    text: str

    @property
    def within_goal(self) -> bool | None:
        if self.verdict == "empty":
            return True
        return None if self.seconds is None else self.seconds <= self.goal_seconds


def net_rate(samples: Sequence[tuple[float, float]]) -> float | None:
    """Least-squares slope of (time, backlog) samples, messages per second; None with < 2 distinct times."""
    if len(samples) < 2:
        return None
    n = len(samples)
    mean_t = sum(t for t, _ in samples) / n
    mean_b = sum(b for _, b in samples) / n
    spread = sum((t - mean_t) ** 2 for t, _ in samples)
    if spread == 0:
        return None
    return sum((t - mean_t) * (b - mean_b) for t, b in samples) / spread


def forecast(backlog: int, rate: float | None, goal_seconds: float) -> Forecast:
    if backlog <= 0:
        return Forecast("empty", 0.0, rate, goal_seconds, "empty")
    if rate is None:
        return Forecast("unknown", None, None, goal_seconds, "measuring…")
    if rate >= -1e-9:
        return Forecast("never", None, rate, goal_seconds, "never at current rate")
    seconds = backlog / -rate
    return Forecast("clears", seconds, rate, goal_seconds, f"clears in {duration(seconds)}")


def duration(seconds: float) -> str:
    """40 s, 3 min 20 s, 2 h 5 min: as an operator says it."""
    whole = math.ceil(seconds)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    hours, rest = divmod(whole // 60, 60)
    return f"{hours} h {rest} min" if rest else f"{hours} h"
