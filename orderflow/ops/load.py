"""`orderflow load`: send a mix of orders to the order API (a burst, a steady rate, or both), then
follow each accepted order to a terminal state and report how long it took by its own timeline.

The declined and out-of-stock shares use the seed's simulation levers (`paymentOutcome`,
`inventoryOutcome`), which only a local-mode API accepts; anywhere else they come back 422 and are
counted as rejected. Everything is bounded: orders, rate, duration and the wait for terminal states.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from orderflow.ops.loadreport import LoadReport, Tracked

KINDS = ("happy", "declined", "out_of_stock")
MAX_ORDERS = 10_000
MAX_RATE = 500.0
MAX_DURATION = 3600.0
LOOKS_PER_ROUND = 50  # GET /orders/{id} per polling round at most (see _follow)
ROUND_SECONDS = 2.0
# The demo catalogue (orderflow.local.seed): one unit of one product per order, spread over all of
# them so a burst does not empty one shelf.
SKUS = ("LAPTOP-001", "MOUSE-002", "KEYBOARD-003", "MONITOR-004", "HEADSET-005")
_LEVERS: dict[str, dict[str, str]] = {
    "happy": {},
    "declined": {"paymentOutcome": "declined"},
    "out_of_stock": {"inventoryOutcome": "out_of_stock"},
}


class LoadError(ValueError):
    """A plan that cannot run as asked (the CLI prints it as one line)."""


def parse_mix(text: str) -> dict[str, int]:
    """`happy=90,declined=5,out_of_stock=5` -> weights; unknown kinds and bad numbers refused."""
    mix: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        kind, _, weight = part.partition("=")
        if kind not in KINDS:
            raise LoadError(f"--mix: unknown kind {kind!r} (known: {', '.join(KINDS)})")
        if not weight.isdigit():
            raise LoadError(f"--mix: {kind} needs a whole-number weight, e.g. {kind}=5")
        mix[kind] = int(weight)
    if sum(mix.values()) <= 0:
        raise LoadError("--mix: the weights add up to 0")
    return mix


@dataclass(frozen=True)
class LoadPlan:
    rate: float = 0.0  # orders per second after the burst
    duration: float = 0.0  # seconds at that rate
    burst: int = 0  # orders sent at once first
    mix: dict[str, int] = field(default_factory=lambda: {"happy": 90, "declined": 5, "out_of_stock": 5})
    deadline: float = 120.0  # seconds after the last send for every accepted order to finish
    concurrency: int = 32
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.rate < 0 or self.rate > MAX_RATE:
            raise LoadError(f"--rate must be between 0 and {MAX_RATE:g} orders/s")
        if self.duration < 0 or self.duration > MAX_DURATION:
            raise LoadError(f"--duration must be between 0 and {MAX_DURATION:g} s")
        if self.burst < 0:
            raise LoadError("--burst must be 0 or more")
        if (self.rate > 0) != (self.duration > 0):
            raise LoadError("--rate and --duration go together")
        if self.total == 0:
            raise LoadError("nothing to send: give --burst N, or --rate R --duration D")
        if self.total > MAX_ORDERS:
            raise LoadError(f"{self.total} orders is over the limit of {MAX_ORDERS} per run")

    @property
    def total(self) -> int:
        return self.burst + round(self.rate * self.duration)

    def schedule(self) -> list[tuple[float, str]]:
        """(seconds after start, kind) for every order, in sending order."""
        rng = random.Random(self.seed)
        kinds, weights = list(self.mix), list(self.mix.values())
        times = [0.0] * self.burst + [i / self.rate for i in range(self.total - self.burst)]
        return [(at, rng.choices(kinds, weights)[0]) for at in times]


def order_body(kind: str, rng: random.Random) -> dict[str, Any]:
    return {
        "customerEmail": f"load-{uuid.uuid4().hex[:12]}@example.com",
        "currency": "USD",
        "items": [{"sku": rng.choice(SKUS), "quantity": 1}],
        **_LEVERS[kind],
    }


Progress = Callable[[LoadReport], None]


async def run_load(plan: LoadPlan, api_url: str, headers: dict[str, str], progress: Progress) -> LoadReport:
    """Send the plan, follow accepted orders until terminal or the deadline; answers the report."""
    report = LoadReport(planned=plan.total)
    limits = httpx.Limits(max_connections=plan.concurrency)
    async with httpx.AsyncClient(base_url=api_url, headers=headers, timeout=15, limits=limits) as http:
        sender = asyncio.create_task(_send_all(http, plan, report, progress))
        follower = asyncio.create_task(_follow(http, report, sender, plan.deadline, progress))
        await sender
        await follower
    return report


async def _send_all(http: httpx.AsyncClient, plan: LoadPlan, report: LoadReport, progress: Progress) -> None:
    gate, rng, began = asyncio.Semaphore(plan.concurrency), random.Random(plan.seed), time.monotonic()

    async def send(kind: str) -> None:
        async with gate:
            await _place(http, kind, order_body(kind, rng), report)
        progress(report)

    tasks = []
    for at, kind in plan.schedule():
        await asyncio.sleep(max(0.0, began + at - time.monotonic()))
        tasks.append(asyncio.create_task(send(kind)))
        report.sent += 1
    await asyncio.gather(*tasks)


async def _place(http: httpx.AsyncClient, kind: str, body: dict[str, Any], report: LoadReport) -> None:
    """POST with an Idempotency-Key, retried (same key) on 429, 5xx and transport errors."""
    key, outcome = str(uuid.uuid4()), "error"
    for attempt in range(4):
        try:
            response = await http.post("/orders", json=body, headers={"Idempotency-Key": key})
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        else:
            if response.status_code == 202:
                report.accepted.append(Tracked(str(response.json()["orderId"]), kind))
                return
            outcome = str(response.status_code)
            if response.status_code != 429 and response.status_code < 500:
                break
            if retry_after := response.headers.get("Retry-After"):
                await asyncio.sleep(min(5.0, float(retry_after)))
                continue
        await asyncio.sleep(min(5.0, 0.2 * 2**attempt))
    report.rejected[outcome] = report.rejected.get(outcome, 0) + 1


async def _follow(
    http: httpx.AsyncClient, report: LoadReport, sender: asyncio.Task[None], deadline: float, progress: Progress
) -> None:
    """Poll unfinished orders in rounds (the latency comes from their timelines, not from when we look).

    Every look is a query on the platform under test, so looking is kept light: at most
    LOOKS_PER_ROUND orders a round (the unfinished ones in turn), a round every ROUND_SECONDS at most,
    and never looking more than half the time (polled back to back, the 200 orders of a burst kept
    the local emulator answering GET /orders/{id} queries while it carried their sagas)."""
    gate = asyncio.Semaphore(4)
    end: float | None = None
    turn = 0

    async def look(order: Tracked) -> None:
        async with gate:
            try:
                response = await http.get(f"/orders/{order.order_id}")
            except httpx.HTTPError:
                return
        if response.status_code == 200:
            order.observe(response.json())

    while True:
        if end is None and sender.done():
            end = time.monotonic() + deadline
        pending = [o for o in report.accepted if not o.terminal]
        if end is not None and (not pending or time.monotonic() >= end):
            report.unfinished = [o.order_id for o in pending]
            return
        began, start = time.monotonic(), turn % max(1, len(pending))
        chosen = (pending[start:] + pending[:start])[:LOOKS_PER_ROUND]
        turn = start + len(chosen)
        await asyncio.gather(*(look(o) for o in chosen))
        progress(report)
        took = time.monotonic() - began
        await asyncio.sleep(max(ROUND_SECONDS - took, took))
