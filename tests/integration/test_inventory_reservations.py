"""The reservation item carries the OrderPlaced's processed record (RESERVED or FAILED), against the
emulator: redeliveries, a crash before the publish, racing deliveries, and what releases find."""

from __future__ import annotations

import asyncio

from orderflow.aws.clients import AwsClients
from orderflow.aws.idempotency import ProcessedEvents, put_new
from orderflow.contracts import Event
from orderflow.contracts.events import (
    InventoryReserved,
    InventoryReservedData,
    OrderCancelled,
    OrderCancelledData,
    PaymentFailed,
    PaymentFailedData,
)
from orderflow.settings import Settings
from tests.support import get_item, order_placed, stock
from workers.services.inventory.handlers import InventoryDeps, release_for_cancel, release_stock, reserve_stock
from workers.services.inventory.store import InventoryStore
from workers.services.simulation import FaultSwitch


def inventory_deps(aws: AwsClients, settings: Settings) -> InventoryDeps:
    table = settings.table_name("inventory")
    return InventoryDeps(
        InventoryStore(aws.dynamodb, table),
        ProcessedEvents(aws.dynamodb, table),
        FaultSwitch(aws.dynamodb, table, enabled=False),
    )


def published(events: list[Event]) -> list[bytes]:
    """What the publisher would send: the events' full bodies."""
    return [event.to_json() for event in events]


async def reservation(aws: AwsClients, settings: Settings, order_id: object) -> dict[str, object] | None:
    return await get_item(aws, settings.table_name("inventory"), f"ORDER#{order_id}", "RESERVATION")


