"""Shipping handlers: book a carrier for a paid order, once; decide a customer's cancel.

The race between a cancel and the carrier is decided here, by one conditional write on the order's
shipment item (store.py): the booking claims it before calling the carrier, the cancel claims it
if nobody has. The loser yields: a refused cancel publishes OrderCancellationRejected; a booking
that finds the order cancelled books nothing (payment refunds on OrderCancelled).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderflow.aws.idempotency import ProcessedEvents, TransactionRejected
from orderflow.contracts.events import (
    OrderCancellationRejected,
    OrderCancellationRejectedData,
    OrderCancellationRequested,
    OrderCancelled,
    OrderCancelledData,
    PaymentCompleted,
    ShipmentCreated,
    ShipmentCreatedData,
)
from workers.runtime import Outcome
from workers.runtime.errors import SimulatedTechnicalFailure
from workers.services.shipping.carrier import Booking, Carrier
from workers.services.shipping.store import ShippingStore
from workers.services.simulation import FaultSwitch

SERVICE = "shipping"


@dataclass(frozen=True)
class ShippingDeps:
    store: ShippingStore
    processed: ProcessedEvents
    carrier: Carrier
    faults: FaultSwitch


async def book_shipment(event: PaymentCompleted, deps: ShippingDeps) -> Outcome:
    """A carrier failure raises (technical): retried with backoff, then the DLQ."""
    if (done := await deps.processed.check_first(event.event_id)) is not None:
        return done
    paid = event.data
    try:
        await deps.faults.fail_if_asked(SERVICE, paid.order_id, paid.simulation)
    except SimulatedTechnicalFailure:
        # A broken shipping service has claimed nothing yet, so a cancel can still win meanwhile.
        shipment = await deps.store.shipment(paid.order_id)
        if shipment is None or shipment["state"] != "CANCELLED":
            raise
        return await deps.processed.commit(event.event_id, [], [])
    standing = await deps.store.claim_for_booking(paid.order_id)
    if standing is not None and standing["state"] == "CANCELLED":
        return await deps.processed.commit(event.event_id, [], [])  # the cancel won: book nothing
    if standing is not None:
        return await deps.processed.commit(event.event_id, [], [shipment_created(event, booking_of(standing))])
    units = sum(line.quantity for line in paid.items)
    booking = await deps.carrier.book(reference=paid.order_id, units=units)
    created = shipment_created(event, booking)
    try:
        return await deps.processed.commit(
            event.event_id, [deps.store.record_shipment(paid.order_id, booking, units)], [created]
        )
    except TransactionRejected:
        # A concurrent delivery of this event recorded the same booking (the carrier dedups).
        return await deps.processed.commit(event.event_id, [], [created])


async def decide_cancellation(event: OrderCancellationRequested, deps: ShippingDeps) -> Outcome:
    """The cancel wins only if nobody has claimed the order for the carrier."""
    order = event.data
    cancelled = OrderCancelled.caused_by(
        event, OrderCancelledData(order_id=order.order_id, customer_email=order.customer_email), service=SERVICE
    )
    try:
        return await deps.processed.commit(
            event.event_id, [deps.store.record_cancellation(order.order_id)], [cancelled]
        )
    except TransactionRejected:
        standing = await deps.store.shipment(order.order_id)
    if standing is not None and standing["state"] == "CANCELLED":
        return await deps.processed.commit(event.event_id, [], [cancelled])
    rejected = OrderCancellationRejected.caused_by(
        event,
        OrderCancellationRejectedData(order_id=order.order_id, customer_email=order.customer_email),
        service=SERVICE,
    )
    return await deps.processed.commit(event.event_id, [], [rejected])


def booking_of(item: dict[str, Any]) -> Booking:
    return Booking(str(item["shipmentId"]), str(item["carrier"]), str(item["trackingNumber"]))


def shipment_created(event: PaymentCompleted, booking: Booking) -> ShipmentCreated:
    paid = event.data
    return ShipmentCreated.caused_by(
        event,
        ShipmentCreatedData(
            order_id=paid.order_id,
            customer_email=paid.customer_email,
            shipment_id=booking.shipment_id,
            carrier=booking.carrier,
            tracking_number=booking.tracking_number,
        ),
        service=SERVICE,
    )
