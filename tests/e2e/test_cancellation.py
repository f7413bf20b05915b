"""A customer's cancel end to end (`orderflow dev`): before the reservation, after it, after the
charge (refunded, through a refund that fails once), and after shipment (refused). Orders are held
at a step by the seed's technical-failure lever, which a cancelled order no longer needs."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.journey import (
    AUTH,
    Stack,
    approved_charges,
    dlq_depths,
    items,
    new_sku,
    notifications,
    order_body,
    place,
    settled,
    shipments,
    stock,
    wait_for,
)

pytestmark = pytest.mark.e2e
CANCELLED = ("CANCELLED",)


def cancel(stack: Stack, order_id: str) -> httpx.Response:
    return httpx.post(f"{stack.api_url}/orders/{order_id}/cancel", headers=AUTH, timeout=10)


def events_of(view: dict[str, Any]) -> list[str]:
    return sorted(e["eventType"] for e in view["timeline"])


def charge(stack: Stack, order_id: str) -> dict[str, Any] | None:
    return next((i for i in items(stack, "payment", order_id) if i["sk"] == "CHARGE"), None)


def reservation(stack: Stack, order_id: str) -> str | None:
    found = next((i for i in items(stack, "inventory", order_id) if i["sk"] == "RESERVATION"), None)
    return None if found is None else str(found["state"])


def test_cancel_before_the_reservation_reserves_nothing_and_charges_nothing(stack: Stack) -> None:
    # GIVEN an order that inventory cannot reserve yet (it fails technically until healed)
    sku = new_sku(stack, units=5)
    order_id = place(stack, order_body(sku, 2, simulateTechnicalFailure="inventory"))
    # WHEN the customer cancels it
    assert cancel(stack, order_id).status_code == 202
    # THEN it ends cancelled by the customer, and inventory's retry yields to the cancel
    view = wait_for(stack, order_id, CANCELLED)
    assert (view["reason"], view["cancellation"], view["refund"]) == ("CUSTOMER_CANCELLED", "ACCEPTED", None)
    settled(stack)
    assert events_of(view) == ["OrderCancellationRequested", "OrderCancelled", "OrderPlaced"]
    assert (stock(stack, sku), reservation(stack, order_id)) == (5, "CANCELLED")
    assert (charge(stack, order_id) or {}).get("status") == "CANCELLED"
    assert notifications(stack, order_id) == ["OrderCancelled", "OrderPlaced"]
    assert set(dlq_depths(stack).values()) == {0}


def test_cancel_after_the_reservation_releases_the_stock_without_a_charge(stack: Stack) -> None:
    # GIVEN a reserved order whose payment is held (payment fails technically)
    sku = new_sku(stack, units=5)
    order_id = place(stack, order_body(sku, 3, simulateTechnicalFailure="payment"))
    wait_for(stack, order_id, ("STOCK_RESERVED",))
    assert stock(stack, sku) == 2
    # WHEN the customer cancels it
    assert cancel(stack, order_id).status_code == 202
    # THEN the reservation is released, nothing is charged
    view = wait_for(stack, order_id, CANCELLED)
    settled(stack)
    view = wait_for(stack, order_id, CANCELLED)
    assert view["reason"] == "CUSTOMER_CANCELLED"
    assert "InventoryReleased" in events_of(view) and "PaymentRefunded" not in events_of(view)
    assert (stock(stack, sku), reservation(stack, order_id)) == (5, "RELEASED")
    assert approved_charges(stack, order_id) == [] and (charge(stack, order_id) or {})["status"] == "CANCELLED"
    assert notifications(stack, order_id) == ["OrderCancelled", "OrderPlaced"]
    assert set(dlq_depths(stack).values()) == {0}


def test_cancel_after_payment_refunds_once_through_a_refund_that_fails_first(stack: Stack) -> None:
    # GIVEN a paid order, held before shipping, charged on a card whose first refund attempt fails
    sku = new_sku(stack, units=5, price=12)
    order_id = place(stack, order_body(sku, 2, simulateTechnicalFailure="shipping", paymentToken="tok_refundError"))
    wait_for(stack, order_id, ("PAID",))
    # WHEN the customer cancels it
    assert cancel(stack, order_id).status_code == 202
    # THEN it is cancelled, the stock is back, and the 24 USD charge is refunded exactly once
    wait_for(stack, order_id, CANCELLED)
    settled(stack, timeout=60)
    view = wait_for(stack, order_id, CANCELLED)
    assert (view["reason"], view["cancellation"], view["refund"]) == ("CUSTOMER_CANCELLED", "ACCEPTED", "REFUNDED")
    assert events_of(view) == [
        "InventoryReleased",
        "InventoryReserved",
        "OrderCancellationRequested",
        "OrderCancelled",
        "OrderPlaced",
        "PaymentCompleted",
        "PaymentRefunded",
    ]
    refunded = charge(stack, order_id) or {}
    assert (refunded["status"], refunded["amount"], refunded["refundAmount"]) == ("REFUNDED", 24, 24)
    assert stock(stack, sku) == 5 and shipments(stack, order_id) == []
    assert notifications(stack, order_id) == ["OrderCancelled", "OrderPlaced", "PaymentCompleted", "PaymentRefunded"]
    assert set(dlq_depths(stack).values()) == {0}


def test_cancel_after_shipment_is_refused(stack: Stack) -> None:
    sku = new_sku(stack, units=5)
    order_id = place(stack, order_body(sku, 1))
    assert wait_for(stack, order_id)["status"] == "SHIPPED"
    refused = cancel(stack, order_id)
    assert refused.status_code == 409 and refused.headers["content-type"] == "application/problem+json"
    assert "has shipped" in refused.json()["detail"]
    settled(stack)
    view = wait_for(stack, order_id)
    assert (view["status"], view["cancellation"], view["refund"]) == ("SHIPPED", None, None)
    assert len(approved_charges(stack, order_id)) == 1 and stock(stack, sku) == 4
