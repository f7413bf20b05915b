"""Shipping handler: book a carrier for a paid order, once; publish ShipmentCreated."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.aws.idempotency import ProcessedEvents
from orderflow.contracts.events import PaymentCompleted, ShipmentCreated, ShipmentCreatedData
from workers.runtime import Outcome
from workers.services.shipping.carrier import Carrier
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
    await deps.faults.fail_if_asked(SERVICE, paid.order_id, paid.simulation)
    units = sum(line.quantity for line in paid.items)
    booking = await deps.carrier.book(reference=paid.order_id, units=units)
    created = ShipmentCreated.caused_by(
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
    return await deps.processed.commit(
        event.event_id, [deps.store.record_shipment(paid.order_id, booking, units)], [created]
    )
