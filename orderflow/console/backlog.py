"""Per-service backlog samples, whatever the source: the drain forecast's net rate and the estimate of
how long the queue has been non-empty. Pure: no I/O."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from orderflow.console.forecast import Forecast, forecast, net_rate

FORECAST_SECONDS = 15.0  # the net rate is the backlog's slope over this window


@dataclass
class Backlog:
    samples: deque[tuple[float, float]] = field(default_factory=deque)
    nonempty_since: float | None = None

    def track(self, now: float, visible: int | None, in_flight: int | None) -> None:
        if visible is None:
            return
        self.samples.append((now, visible + (in_flight or 0)))
        while self.samples and self.samples[0][0] < now - FORECAST_SECONDS:
            self.samples.popleft()
        if visible == 0:
            self.nonempty_since = None
        elif self.nonempty_since is None:
            self.nonempty_since = now

    def nonempty_for(self, now: float) -> float | None:
        """Seconds since the queue last had no visible message (None while empty)."""
        return None if self.nonempty_since is None else round(now - self.nonempty_since, 1)

    def forecast(self, visible: int | None, in_flight: int | None, goal_seconds: float) -> Forecast:
        return forecast((visible or 0) + (in_flight or 0), net_rate(list(self.samples)), goal_seconds)
