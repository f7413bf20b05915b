"""The console's one source interface: everything a page shows comes through it, so the same pages
serve a laptop (LocalSource: the emulator and the dev supervisor's files) and a deployed environment
(AwsSource: SQS, ECS, Application Auto Scaling, CloudWatch)."""

from __future__ import annotations

from typing import Protocol

from orderflow.console.model import DecisionView, Snapshot
from orderflow.console.orders import OrderReader
from orderflow.console.traces import Traces
from orderflow.console.triage import Triage


class Source(Protocol):
    name: str
    read_only: bool  # AWS: always; local: --read-only
    orders: OrderReader  # the funnel, the recent orders and an order's timeline (DynamoDB)
    triage: Triage  # DLQ listing and, unless read-only, redrive and discard
    traces: Traces  # an order's trace: the local span files, or a pointer to X-Ray

    async def snapshot(self) -> Snapshot:
        """One tick's view of every service, in topology order."""
        ...

    async def decisions(self, service: str, since: float) -> list[DecisionView]:
        """Scaling decisions (and the reasons for not scaling) since `since` (epoch seconds)."""
        ...

    async def aws_requests(self) -> dict[str, int]:
        """AWS requests made so far: "total" HTTP requests and calls per operation (requests per tick)."""
        ...

    async def close(self) -> None: ...
