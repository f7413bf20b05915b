"""Cancelling an order: what the API may decide alone (no I/O here).

The API refuses what the orders table already shows as final (SHIPPED, CANCELLED) and otherwise
records the request and publishes OrderCancellationRequested. Whether the cancel *wins* is not
decided here: the order may be in the carrier's hands already. Shipping decides, with one
conditional write on its shipment item (docs/architecture.md, "Cancellation").
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import orjson

from api.errors import OrderNotCancellable
from orderflow.contracts import outcome_id
from orderflow.contracts.api import CancelOrderRequest
from orderflow.contracts.events import OrderCancellationRequested, OrderCancellationRequestedData

FINAL = ("SHIPPED", "CANCELLED")


def check_cancellable(order: dict[str, Any]) -> bool:
    """Raise when the order can no longer be cancelled; True when a cancel is already on its way."""
    status = str(order["status"])
    if status in FINAL:
        why = "has shipped" if status == "SHIPPED" else f"is already cancelled ({order.get('reason')})"
        raise OrderNotCancellable(f"order {order['orderId']} {why}")
    return order.get("cancellation") is not None


def cancellation_requested(order: dict[str, Any], body: CancelOrderRequest | None) -> OrderCancellationRequested:
    """One cancel per order: its id is derived from the order, so asking twice publishes one event."""
    order_id = uuid.UUID(str(order["orderId"]))
    return OrderCancellationRequested.create(
        OrderCancellationRequestedData(
            order_id=order_id, customer_email=str(order["customerEmail"]), note=body.note if body else None
        ),
        event_id=outcome_id(order_id, "orders", OrderCancellationRequested.EVENT_TYPE),
        correlation_id=order_id,
    )


def cancel_fingerprint(order_id: uuid.UUID, body: CancelOrderRequest | None) -> str:
    """An Idempotency-Key used for a cancel matches only a cancel of the same order with the same body."""
    payload = {"cancel": str(order_id), "body": body.model_dump(mode="json") if body else None}
    return hashlib.sha256(orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)).hexdigest()