async def test_the_reservation_carries_the_processed_record_and_no_record_of_its_own_is_written(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN stock for an order
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("CARRY-1", 5)
    placed = order_placed([("CARRY-1", 2)])
    # WHEN it is reserved
    [reserved] = await reserve_stock(placed, deps)
    # THEN the reservation holds the event id and the outcome, and there is no separate record
    item = await reservation(aws, settings, placed.data.order_id)
    assert item is not None and item["state"] == "RESERVED" and item["processedEvent"] == str(placed.event_id)
    assert item["outcome"] == [reserved.to_json().decode()]
    assert await get_item(aws, settings.table_name("inventory"), f"EVENT#{placed.event_id}", "PROCESSED") is None


async def test_a_crash_between_the_reservation_and_the_publish_republishes_the_same_event(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN an order reserved whose outcome was never published (the worker died before PutEvents)
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("CRASH-1", 5)
    placed = order_placed([("CRASH-1", 2)])
    lost = await reserve_stock(placed, deps)
    # WHEN SQS delivers the OrderPlaced again, with stock changed meanwhile
    await deps.store.put_stock("CRASH-1", 1)
    again = await reserve_stock(placed, deps)
    # THEN the same event, byte for byte, is answered, and nothing more is taken
    assert published(again) == published(lost) and isinstance(again[0], InventoryReserved)
    assert await stock(aws, settings, "CRASH-1") == 1


async def test_a_redelivery_after_a_failed_reservation_answers_the_same_outcome_even_with_stock_back(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN an order that was short, answered InventoryReservationFailed
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("SHORT-1", 1)
    placed = order_placed([("SHORT-1", 2)])
    first = await reserve_stock(placed, deps)
    assert [type(e).__name__ for e in first] == ["InventoryReservationFailed"]
    item = await reservation(aws, settings, placed.data.order_id)
    assert item is not None and item["state"] == "FAILED" and item["units"] == {}
    # WHEN stock arrives and the same OrderPlaced is delivered again
    await deps.store.put_stock("SHORT-1", 10)
    again = await reserve_stock(placed, deps)
    # THEN the same failure is published again (same id, same shortages) and nothing is taken
    assert published(again) == published(first)
    assert await stock(aws, settings, "SHORT-1") == 10


async def test_racing_deliveries_of_one_order_reserve_once_and_answer_one_outcome(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN stock for one order, and the same OrderPlaced handled by four deliveries at once
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("RACE-1", 3)
    placed = order_placed([("RACE-1", 3)])
    # WHEN they race (a transaction conflict is technical: the runtime would retry it)
    answers = await asyncio.gather(*(reserve_stock(placed, deps) for _ in range(4)), return_exceptions=True)
    settled = [a if isinstance(a, list) else await reserve_stock(placed, deps) for a in answers]
    # THEN every delivery answers the one stored outcome, and stock moved once
    assert all(published(a) == published(settled[0]) for a in settled)
    assert isinstance(settled[0][0], InventoryReserved)
    assert await stock(aws, settings, "RACE-1") == 0


async def test_racing_deliveries_of_a_short_order_answer_one_failure(aws: AwsClients, settings: Settings) -> None:
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("RACE-2", 1)
    placed = order_placed([("RACE-2", 2)])
    answers = await asyncio.gather(*(reserve_stock(placed, deps) for _ in range(4)), return_exceptions=True)
    settled = [a if isinstance(a, list) else await reserve_stock(placed, deps) for a in answers]
    assert all(published(a) == published(settled[0]) for a in settled)
    assert [type(e).__name__ for e in settled[0]] == ["InventoryReservationFailed"]
    assert await stock(aws, settings, "RACE-2") == 1


async def test_a_failed_reservation_gives_nothing_back_on_a_cancel_or_a_payment_failure(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN an order that was short
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("SHORT-2", 1)
    placed = order_placed([("SHORT-2", 5)])
    await reserve_stock(placed, deps)
    # WHEN the customer cancels it, and a (stray) payment failure arrives
    cancelled = OrderCancelled.caused_by(
        placed, OrderCancelledData(order_id=placed.data.order_id, customer_email="a@example.com"), service="t"
    )
    declined = PaymentFailed.create(
        PaymentFailedData(
            order_id=placed.data.order_id, customer_email="a@example.com", decline_code="x", amount=5, currency="USD"
        ),
        correlation_id=placed.correlation_id,
    )
    # THEN neither releases anything, and the reservation stays FAILED
    assert await release_for_cancel(cancelled, deps) == []
    assert await release_stock(declined, deps) == []
    assert await stock(aws, settings, "SHORT-2") == 1
    item = await reservation(aws, settings, placed.data.order_id)
    assert item is not None and item["state"] == "FAILED"


async def test_a_redelivery_after_a_release_answers_the_original_reservation(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN an order reserved, then released by a cancel
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("REL-2", 4)
    placed = order_placed([("REL-2", 4)])
    first = await reserve_stock(placed, deps)
    cancelled = OrderCancelled.caused_by(
        placed, OrderCancelledData(order_id=placed.data.order_id, customer_email="a@example.com"), service="t"
    )
    assert [type(e).__name__ for e in await release_for_cancel(cancelled, deps)] == ["InventoryReleased"]
    # WHEN the OrderPlaced is delivered again
    again = await reserve_stock(placed, deps)
    # THEN it answers the stored reservation and takes nothing: the stock is all back
    assert published(again) == published(first)
    assert await stock(aws, settings, "REL-2") == 4


async def test_a_reservation_made_with_a_separate_record_still_answers_its_redelivery(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN a reservation written the earlier way: the reservation plus a processed record of its own
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("OLD-1", 5)
    placed = order_placed([("OLD-1", 2)])
    reserved = InventoryReserved.caused_by(
        placed, InventoryReservedData.model_validate(placed.data.model_dump()), service="inventory"
    )
    changes = [
        *deps.store.take({"OLD-1": 2}),
        put_new(deps.store.table, deps.store.reservation_item(placed.data.order_id, {"OLD-1": 2})),
    ]
    await deps.processed.commit(placed.event_id, changes, [reserved])
    # WHEN the OrderPlaced is delivered again after the deploy
    again = await reserve_stock(placed, deps)
    # THEN the stored outcome is answered and stock moved once
    assert published(again) == published([reserved])
    assert await stock(aws, settings, "OLD-1") == 3
