"""Every customer-facing outcome has a template, and each says what happened, how much, and which order."""

from __future__ import annotations

import pytest

from orderflow.contracts import Event
from tests.support import one_of_each_event
from workers.services.notification.rendering import TEMPLATES, render

EVENTS = {e.event_type: e for e in one_of_each_event()}
# outcome -> fragments its message must carry (besides the order id)
EXPECTED = {
    "OrderPlaced": ("received", "Thank you for your order of 10 USD", "1 x LAPTOP-001 at 10 USD"),
    "InventoryReservationFailed": (
        "out of stock",
        "could not reserve LAPTOP-001 (asked 1, 0 left)",
        "nothing was charged",
    ),
    "PaymentFailed": ("payment declined", "10 USD was declined (card_declined)", "nothing was charged"),
    "PaymentCompleted": ("confirmed", "payment of 10 USD (payment pay_1)"),
    "ShipmentCreated": ("shipped", "simulated, tracking number TRK1"),
    "OrderCancelled": ("cancelled", "as you asked", "refunded in full"),
    "OrderCancellationRejected": ("could not be cancelled", "already been handed to the carrier"),
    "PaymentRefunded": ("refunded", "We refunded 10 USD", "refund re_1"),
}


def test_every_customer_outcome_has_a_template() -> None:
    assert {t.EVENT_TYPE for t in TEMPLATES} == set(EXPECTED)


@pytest.mark.parametrize("outcome", sorted(EXPECTED))
def test_each_template_says_what_happened_to_which_order(outcome: str) -> None:
    event: Event = EVENTS[outcome]
    message = render(event)
    order_id = str(event.order_id)
    assert message.recipient == "student@example.com" and message.outcome == outcome
    assert message.subject.startswith(f"Order {order_id[:8]} ")
    for fragment in EXPECTED[outcome]:
        assert fragment in message.subject + "\n" + message.text, (fragment, message)
    assert message.text.endswith(f"Order {order_id} · {outcome} · event {event.event_id}")


def test_an_event_without_a_customer_message_is_refused() -> None:
    with pytest.raises(ValueError, match="no notification for StockLow"):
        render(EVENTS["StockLow"])
