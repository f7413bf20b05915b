"""The orders projector against the emulator: one conditional update per event in the common case
(its timeline entry and its change, on the order item), a read only when it fails; repeats, late
arrivals, races, and entries written as items of their own by the projector before."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from orderflow.aws.clients import AwsClients
from orderflow.aws.dynamo import from_attrs, to_attrs
from orderflow.contracts import Event
from orderflow.contracts.events import (
    InventoryReservationFailed,
    InventoryReservationFailedData,
    InventoryReserved,
    InventoryReservedData,
    PaymentCompleted,
    PaymentCompletedData,
    ShipmentCreated,
    ShipmentCreatedData,
    Shortage,
)
from orderflow.orders_table import entry_name, order_key, timeline, timeline_key
from orderflow.settings import Settings
from tests.support import cancellation_events, order_placed
from workers.runtime.errors import TechnicalError
from workers.services.orders.handlers import OrdersDeps, project
from workers.services.orders.store import OrdersStore


def saga() -> tuple[Any, list[Event]]:
    placed = order_placed([("SKU-P", 1)])
    order = placed.data
    reserved = InventoryReserved.caused_by(
        placed, InventoryReservedData.model_validate(order.model_dump()), service="t"
    )
    paid = PaymentCompleted.caused_by(
        reserved,
        PaymentCompletedData(
            order_id=order.order_id,
            customer_email=order.customer_email,
            payment_id="pay_t",
            amount=order.total,
            currency="USD",
            items=order.items,
        ),
        service="t",
    )
    shipped = ShipmentCreated.caused_by(
        paid,
        ShipmentCreatedData(
            order_id=order.order_id,
            customer_email=order.customer_email,
            shipment_id="shp_t",
            carrier="t",
            tracking_number="T1",
        ),
        service="t",
    )
    return placed, [reserved, paid, shipped]


async def placed_order(aws: AwsClients, settings: Settings, placed: Any) -> OrdersDeps:
    item = {**order_key(placed.data.order_id), "orderId": str(placed.data.order_id), "status": "PLACED", "version": 1}
    await aws.dynamodb.put_item(TableName=settings.table_name("orders"), Item=to_attrs(item))
    return OrdersDeps(OrdersStore(aws.dynamodb, settings.table_name("orders")))


async def state(aws: AwsClients, settings: Settings, placed: Any) -> tuple[dict[str, Any], list[str]]:
    response = await aws.dynamodb.query(
        TableName=settings.table_name("orders"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_attrs({":pk": f"ORDER#{placed.data.order_id}"}),
        ConsistentRead=True,
    )
    items = [from_attrs(i) for i in response["Items"]]
    [order] = [i for i in items if i["sk"] == "ORDER"]
    return order, sorted(str(e["eventType"]) for e in timeline(order, items))


async def test_in_order_events_each_move_the_order_once_and_repeats_change_nothing(
    aws: AwsClients, settings: Settings
) -> None:
    placed, events = saga()
    deps = await placed_order(aws, settings, placed)
    for event in events:
        await project(event, deps)
        await project(event, deps)  # delivered twice
    order, entries = await state(aws, settings, placed)
    assert (order["status"], order["version"]) == ("SHIPPED", 4)  # three moves, no more
    assert entries == ["InventoryReserved", "PaymentCompleted", "ShipmentCreated"]
    assert [k for k in order if k.startswith("EVENT#")] == [entry_name(e.event_id) for e in events]
    for event in events:  # a late repeat of every event, after the order is final
        await project(event, deps)
    assert (await state(aws, settings, placed)) == (order, entries)


async def test_late_events_and_a_cancel_of_a_shipped_order_read_and_move_nothing_back(
    aws: AwsClients, settings: Settings
) -> None:
    placed, [reserved, paid, shipped] = saga()
    _, _, rejected, _ = cancellation_events(placed)
    deps = await placed_order(aws, settings, placed)
    for event in (shipped, rejected, paid, reserved, rejected):
        await project(event, deps)
    order, entries = await state(aws, settings, placed)
    # two changes (the late events join the timeline without moving the order or its version)
    assert (order["status"], order.get("cancellation"), order["version"]) == ("SHIPPED", "REFUSED", 3)
    assert entries == sorted(["ShipmentCreated", "OrderCancellationRejected", "PaymentCompleted", "InventoryReserved"])


async def test_an_entry_written_as_an_item_by_the_previous_projector_is_finished_once(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN the previous projector's first write for an event (an EVENT# item of its own), and its
    # process gone before the order moved
    placed, [reserved, *_] = saga()
    deps = await placed_order(aws, settings, placed)
    entry = {
        **timeline_key(placed.data.order_id, reserved.event_id),
        "eventType": reserved.event_type,
        "source": reserved.source,
        "occurredAt": reserved.occurred_at.isoformat(),
    }
    await aws.dynamodb.put_item(TableName=settings.table_name("orders"), Item=to_attrs(entry))
    # WHEN this projector gets the redelivery, twice
    await project(reserved, deps)
    await project(reserved, deps)
    # THEN the order moved once and its timeline shows the event once
    order, entries = await state(aws, settings, placed)
    assert (order["status"], order["version"], entries) == ("STOCK_RESERVED", 2, ["InventoryReserved"])


async def test_a_customer_cancel_accepted_after_an_out_of_stock_cancel_is_read_and_recorded_once(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN an order cancelled for want of stock (terminal)
    placed, _ = saga()
    _, cancelled, _, _ = cancellation_events(placed)
    failed = InventoryReservationFailed.caused_by(
        placed,
        InventoryReservationFailedData(
            order_id=placed.data.order_id,
            customer_email=placed.data.customer_email,
            shortages=(Shortage(sku="SKU-P", requested=1, available=0),),
        ),
        service="t",
    )
    deps = await placed_order(aws, settings, placed)
    await project(failed, deps)
    # WHEN the customer's cancel, accepted meanwhile, arrives (its status move cannot apply: the
    # one-write path fails and the order is read), twice
    await project(cancelled, deps)
    await project(cancelled, deps)
    # THEN the cancel is recorded with its entry, under the version guard, once
    order, entries = await state(aws, settings, placed)
    assert (order["status"], order["reason"], order["cancellation"], order["version"]) == (
        "CANCELLED",
        "OUT_OF_STOCK",
        "ACCEPTED",
        3,
    )
    assert entries == ["InventoryReservationFailed", "OrderCancelled"]


@pytest.mark.parametrize("seed", [1, 2])
async def test_every_event_delivered_three_times_concurrently_ends_as_applied_once(
    aws: AwsClients, settings: Settings, seed: int
) -> None:
    placed, events = saga()
    _, cancelled, _, refunded = cancellation_events(placed)
    deps = await placed_order(aws, settings, placed)
    deliveries = [*events[:2], cancelled, refunded] * 3
    random.Random(seed).shuffle(deliveries)
    await asyncio.gather(*(project(event, deps) for event in deliveries))
    order, entries = await state(aws, settings, placed)
    assert (order["status"], order["reason"], order["cancellation"], order["refund"]) == (
        "CANCELLED",
        "CUSTOMER_CANCELLED",
        "ACCEPTED",
        "REFUNDED",
    )
    assert entries == sorted(["InventoryReserved", "PaymentCompleted", "OrderCancelled", "PaymentRefunded"])


async def test_an_event_for_an_order_that_does_not_exist_is_a_technical_error(
    aws: AwsClients, settings: Settings
) -> None:
    _, [reserved, *_] = saga()
    with pytest.raises(TechnicalError, match="not found"):
        await project(reserved, OrdersDeps(OrdersStore(aws.dynamodb, settings.table_name("orders"))))
