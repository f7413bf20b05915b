"""What the customer is told for each outcome. Pure: event in, message out."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.contracts import Event
from orderflow.contracts.events import (
    InventoryReservationFailed,
    OrderCancellationRejected,
    OrderCancelled,
    PaymentCompleted,
    PaymentFailed,
    PaymentRefunded,
    ShipmentCreated,
)


@dataclass(frozen=True)
class Notification:
    order_id: str
    outcome: str  # the event type: one notification per (order, outcome)
    recipient: str
    subject: str
    text: str


def render(event: Event) -> Notification:
    data = event.data
    order = str(getattr(data, "order_id", ""))
    short = order[:8]
    match event:
        case InventoryReservationFailed():
            skus = ", ".join(s.sku for s in event.data.shortages)
            subject, text = (f"Order {short} cancelled", f"Sorry — we could not reserve {skus}; nothing was charged.")
        case PaymentFailed():
            subject, text = (
                f"Payment for order {short} declined",
                f"Your payment of {event.data.amount} {event.data.currency} was declined "
                f"({event.data.decline_code}); the order is cancelled.",
            )
        case PaymentCompleted():
            subject, text = (
                f"Order {short} confirmed",
                f"We received your payment of {event.data.amount} {event.data.currency}.",
            )
        case ShipmentCreated():
            subject, text = (
                f"Order {short} shipped",
                f"Your order is on its way with {event.data.carrier}, tracking number {event.data.tracking_number}.",
            )
        case OrderCancelled():
            subject, text = (
                f"Order {short} cancelled",
                "Your order is cancelled, as you asked; any payment will be refunded.",
            )
        case OrderCancellationRejected():
            subject, text = (
                f"Order {short} could not be cancelled",
                "Your order had already been handed to the carrier when your cancellation arrived; it is on its way.",
            )
        case PaymentRefunded():
            subject, text = (
                f"Refund for order {short}",
                f"We refunded {event.data.amount} {event.data.currency} (refund {event.data.refund_id}).",
            )
        case _:
            raise ValueError(f"no notification for {event.event_type}")
    return Notification(order, event.event_type, str(getattr(data, "customer_email", "")), subject, text)
