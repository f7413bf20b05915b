"""Fewer SQS requests per message, no guarantee weakened: deletes of handlers that finish close together
share one DeleteMessageBatch (the handler's slot is free while it lingers, a stop still sends it, a kill
inside the linger redelivers without doubling the effect), and a trickle gathers into fuller receives."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.events import OrderPlaced
from orderflow.settings import Settings
from tests.support import eventbridge_body, eventually, order_placed, queue_depth, queue_url, stock
from workers.runtime import ServiceContext, ServiceDefinition
from workers.runtime.queue import Queue
from workers.runtime.worker import Worker
from workers.services.inventory.store import InventoryStore

StartWorker = Callable[..., Awaitable[Worker]]


async def _no_deps(ctx: ServiceContext) -> None:
    return None


def _count(queue: Queue) -> Counter[str]:
    """Requests the queue's client sends, by operation (botocore's hook: what AWS would bill)."""
    sent: Counter[str] = Counter()

    def count(model: Any, **_: Any) -> None:
        sent[model.name] += 1

    queue._client.meta.events.register("before-call.sqs", count)
    return sent


async def _recording_worker(
    aws: AwsClients, settings: Settings, url: str, handled: list[str], **tuning: Any
) -> tuple[Worker, Counter[str]]:
    async def record(event: OrderPlaced, deps: Any) -> list[Any]:
        handled.append(str(event.event_id))
        return []

    queue = Queue(aws.sqs, url, visibility_timeout=30, wait_seconds=1, linger=tuning.pop("linger", 0.005))
    worker = Worker(
        ServiceDefinition("recording", {OrderPlaced: record}, _no_deps),
        None,
        queue=queue,
        publisher=EventPublisher(aws.events, settings.bus),
        settings=settings.model_copy(update={"receivers": 1, **tuning}),
    )
    return worker, _count(queue)


async def _send(aws: AwsClients, url: str, count: int) -> None:
    entries = [{"Id": str(i), "MessageBody": eventbridge_body(order_placed())} for i in range(count)]
    await aws.sqs.send_message_batch(QueueUrl=url, Entries=entries)  # type: ignore[arg-type]


async def test_handlers_finishing_within_the_linger_share_one_delete_batch_and_free_their_slots(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN 6 messages waiting and a worker whose deletes linger 1 s
    url = await queue_url(aws, settings.queue_name("inventory"))
    await _send(aws, url, 6)
    handled: list[str] = []
    worker, sent = await _recording_worker(aws, settings, url, handled, linger=1.0)
    running = asyncio.create_task(worker.run())
    try:
        # WHEN their handlers finish
        await eventually(lambda: _true(len(handled) == 6))
        # THEN their slots are free before any delete is sent (the delete waits in the batcher)
        await eventually(lambda: _true(worker.stats["handled"] == 6 and not worker._in_flight))
        assert sent["DeleteMessageBatch"] == 0
        # AND one DeleteMessageBatch removes all six
        await eventually(lambda: _true(sent["DeleteMessageBatch"] >= 1))
        await eventually(lambda: _true_async_depth(aws, url, 0))
        assert sent["DeleteMessageBatch"] == 1 and sent["DeleteMessage"] == 0
    finally:
        worker.stop()
        await running


async def test_a_stop_inside_the_linger_sends_the_deletes_before_the_worker_returns(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN a worker whose deletes linger 1 s, and 4 messages it has just handled
    url = await queue_url(aws, settings.queue_name("inventory"))
    await _send(aws, url, 4)
    handled: list[str] = []
    worker, sent = await _recording_worker(aws, settings, url, handled, linger=1.0)
    running = asyncio.create_task(worker.run())
    await eventually(lambda: _true(worker.stats["handled"] == 4), every=0.01)
    assert sent["DeleteMessageBatch"] == 0, "the deletes are still lingering"
    # WHEN it is told to stop (SIGTERM's path) inside the linger
    worker.stop()
    await asyncio.wait_for(running, timeout=10)
    # THEN the drain sent them: nothing left in the queue, visible or not, and nothing handled twice
    assert sent["DeleteMessageBatch"] == 1
    assert await queue_depth(aws, url) == 0
    assert len(handled) == len(set(handled)) == 4


async def _true_async_depth(aws: AwsClients, url: str, depth: int) -> bool | None:
    return await queue_depth(aws, url) == depth or None


async def _true(value: bool) -> bool | None:
    return value or None


async def test_a_kill_inside_the_linger_redelivers_and_the_consumer_does_not_double_its_effect(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN 10 units of SKU-A and a real inventory worker process whose deletes linger 1 s
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("SKU-A", 10)
    url = await queue_url(aws, settings.queue_name("inventory"))
    env = {
        **os.environ,
        "ORDERFLOW_LOCAL_MODE": "true",
        "ORDERFLOW_HEARTBEAT_DIR": str(settings.heartbeat_dir),
        "ORDERFLOW_STATE_DIR": str(settings.state_dir),
        "ORDERFLOW_LOG_FORMAT": "json",
        "ORDERFLOW_DELETE_LINGER_SECONDS": "1",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "orderflow",
        "worker",
        "inventory",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        # WHEN an order reserves 2 units and the process is killed as soon as the reservation shows
        await EventPublisher(aws.events, settings.bus).publish([order_placed([("SKU-A", 2)])])
        await eventually(lambda: _stock_is(aws, settings, 8), timeout=30, every=0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        if process.returncode is None:
            process.kill()
        await asyncio.wait_for(process.wait(), timeout=10)
    # THEN its delete never went out: the message is still there, hidden until its visibility timeout
    assert await queue_depth(aws, url) == 1, "killed after the delete was sent (the 1 s linger passed)"
    # AND once it is redelivered, a new worker handles it again without reserving twice
    worker = await start_worker("inventory")
    await eventually(lambda: _true(worker.stats["redelivered"] >= 1 and worker.stats["handled"] >= 1), timeout=40)
    await eventually(lambda: _true_async_depth(aws, url, 0), timeout=10)
    assert await stock(aws, settings, "SKU-A") == 8


async def _stock_is(aws: AwsClients, settings: Settings, units: int) -> bool | None:
    return await stock(aws, settings, "SKU-A") == units or None


async def test_a_trickle_gathers_into_fewer_receives_with_the_window(aws: AwsClients, settings: Settings) -> None:
    # GIVEN the same trickle (one message every 40 ms, 15 in all) for a worker without and with a window
    url = await queue_url(aws, settings.queue_name("inventory"))
    receives: dict[float, int] = {}
    for window in (0.0, 0.4):
        handled: list[str] = []
        worker, sent = await _recording_worker(aws, settings, url, handled, receive_window_seconds=window)
        running = asyncio.create_task(worker.run())
        try:
            await asyncio.sleep(0.2)  # its first long poll is parked
            before = sent["ReceiveMessage"]
            for _ in range(15):
                await aws.sqs.send_message(QueueUrl=url, MessageBody=eventbridge_body(order_placed()))
                await asyncio.sleep(0.04)
            await eventually(lambda: _true(len(handled) == 15))  # noqa: B023 - awaited in this iteration
            receives[window] = sent["ReceiveMessage"] - before
        finally:
            worker.stop()
            await running
    # THEN the window needs at most half the receives for the same messages, each handled once
    assert receives[0.4] * 2 <= receives[0.0], receives


async def test_a_stop_does_not_wait_out_the_window(aws: AwsClients, settings: Settings) -> None:
    # GIVEN a worker with a 5 s window that has just received fewer messages than it asked for
    url = await queue_url(aws, settings.queue_name("inventory"))
    await _send(aws, url, 2)
    handled: list[str] = []
    worker, _ = await _recording_worker(aws, settings, url, handled, receive_window_seconds=5.0)
    running = asyncio.create_task(worker.run())
    await eventually(lambda: _true(len(handled) == 2))
    # WHEN it is told to stop
    began = time.monotonic()
    worker.stop()
    await asyncio.wait_for(running, timeout=10)
    # THEN it stops at once, its messages deleted
    assert time.monotonic() - began < 2
    assert await queue_depth(aws, url) == 0
