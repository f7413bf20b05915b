"""Low stock and replenishment on the real runtime: inventory alerts once per crossing of the
reorder point, replenishment places one purchase order per alert however often it is delivered,
and the delivery restores the stock."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from orderflow.aws.clients import AwsClients
from orderflow.aws.dynamo import from_attrs, to_attrs
from orderflow.aws.publisher import EventPublisher
from orderflow.settings import Settings
from tests.support import eventbridge_body, eventually, order_placed, queue_depth, queue_url, stock, stock_events
from workers.runtime.worker import Worker
from workers.services.inventory.store import InventoryStore

StartWorker = Callable[..., Awaitable[Worker]]


async def _purchase_orders(aws: AwsClients, settings: Settings, sku: str) -> list[dict[str, Any]]:
    response = await aws.dynamodb.query(
        TableName=settings.table_name("replenishment"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_attrs({":pk": f"SKU#{sku}"}),
        ConsistentRead=True,
    )
    return [from_attrs(item) for item in response["Items"]]


async def _stock_item(aws: AwsClients, settings: Settings, sku: str) -> dict[str, Any]:
    response = await aws.dynamodb.get_item(
        TableName=settings.table_name("inventory"),
        Key=to_attrs({"pk": f"SKU#{sku}", "sk": "STOCK"}),
        ConsistentRead=True,
    )
    return from_attrs(response["Item"])


async def _settled(aws: AwsClients, settings: Settings, *services: str) -> None:
    urls = [await queue_url(aws, settings.queue_name(s)) for s in services]

    async def empty() -> bool:
        depths = [await queue_depth(aws, url) for url in urls]
        if sum(depths):
            return False
        await asyncio.sleep(0.5)
        return sum([await queue_depth(aws, url) for url in urls]) == 0

    await eventually(empty, timeout=30, every=0.3)


async def test_selling_past_the_reorder_point_orders_once_and_restores_stock(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN 10 units, reorder point 5, reorder quantity 20, and inventory + replenishment running
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("LOW-1", 10, 5, 20)
    for service in ("inventory", "inventory", "replenishment"):
        await start_worker(service, supplier_delay_seconds=0.5)
    # WHEN eight orders of one unit arrive at once (two inventory workers race on the crossing)
    await EventPublisher(aws.events, settings.bus).publish([order_placed([("LOW-1", 1)]) for _ in range(8)])

    # THEN exactly one purchase order is placed, received, and its 20 units arrive
    async def restocked() -> bool:
        orders = await _purchase_orders(aws, settings, "LOW-1")
        return len(orders) == 1 and orders[0]["status"] == "RECEIVED"

    await eventually(restocked, timeout=30)
    await _settled(aws, settings, "inventory", "replenishment")
    [purchase] = await _purchase_orders(aws, settings, "LOW-1")
    assert purchase["quantity"] == 20
    assert await stock(aws, settings, "LOW-1") == 10 - 8 + 20
    # AND the crossing is closed: the next crossing may alert again
    assert "lowAlert" not in await _stock_item(aws, settings, "LOW-1")


async def test_a_stock_low_delivered_many_times_at_once_places_one_purchase_order(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    # GIVEN a StockLow for a SKU with 3 units, and two replenishment workers plus inventory
    await InventoryStore(aws.dynamodb, settings.table_name("inventory")).put_stock("LAPTOP-001", 3, 5, 10)
    low = stock_events(order_placed())[0]
    for service in ("replenishment", "replenishment", "inventory"):
        await start_worker(service, supplier_delay_seconds=0.5)
    # WHEN the same StockLow arrives four times together
    url = await queue_url(aws, settings.queue_name("replenishment"))
    for _ in range(4):
        await aws.sqs.send_message(QueueUrl=url, MessageBody=eventbridge_body(low))
    await _settled(aws, settings, "replenishment", "inventory")
    # THEN one purchase order exists and its quantity arrived once
    [purchase] = await _purchase_orders(aws, settings, "LAPTOP-001")
    assert (purchase["status"], purchase["alertId"]) == ("RECEIVED", str(low.event_id))
    assert await stock(aws, settings, "LAPTOP-001") == 13
