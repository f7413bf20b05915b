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
    """All lines or none. Enough stock -> InventoryReserved; otherwise InventoryReservationFailed."""
    if (done := await deps.processed.check_first(event.event_id)) is not None:
        return done
    order = event.data
    try:
        await deps.faults.fail_if_asked(SERVICE, order.order_id, order.simulation)
    except SimulatedTechnicalFailure:
        if not await _closed_by_cancel(order.order_id, deps):
            raise
        return await deps.processed.commit(event.event_id, [], [])  # a broken service still yields to a cancel
    units = rules.units_per_sku(order.items)
    forced_short = deps.faults.enabled and order.simulation is not None and order.simulation.force_out_of_stock
    if not forced_short:
        reserved = InventoryReserved.caused_by(
            event, InventoryReservedData.model_validate(order.model_dump()), service=SERVICE
        )
        try:
            done = await deps.processed.commit(event.event_id, deps.store.reserve(order.order_id, units), [reserved])
        except TransactionRejected as rejected:
            codes = rejected.codes  # some line is short, or the reservation exists: decide below
        else:
            if not any(isinstance(e, InventoryReserved) for e in done):
                return done  # a concurrent delivery decided otherwise
            return [*done, *await low_stock_alerts(event, units, deps)]
    else:
        codes = []
    if codes and codes[-1] == "ConditionalCheckFailed" and await _closed_by_cancel(order.order_id, deps):
        return await deps.processed.commit(event.event_id, [], [])  # cancelled before we reserved
    available = await deps.store.available(units)
    short = rules.shortages(units, {} if forced_short else available)
    if not short:
        # Stock came back between the failed transaction and the read (a release), or a
        # concurrent delivery of this event is mid-commit: try again shortly.
        raise Retry(f"reservation rejected ({codes}) but no line is short now", after=1)
    failed = InventoryReservationFailed.caused_by(
        event,
        InventoryReservationFailedData(order_id=order.order_id, customer_email=order.customer_email, shortages=short),
        service=SERVICE,
    )
    return await deps.processed.commit(event.event_id, [], [failed])


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
