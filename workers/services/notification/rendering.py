"""What the customer is told for each outcome: one template per event type. Pure: event in, message out.

Every message ends with the order's full id and what it is about, so a reply (or a support ticket)
can be matched to the order and to the event that caused it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orderflow.contracts import Event
from orderflow.contracts.events import (
    InventoryReservationFailed,
    OrderCancellationRejected,
    OrderCancelled,
    OrderPlaced,
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
    event_id: str = ""


def _placed(d: Any) -> tuple[str, str]:
    lines = "\n".join(f"  {line.quantity} x {line.sku} at {line.unit_price} {d.currency}" for line in d.items)
    return "received", f"Thank you for your order of {d.total} {d.currency}:\n{lines}\nWe will write again as it moves."


def _out_of_stock(d: Any) -> tuple[str, str]:
    skus = ", ".join(f"{s.sku} (asked {s.requested}, {s.available} left)" for s in d.shortages)
    return (
        "cancelled: out of stock",
        f"Sorry — we could not reserve {skus}. The order is cancelled; nothing was charged.",
    )


def _declined(d: Any) -> tuple[str, str]:
    return "cancelled: payment declined", (
        f"Your payment of {d.amount} {d.currency} was declined ({d.decline_code}). "
        "The order is cancelled and nothing was charged."
    )


def _paid(d: Any) -> tuple[str, str]:
    return "confirmed", f"We received your payment of {d.amount} {d.currency} (payment {d.payment_id})."


def _shipped(d: Any) -> tuple[str, str]:
    return "shipped", f"Your order is on its way with {d.carrier}, tracking number {d.tracking_number}."


def _cancelled(d: Any) -> tuple[str, str]:
    return "cancelled", "Your order is cancelled, as you asked. Anything you paid will be refunded in full."


def _cancel_refused(d: Any) -> tuple[str, str]:
    return "could not be cancelled", (
        "Your order had already been handed to the carrier when your cancellation arrived, so it is on its way. "
        "You can return it once it arrives."
    )


def _refunded(d: Any) -> tuple[str, str]:
    return "refunded", f"We refunded {d.amount} {d.currency} to your payment method (refund {d.refund_id})."


TEMPLATES: dict[type[Event], Callable[[Any], tuple[str, str]]] = {
    OrderPlaced: _placed,
    InventoryReservationFailed: _out_of_stock,
    PaymentFailed: _declined,
    PaymentCompleted: _paid,
    ShipmentCreated: _shipped,
    OrderCancelled: _cancelled,
    OrderCancellationRejected: _cancel_refused,
    PaymentRefunded: _refunded,
}


# Outcomes that tell the customer the same news: the order is cancelled. A customer's cancel can
# race the saga's own cancellation (out of stock, declined) and both are published; the customer
# is told once, by whichever reaches the notification service first.
CANCELLATION = "CANCELLATION"
SAME_NEWS = {
    InventoryReservationFailed.EVENT_TYPE: CANCELLATION,
    PaymentFailed.EVENT_TYPE: CANCELLATION,
    OrderCancelled.EVENT_TYPE: CANCELLATION,
}


def news(outcome: str) -> str:
    """What an outcome tells the customer: one notification per order and piece of news."""
    return SAME_NEWS.get(outcome, outcome)


def render(event: Event) -> Notification:
    template = TEMPLATES.get(type(event))
    if template is None:
        raise ValueError(f"no notification for {event.event_type}")
    data: Any = event.data
    order = str(data.order_id)
    headline, body = template(data)
    text = f"{body}\n\n--\nOrder {order} · {event.event_type} · event {event.event_id}"
    return Notification(
        order, event.event_type, str(data.customer_email), f"Order {order[:8]} {headline}", text, str(event.event_id)
    )
