"""Receivers: one long poll while the queue trickles, all of them while receives come back full."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.settings import Settings
from tests.support import eventually, order_placed
from workers.runtime.worker import Worker
from workers.services.inventory.store import InventoryStore

StartWorker = Callable[..., Awaitable[Worker]]


def _track_polls(worker: Worker) -> dict[str, int]:
    """Receives in flight now, and the most ever in flight at once."""
    polls = {"now": 0, "most": 0}
    client = worker._queue._client

    def sent(**_: Any) -> None:
        polls["now"] += 1
        polls["most"] = max(polls["most"], polls["now"])

    def answered(**_: Any) -> None:
        polls["now"] -= 1

    client.meta.events.register("before-call.sqs.ReceiveMessage", sent)
    client.meta.events.register("after-call.sqs.ReceiveMessage", answered)
    return polls


async def test_an_idle_queue_is_long_polled_by_one_receiver(settings: Settings, start_worker: StartWorker) -> None:
    # GIVEN a worker with four receivers and nothing in its queue
    worker = await start_worker("inventory", receivers=4)
    polls = _track_polls(worker)
    # WHEN it has been idle for a while
    await asyncio.sleep(2)
    # THEN at most one receive is in flight (the first poll started before tracking began)
    assert polls["most"] <= 1


async def test_a_backlog_brings_every_receiver_in(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN a backlog of 60 orders already waiting in the inventory queue
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("SKU-A", 1000)
    publisher = EventPublisher(aws.events, settings.bus)
    await publisher.publish([order_placed([("SKU-A", 1)]) for _ in range(60)])
    # WHEN a worker with four receivers starts on it
    worker = await start_worker("inventory", receivers=4)
    polls = _track_polls(worker)

    async def done() -> bool | None:
        return worker.stats["handled"] >= 60 or None

    await eventually(done, timeout=60)
    # THEN full receives brought the standby receivers in
    assert polls["most"] >= 2
