"""Inventory handlers: reserve stock for a placed order; release it when payment fails or the
customer cancels."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from orderflow.aws.idempotency import ProcessedEvents, TransactionRejected
from orderflow.contracts.events import (
    InventoryReleased,
    InventoryReleasedData,
    InventoryReservationFailed,
    InventoryReservationFailedData,
    InventoryReserved,
    InventoryReservedData,
    OrderCancelled,
    OrderPlaced,
    PaymentFailed,
    Shortage,
    SkuQuantity,
)
from workers.runtime import Outcome, Retry
from workers.runtime.errors import SimulatedTechnicalFailure
from workers.services.inventory import rules
from workers.services.inventory.stock_levels import low_stock_alerts
from workers.services.inventory.store import InventoryStore
from workers.services.simulation import FaultSwitch

SERVICE = "inventory"


@dataclass(frozen=True)
class InventoryDeps:
    store: InventoryStore
    processed: ProcessedEvents
    faults: FaultSwitch


async def reserve_stock(event: OrderPlaced, deps: InventoryDeps) -> Outcome:
    """All lines or none. Enough stock -> InventoryReserved; otherwise InventoryReservationFailed.

    Either way the outcome is stored on the order's reservation item (RESERVED or FAILED), so a
    redelivery is caught by that item's condition and answers the stored outcome.
    """
    if (done := await deps.processed.check_first(event.event_id)) is not None:
        return done
    order = event.data
    try:
        await deps.faults.fail_if_asked(SERVICE, order.order_id, order.simulation)
    except SimulatedTechnicalFailure:
        if not await _closed_by_cancel(order.order_id, deps):
            raise
        return []  # a broken service still yields to a cancel
    units = rules.units_per_sku(order.items)
    if deps.faults.enabled and order.simulation is not None and order.simulation.force_out_of_stock:
        return await _fail(event, rules.shortages(units, {}), deps)
    reserved = InventoryReserved.caused_by(
        event, InventoryReservedData.model_validate(order.model_dump()), service=SERVICE
    )
    reservation = deps.store.reservation_item(order.order_id, units)
    try:
        done = await deps.processed.commit_on(event.event_id, deps.store.take(units), reservation, [reserved])
    except TransactionRejected as rejected:
        return await _rejected(event, units, rejected.codes, deps)
    if not any(isinstance(e, InventoryReserved) for e in done):
        return done  # an earlier delivery of this event found the order short
    return [*done, *await low_stock_alerts(event, units, deps)]


async def _rejected(event: OrderPlaced, units: dict[str, int], codes: list[str], deps: InventoryDeps) -> Outcome:
    """The reservation's transaction failed: its slot is taken, or some line is short."""
    if codes[-1] == "ConditionalCheckFailed":
        return await _slot_taken(event.data.order_id, codes, deps)
    short = rules.shortages(units, await deps.store.available(units))
    if not short:
        # Stock came back between the failed transaction and the read (a release): try again.
        raise Retry(f"reservation rejected ({codes}) but no line is short now", after=1)
    return await _fail(event, short, deps)


async def _fail(event: OrderPlaced, short: list[Shortage], deps: InventoryDeps) -> Outcome:
    """Store the order's FAILED reservation with its outcome; answer whichever outcome stands."""
    order = event.data
    failed = InventoryReservationFailed.caused_by(
        event,
        InventoryReservationFailedData(order_id=order.order_id, customer_email=order.customer_email, shortages=short),
        service=SERVICE,
    )
    try:
        return await deps.processed.commit_on(
            event.event_id, [], deps.store.failed_reservation_item(order.order_id), [failed]
        )
    except TransactionRejected as rejected:
        return await _slot_taken(order.order_id, rejected.codes, deps)


async def _slot_taken(order_id: uuid.UUID, codes: list[str], deps: InventoryDeps) -> Outcome:
    """The order's reservation slot is held, not by this event: by a cancel that came first (then
    this order reserves nothing, and a redelivery finds the same), or by something unexpected."""
    if await _closed_by_cancel(order_id, deps):
        return []
    raise Retry(f"the reservation slot is held by another event ({codes})", after=1)


async def _closed_by_cancel(order_id: uuid.UUID, deps: InventoryDeps) -> bool:
    reservation = await deps.store.reservation(order_id)
    return reservation is not None and reservation.get("state") == "CANCELLED"


async def release_for_cancel(event: OrderCancelled, deps: InventoryDeps) -> Outcome:
    """A customer's cancel won: release what the order holds, or close it to a later reservation."""
    order_id = event.data.order_id
    if await deps.store.reservation(order_id) is None:
        try:
            return await deps.processed.commit(event.event_id, [deps.store.close_to_reservation(order_id)], [])
        except TransactionRejected:
            pass  # the reservation landed in between: release it
    return await release_stock(event, deps)


async def release_stock(event: PaymentFailed | OrderCancelled, deps: InventoryDeps) -> Outcome:
    """Compensation: give back exactly what the order reserved, once."""
    if (done := await deps.processed.check_first(event.event_id)) is not None:
        return done
    order_id = event.data.order_id
    reservation = await deps.store.reservation(order_id)
    if reservation is None or reservation.get("state") != "RESERVED":
        return await deps.processed.commit(event.event_id, [], [])  # never reserved, or already released
    units: dict[str, int] = reservation["units"]
    released = InventoryReleased.caused_by(
        event,
        InventoryReleasedData(
            order_id=order_id,
            items=tuple(SkuQuantity(sku=sku, quantity=q) for sku, q in units.items()),
        ),
        service=SERVICE,
    )
    try:
        return await deps.processed.commit(event.event_id, deps.store.release(order_id, units), [released])
    except TransactionRejected:
        # Released by another event in between: nothing left to give back.
        return await deps.processed.commit(event.event_id, [], [])
