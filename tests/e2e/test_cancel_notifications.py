"""One cancellation email per order when a customer's cancel races a business failure (`orderflow
dev`): the order is cancelled OUT_OF_STOCK (or PAYMENT_DECLINED) by the saga and, a moment later or
earlier, cancelled by the customer. Both are true, both are published; the customer hears of the
cancellation once. Read from what SES sent (the captured mailbox) and from the notification ledger."""

from __future__ import annotations

import uuid

import httpx
import pytest

from orderflow.ops.mail import mailbox
from tests.e2e.journey import AUTH, Stack, items, new_sku, order_body, place, settled, wait_for

pytestmark = pytest.mark.e2e
CANCELLATIONS = {"InventoryReservationFailed", "PaymentFailed", "OrderCancelled"}


def place_and_cancel_at_once(stack: Stack, body: dict[str, object]) -> str:
    order_id = place(stack, body)
    answer = httpx.post(f"{stack.api_url}/orders/{order_id}/cancel", headers=AUTH, timeout=10)
    assert answer.status_code in (202, 409), answer.text  # 409: the saga's cancellation was already final
    return order_id


def test_a_cancel_racing_out_of_stock_or_a_decline_sends_one_cancellation_email(stack: Stack) -> None:
    # GIVEN orders that the saga cancels (a sold-out SKU; a declined card), each cancelled by its
    # customer right after the 202, while inventory and payment are deciding
    sold_out, plenty = new_sku(stack, units=0), new_sku(stack, units=100)
    bodies = [order_body(sold_out, 1) for _ in range(4)] + [
        order_body(plenty, 1, paymentOutcome="declined") for _ in range(4)
    ]
    emails = {}
    for body in bodies:
        body["customerEmail"] = f"race-{uuid.uuid4().hex[:10]}@example.com"
        emails[place_and_cancel_at_once(stack, body)] = str(body["customerEmail"])
    # WHEN the platform settles
    views = {order_id: wait_for(stack, order_id, ("CANCELLED",)) for order_id in emails}
    settled(stack, timeout=60)
    # THEN each customer received exactly one cancellation email, and the ledger agrees
    raced = 0
    for order_id, email in emails.items():
        timeline = {e["eventType"] for e in wait_for(stack, order_id, ("CANCELLED",))["timeline"]}
        raced += "OrderCancelled" in timeline and bool(timeline & {"InventoryReservationFailed", "PaymentFailed"})
        sent = [m.outcome for m in mailbox(stack.endpoint, to=email) if m.outcome in CANCELLATIONS]
        ledger = [i["outcome"] for i in items(stack, "notification", order_id) if i.get("outcome") in CANCELLATIONS]
        assert (len(sent), len(ledger)) == (1, 1), f"{order_id} {views[order_id]['reason']}: {sent} / {ledger}"
        assert sent == ledger
    # ...and the race really happened: both cancellations were published for some orders
    assert raced > 0, "no order was cancelled both by the saga and by its customer: nothing was raced"
