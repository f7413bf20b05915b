"""Throughput and latency from the workers' own status files: the difference of consecutive snapshots.

Each worker file holds counters and histograms since its process started; a service's rate over a
window is the sum of its workers' increments in that window, whichever workers came and went. A
restarted worker (new pid) starts again from zero, so its first snapshot counts whole — unless it
was running before the console started, whose first snapshot is only the baseline.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from orderflow.console.model import Measured
from orderflow.workerstatus import Histogram, WorkerStatus


@dataclass(frozen=True)
class _Step:
    at: float
    processed: int
    failed: int
    handler: Histogram
    age: Histogram


class Rates:
    def __init__(self, *, rate_window: float = 10.0, latency_window: float = 60.0) -> None:
        self.rate_window = rate_window
        self.latency_window = latency_window
        self._last: dict[str, WorkerStatus] = {}
        self._steps: dict[str, deque[_Step]] = {}
        self._since: dict[str, float] = {}
        self._started = time.time()

    def update(self, now: float, workers: list[WorkerStatus]) -> None:
        for status in workers:
            key = f"{status.service}/{status.worker_id}"
            before = self._last.get(key)
            if before is not None and before.updated_at == status.updated_at:
                continue  # not rewritten since the last look
            if before is None and status.started_at.timestamp() < self._started:
                self._last[key] = status  # older than this console: a baseline, not a burst
                continue
            if before is None or before.pid != status.pid or status.processed < before.processed:
                before = None  # new process: everything it counted is new
            steps = self._steps.setdefault(status.service, deque())
            self._since.setdefault(status.service, now)
            steps.append(
                _Step(
                    now,
                    status.processed - (before.processed if before else 0),
                    status.failed - (before.failed if before else 0),
                    status.handler_latency.minus(before.handler_latency) if before else status.handler_latency,
                    status.message_age.minus(before.message_age) if before else status.message_age,
                )
            )
            self._last[key] = status
        horizon = now - max(self.rate_window, self.latency_window)
        for steps in self._steps.values():
            while steps and steps[0].at < horizon:
                steps.popleft()

    def measured(self, service: str, now: float) -> Measured:
        steps = self._steps.get(service)
        if not steps:
            return Measured(None, None, None, None, None, None)
        span = min(self.rate_window, max(1.0, now - self._since[service]))
        recent = [s for s in steps if s.at > now - self.rate_window]
        window = [s for s in steps if s.at > now - self.latency_window]
        handler, age = Histogram(), Histogram()
        for step in window:
            handler, age = handler.plus(step.handler), age.plus(step.age)
        return Measured(
            round(sum(s.processed for s in recent) / span, 2),
            round(sum(s.failed for s in recent) / span, 2),
            handler.quantile(0.5),
            handler.quantile(0.99),
            age.quantile(0.5),
            age.quantile(0.99),
        )
