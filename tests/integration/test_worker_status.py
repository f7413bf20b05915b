"""A worker's status file: rewritten every tick by the real runtime against the emulator, read
through orderflow.local.runstate the way the dev supervisor and the console read it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.events import OrderPlaced
from orderflow.local.runstate import RunState, WorkerStatus
from orderflow.settings import Settings
from tests.support import eventbridge_body, eventually, order_placed, order_placed_worker, queue_url
from workers.runtime.heartbeat import Heartbeat
from workers.runtime.worker import Worker

StartWorker = Callable[..., Awaitable[Worker]]


async def test_a_worker_reports_its_counters_latencies_and_protection_every_tick(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN an inventory worker named by the supervisor, with stock to reserve
    state = RunState.of(settings)
    worker = await start_worker("inventory", worker_id="inventory-7")

    def status(check: Callable[[WorkerStatus], bool]) -> Awaitable[WorkerStatus | None]:
        return _first(state.workers("inventory"), check)

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


async def test_messages_received_ahead_are_reported_apart_from_the_handlers_running(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN a worker that may run 2 handlers at once, whose handlers wait until released
    state = RunState.of(settings)
    release = asyncio.Event()

    async def held(event: OrderPlaced, deps: Any) -> list[Any]:
        await release.wait()
        return []

    url = await queue_url(aws, settings.queue_name("payment"))
    entries = [{"Id": str(i), "MessageBody": eventbridge_body(order_placed())} for i in range(6)]
    await aws.sqs.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]
    tuned = settings.model_copy(update={"max_in_flight": 2, "receivers": 1})
    heartbeat = Heartbeat(state.worker_file("held", "held-1"), service="held", worker_id="held-1")
    worker = order_placed_worker(aws, tuned, url, held, heartbeat=heartbeat)
    running = asyncio.create_task(worker.run())
    try:
        # WHEN 6 messages are waiting for it
        # THEN its status file counts 2 handlers running and the other received messages apart
        # (the console shows "2 / 2 +4 waiting", never "6 / 2")
        def busy(s: WorkerStatus) -> bool:
            return s.handling == 2 and s.in_flight == 6

        status = await eventually(lambda: _first(state.workers("held"), busy), timeout=10)
        assert status.max_in_flight == 2
        # WHEN the handlers are let finish THEN nothing is held any more
        release.set()
        await eventually(lambda: _first(state.workers("held"), lambda s: s.in_flight == s.handling == 0), timeout=10)
    finally:
        worker.stop()
        await running


async def _first(found: list[WorkerStatus], check: Callable[[WorkerStatus], bool]) -> WorkerStatus | None:
    return found[0] if found and check(found[0]) else None
