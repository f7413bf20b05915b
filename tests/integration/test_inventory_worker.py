"""The inventory service on the real runtime against the emulator: atomic reservations, no
overselling, duplicate deliveries, compensation, poison messages."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.events import PaymentFailed, PaymentFailedData
from orderflow.settings import Settings
from tests.support import (
    drain_queue,
    eventbridge_body,
    eventually,
    order_placed,
    queue_depth,
    queue_url,
    same_event,
    stock,
)
from workers.runtime.worker import Worker
from workers.services.inventory.store import InventoryStore

StartWorker = Callable[..., Awaitable[Worker]]


async def _outcomes(aws: AwsClients, settings: Settings, count: int, timeout: float = 15) -> list[dict[str, Any]]:
    """The inventory outcomes the bus routed to the orders projector's queue (not running here)."""
    url = await queue_url(aws, settings.queue_name("orders"))
    seen: list[dict[str, Any]] = []

    async def enough() -> list[dict[str, Any]] | None:
        seen.extend(await drain_queue(aws, url, wait=0))
        return seen if len(seen) >= count else None

    return await eventually(enough, timeout=timeout)


async def test_order_with_enough_stock_reserves_every_line(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN stock of 5 and 1 units
    store = InventoryStore(aws.dynamodb, settings.table_name("inventory"))
    await store.put_stock("SKU-A", 5)
    await store.put_stock("SKU-B", 1)
    await start_worker("inventory")
    # WHEN an order for 2 + 1 units is placed on the bus
    placed = order_placed([("SKU-A", 2), ("SKU-B", 1)])
    await EventPublisher(aws.events, settings.bus).publish([placed])
    # THEN InventoryReserved is published with the order carried forward, and stock drops
    [outcome] = await _outcomes(aws, settings, 1)
    assert outcome["detail-type"] == "InventoryReserved"
    assert outcome["detail"]["causationId"] == str(placed.event_id)
    assert outcome["detail"]["data"]["orderId"] == str(placed.data.order_id)
    assert (await stock(aws, settings, "SKU-A"), await stock(aws, settings, "SKU-B")) == (3, 0)


async def test_order_short_on_one_line_reserves_nothing(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    store = InventoryStore(aws.dynamodb, settings.table_name("inventory"))
    await store.put_stock("SKU-A", 5)
    await store.put_stock("SKU-B", 1)
    await start_worker("inventory")
    await EventPublisher(aws.events, settings.bus).publish([order_placed([("SKU-A", 2), ("SKU-B", 2)])])
    [outcome] = await _outcomes(aws, settings, 1)
    assert outcome["detail-type"] == "InventoryReservationFailed"
    assert outcome["detail"]["data"]["shortages"] == [{"sku": "SKU-B", "requested": 2, "available": 1}]
    assert (await stock(aws, settings, "SKU-A"), await stock(aws, settings, "SKU-B")) == (5, 1)


async def test_concurrent_orders_for_the_last_unit_exactly_one_wins(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN one unit left and two workers competing (like two Fargate tasks)
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("LAST-1", 1)
    await start_worker("inventory")
    await start_worker("inventory")
    # WHEN ten orders for it arrive at once
    await EventPublisher(aws.events, settings.bus).publish([order_placed([("LAST-1", 1)]) for _ in range(10)])
    # THEN exactly one is reserved, nine fail, and stock never goes below zero
    outcomes = await _outcomes(aws, settings, 10, timeout=30)
    await asyncio.sleep(1)  # a redelivery's republish, if any, arrives too
    outcomes += await drain_queue(aws, await queue_url(aws, settings.queue_name("orders")), wait=0)
    # (a redelivered order republishes its stored outcome: the same event, never a second decision)
    by_id: dict[str, dict[str, Any]] = {}
    for outcome in outcomes:
        first = by_id.setdefault(outcome["detail"]["eventId"], outcome["detail"])
        assert same_event(first, outcome["detail"]), (first, outcome["detail"])
    per_order = Counter(d["data"]["orderId"] for d in by_id.values())
    assert len(per_order) == 10 and set(per_order.values()) == {1}, per_order
    kinds = sorted(o["eventType"] for o in by_id.values())
    assert kinds == ["InventoryReservationFailed"] * 9 + ["InventoryReserved"]
    assert await stock(aws, settings, "LAST-1") == 0


async def test_duplicate_delivery_reserves_once_and_republishes_the_same_event(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("DUP-1", 10)
    placed = order_placed([("DUP-1", 3)])
    url = await queue_url(aws, settings.queue_name("inventory"))
    # The same EventBridge delivery, twice (at-least-once delivery does this).
    body = eventbridge_body(placed)
    await aws.sqs.send_message(QueueUrl=url, MessageBody=body)
    await aws.sqs.send_message(QueueUrl=url, MessageBody=body)
    await start_worker("inventory")
    outcomes = await _outcomes(aws, settings, 2)
    assert {o["detail"]["eventId"] for o in outcomes} == {outcomes[0]["detail"]["eventId"]}
    assert same_event(outcomes[0]["detail"], outcomes[1]["detail"])
    assert await stock(aws, settings, "DUP-1") == 7


async def test_payment_failure_releases_exactly_what_was_reserved_once(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("REL-1", 10)
    await start_worker("inventory")
    publisher = EventPublisher(aws.events, settings.bus)
    placed = order_placed([("REL-1", 4)])
    await publisher.publish([placed])
    await _outcomes(aws, settings, 1)
    assert await stock(aws, settings, "REL-1") == 6
    declined = PaymentFailed.create(
        PaymentFailedData(
            order_id=placed.data.order_id,
            customer_email="student@example.com",
            decline_code="card_declined",
            amount=40,
            currency="USD",
        ),
        correlation_id=placed.correlation_id,
    )
    other = PaymentFailed.create(declined.data, correlation_id=placed.correlation_id)
    # The same failure delivered twice, and a second, distinct failure for the same order.
    await publisher.publish([declined, declined, other])
    # The orders queue hears the three PaymentFailed deliveries and the inventory outcomes.
    routed = await _outcomes(aws, settings, 5)
    await asyncio.sleep(1)
    routed += await drain_queue(aws, await queue_url(aws, settings.queue_name("orders")), wait=0)
    released = [o for o in routed if o["source"] == "orderflow.inventory"]
    # THEN one release, republished identically for the duplicate; the distinct failure adds none
    assert [o["detail-type"] for o in released] == ["InventoryReleased"] * 2
    assert same_event(released[0]["detail"], released[1]["detail"])
    assert released[0]["detail"]["data"]["items"] == [{"sku": "REL-1", "quantity": 4}]
    assert await stock(aws, settings, "REL-1") == 10


async def test_poison_message_reaches_the_dlq_while_the_worker_keeps_serving(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN garbage and an unknown event version on the queue, then a valid order
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("OK-1", 5)
    url = await queue_url(aws, settings.queue_name("inventory"))
    dlq = await queue_url(aws, settings.dlq_name("inventory"))
    await aws.sqs.send_message(QueueUrl=url, MessageBody="{not json")
    unknown = eventbridge_body(order_placed()).replace('"eventVersion":1', '"eventVersion":99')
    await aws.sqs.send_message(QueueUrl=url, MessageBody=unknown)
    worker = await start_worker("inventory")
    await EventPublisher(aws.events, settings.bus).publish([order_placed([("OK-1", 1)])])
    # THEN the valid order is served at once...
    [outcome] = await _outcomes(aws, settings, 1)
    assert outcome["detail-type"] == "InventoryReserved"
    # ...and both bad messages land in the DLQ after maxReceiveCount receives, bodies intact
    await eventually(lambda: _at_least(queue_depth(aws, dlq), 2), timeout=30)
    response = await aws.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10)
    assert sorted(m["Body"] for m in response["Messages"]) == sorted(["{not json", unknown])
    max_receives = settings.topology.service("inventory").queue.max_receive_count
    assert worker.stats["rejected"] == 2 * max_receives
    assert await queue_depth(aws, url) == 0


async def _at_least(depth: Awaitable[int], n: int) -> bool:
    return await depth >= n
