"""Shipping handlers: book a carrier for a paid order, once; decide a customer's cancel.

The race between a cancel and the carrier is decided here, by one conditional write on the order's
shipment item (store.py): the booking claims it before calling the carrier, the cancel claims it
if nobody has. The loser yields: a refused cancel publishes OrderCancellationRejected; a booking
that finds the order cancelled books nothing (payment refunds on OrderCancelled). The item also
says which event decided what, and when: a redelivery republishes the same outcome, rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

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
from workers.runtime.errors import SimulatedTechnicalFailure, TechnicalError
from workers.services.shipping.carrier import Booking, Carrier
from workers.services.shipping.store import ShippingStore
from workers.services.simulation import FaultSwitch

SERVICE = "shipping"


@dataclass(frozen=True)
class ShippingDeps:
    store: ShippingStore
    carrier: Carrier
    faults: FaultSwitch


async def book_shipment(event: PaymentCompleted, deps: ShippingDeps) -> Outcome:
    """A carrier failure raises (technical): retried with backoff, then the DLQ."""
    paid = event.data
    try:
        await deps.faults.fail_if_asked(SERVICE, paid.order_id, paid.simulation)
    except SimulatedTechnicalFailure:
        # A broken shipping service has claimed nothing yet, so a cancel can still win meanwhile.
        shipment = await deps.store.shipment(paid.order_id)
        if shipment is None or shipment["state"] != "CANCELLED":
            raise
        return []
    standing = await deps.store.claim_for_booking(paid.order_id)
    if standing is None:  # ours: book (again, after a crash: the carrier dedups on the order)
        units = sum(line.quantity for line in paid.items)
        booking = await deps.carrier.book(reference=paid.order_id, units=units)
        created = shipment_created(event, booking)
        if await deps.store.record_shipment(
            paid.order_id, booking, units, event=event.event_id, at=created.occurred_at
        ):
            return [created]
        standing = await deps.store.shipment(paid.order_id)  # a concurrent delivery recorded it first
    if standing is None or standing["state"] == "BOOKING":
        raise TechnicalError(f"shipment of {paid.order_id} not booked after a failed conditional update")
    if standing["state"] == "CANCELLED":
        return []  # the cancel won: book nothing
    return [shipment_created(event, booking_of(standing), at=_at(standing, "bookAt"))]


async def decide_cancellation(event: OrderCancellationRequested, deps: ShippingDeps) -> Outcome:
    """The cancel wins only if nobody has claimed the order for the carrier."""
    order = event.data
    cancelled = order_cancelled(event)
    if await deps.store.record_cancellation(order.order_id, event=event.event_id, at=cancelled.occurred_at):
        return [cancelled]
    standing = await deps.store.shipment(order.order_id)
    if standing is None:
        raise TechnicalError(f"shipment of {order.order_id} vanished after a failed conditional put")
    if standing["state"] == "CANCELLED":
        return [order_cancelled(event, at=_at(standing, "cancelAt"))]
    refused_at = await deps.store.record_refusal(order.order_id, event=event.event_id, at=datetime.now(UTC))
    rejected = OrderCancellationRejected.caused_by(
        event,
        OrderCancellationRejectedData(order_id=order.order_id, customer_email=order.customer_email),
        service=SERVICE,
        occurred_at=refused_at,
    )
    return [rejected]


def order_cancelled(event: OrderCancellationRequested, at: datetime | None = None) -> OrderCancelled:
    order = event.data
    data = OrderCancelledData(order_id=order.order_id, customer_email=order.customer_email)
    return OrderCancelled.caused_by(event, data, service=SERVICE, occurred_at=at)


def booking_of(item: dict[str, Any]) -> Booking:
    return Booking(str(item["shipmentId"]), str(item["carrier"]), str(item["trackingNumber"]))


def _at(item: dict[str, Any], name: str) -> datetime | None:
    """When the stored outcome occurred (None on an item written before the time was kept)."""
    return datetime.fromisoformat(str(item[name])) if name in item else None


def shipment_created(event: PaymentCompleted, booking: Booking, at: datetime | None = None) -> ShipmentCreated:
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
        occurred_at=at,
    )
