"""A worker's status file: rewritten every tick by the real runtime against the emulator, read
through orderflow.local.runstate the way the dev supervisor and the console read it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.local.runstate import RunState, WorkerStatus
from orderflow.settings import Settings
from tests.support import eventually, order_placed
from workers.runtime.worker import Worker

StartWorker = Callable[..., Awaitable[Worker]]


async def test_a_worker_reports_its_counters_latencies_and_protection_every_tick(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN an inventory worker named by the supervisor, with stock to reserve
    state = RunState.of(settings)
    worker = await start_worker("inventory", worker_id="inventory-7")

    async def status(check: Callable[[WorkerStatus], bool]) -> WorkerStatus | None:
        found = state.workers("inventory")
        return found[0] if found and check(found[0]) else None

    first = await eventually(lambda: status(lambda s: True), timeout=5)
    assert (first.service, first.worker_id, first.received, first.stopping) == ("inventory", "inventory-7", 0, False)
    # WHEN three orders arrive on its queue
    await EventPublisher(aws.events, settings.bus).publish([order_placed() for _ in range(3)])
    # THEN within a tick or two the file counts them, with their handler latencies and ages
    done = await eventually(lambda: status(lambda s: s.processed == 3), timeout=15)
    assert (done.received, done.failed, done.retried) == (3, 0, 0)
    assert done.handler_latency.count == 3 and done.message_age.count == 3
    assert done.protected, "it handled messages within the idle spell: it holds scale-in protection"
    assert done.updated_at > first.updated_at and done.max_in_flight == settings.max_in_flight
    # WHEN it is stopped THEN the file says it is draining while its long polls finish
    worker.stop()
    await eventually(lambda: status(lambda s: s.stopping), timeout=5)
