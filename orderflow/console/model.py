"""What the console shows, whatever its source: one snapshot per tick, one ServiceView per service."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from orderflow.console.forecast import Forecast

State = Literal["running", "draining", "starting", "stale", "exited"]


@dataclass(frozen=True)
class ProcessView:
    """One worker process (locally) or task (in AWS)."""

    worker_id: str
    pid: int | None
    state: State
    in_flight: int | None
    max_in_flight: int | None
    heartbeat_age_seconds: float | None
    protected: bool | None
    handling: int | None = None  # of in_flight, handlers running (≤ max_in_flight); the rest wait for a slot


@dataclass(frozen=True)
class DecisionView:
    at: float  # epoch seconds
    action: str
    from_: int
    to: int
    reason: str


@dataclass(frozen=True)
class Measured:
    """Throughput (per second) and latency (ms) over the last window; None before any is measured."""

    processed_per_second: float | None
    failed_per_second: float | None
    handler_p50_ms: float | None
    handler_p99_ms: float | None
    age_p50_ms: float | None
    age_p99_ms: float | None


@dataclass(frozen=True)
class ServiceView(Measured):
    service: str
    # Queue
    visible: int | None
    in_flight: int | None
    dlq: int | None
    oldest_age_seconds: float | None
    oldest_age_exact: bool  # False: estimated (how long the backlog has been non-empty)
    # Workers and scaling
    running: int | None
    desired: int | None
    min_workers: int
    max_workers: int
    target_backlog_per_worker: int
    latency_goal_seconds: float
    backlog_per_worker: float | None
    forecast: Forecast
    paused: bool = False
    desired_override: int | None = None
    processes: list[ProcessView] = field(default_factory=list)
    last_decision: DecisionView | None = None


@dataclass(frozen=True)
class Snapshot:
    at: float
    source: str  # "local" or "aws"
    services: list[ServiceView]
    notes: list[str] = field(default_factory=list)  # what this source cannot fill, said on the page

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        for service, view in zip(data["services"], self.services, strict=True):
            service["forecast"]["within_goal"] = view.forecast.within_goal
        return data
