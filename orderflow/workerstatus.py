"""What a running worker says about itself: the status file it rewrites every tick.

Ground floor: the worker runtime writes it, and local tools (the dev supervisor, the console) read
it through orderflow.local.runstate, which owns the other local files. In ECS the same file is the
container's heartbeat (its mtime is what `orderflow health` checks).

Latencies are kept as fixed-bucket histograms since the process started: recording costs one
bisect and one increment per message (the worker's per-message CPU is benchmarked, B1), and a
reader takes p50/p99 over any window from the difference of two snapshots (`Histogram.minus`).
"""

from __future__ import annotations

import os
from bisect import bisect_left
from datetime import datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

# Upper bounds of the buckets, in milliseconds: 0.5 ms × 2^(i/4), 96 of them up to ~2 h, so any
# quantile is known to within one bucket (±19 %). Values above the last bound land in an overflow
# bucket (index 96).
BOUNDS_MS: tuple[float, ...] = tuple(round(0.5 * 2 ** (i / 4), 3) for i in range(96))
_WORKER_ID = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"


class StateModel(BaseModel):
    model_config = ConfigDict(
        frozen=True,
        extra="ignore",  # a newer writer may add fields; an older reader keeps working
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class Histogram(StateModel):
    """Counts per bucket since start; `counts[i]` holds values ≤ `bounds_ms[i]` (and > the previous)."""

    bounds_ms: tuple[float, ...] = BOUNDS_MS
    counts: tuple[int, ...] = (0,) * (len(BOUNDS_MS) + 1)
    count: int = 0
    sum_ms: float = 0.0

    def minus(self, earlier: Histogram) -> Histogram:
        """What happened between `earlier` and this snapshot of the same process."""
        if earlier.bounds_ms != self.bounds_ms:
            raise ValueError("histograms with different buckets cannot be subtracted")
        return self.model_copy(
            update={
                "counts": tuple(a - b for a, b in zip(self.counts, earlier.counts, strict=True)),
                "count": self.count - earlier.count,
                "sum_ms": self.sum_ms - earlier.sum_ms,
            }
        )

    def plus(self, other: Histogram) -> Histogram:
        """Two processes' histograms as one (a service's workers together)."""
        return self.model_copy(
            update={
                "counts": tuple(a + b for a, b in zip(self.counts, other.counts, strict=True)),
                "count": self.count + other.count,
                "sum_ms": self.sum_ms + other.sum_ms,
            }
        )

    def quantile(self, q: float) -> float | None:
        """The bucket bound at or below which a fraction `q` of the values fall; None when empty."""
        if self.count <= 0:
            return None
        rank = q * self.count
        seen = 0
        for index, n in enumerate(self.counts):
            seen += n
            if seen >= rank and n:
                return self.bounds_ms[min(index, len(self.bounds_ms) - 1)]
        return self.bounds_ms[-1]


class LatencyRecorder:
    """The in-process, mutable side of a Histogram: `record` runs once per message."""

    __slots__ = ("count", "counts", "sum_ms")

    def __init__(self) -> None:
        self.counts = [0] * (len(BOUNDS_MS) + 1)
        self.count = 0
        self.sum_ms = 0.0

    def record(self, ms: float) -> None:
        self.counts[bisect_left(BOUNDS_MS, ms)] += 1
        self.count += 1
        self.sum_ms += ms

    def snapshot(self) -> Histogram:
        return Histogram(counts=tuple(self.counts), count=self.count, sum_ms=round(self.sum_ms, 3))


class WorkerStatus(StateModel):
    """`workers/<service>.<workerId>.json` under the local state folder (or the heartbeat file in ECS)."""

    service: str
    worker_id: str = Field(description="ORDERFLOW_WORKER_ID (the supervisor sets <service>-<n>); else the pid.")
    pid: int
    started_at: datetime
    updated_at: datetime
    in_flight: int = Field(description="Messages received and not yet deleted or released.")
    handling: int = Field(
        default=0,
        description="Of in_flight, the messages whose handler is running (at most max_in_flight); the rest "
        "were received ahead (one receive's worth) and wait for a handler slot.",
    )
    max_in_flight: int = Field(description="Handlers running at once (ORDERFLOW_MAX_IN_FLIGHT).")
    protected: bool = Field(
        description="Holds scale-in protection: busy now or within the last idle spell (ECS task "
        "protection's rule; locally the supervisor honours it when it picks a process to stop)."
    )
    stopping: bool = Field(description="SIGTERM received: receiving stopped, draining.")
    received: int = Field(description="Messages received since start.")
    processed: int = Field(description="Handled successfully and deleted.")
    failed: int = Field(description="Attempts that did not succeed (technical failure, rejected, or Retry).")
    retried: int = Field(description="Messages received again (ApproximateReceiveCount > 1): redeliveries.")
    released: int = Field(default=0, description="Made visible again unhandled by a drain.")
    handler_latency: Histogram = Field(description="Handler duration, ms, since start.")
    message_age: Histogram = Field(description="Time from the message's send to its handling, ms, since start.")


def worker_status_path(state_dir: Path, service: str, worker_id: str) -> Path:
    """The one place this name is made (orderflow.local.runstate uses it too)."""
    return state_dir / "workers" / f"{service}.{worker_id}.json"


def write_atomically(path: Path, data: bytes) -> None:
    """Readers never see a half-written file: write beside it, then rename over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    scratch = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    scratch.write_bytes(data)
    os.replace(scratch, path)
