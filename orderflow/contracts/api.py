"""Request and response bodies of the order API."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import EmailStr, Field

from orderflow.contracts.base import Contract, Currency, Money, Sku

OrderStatus = Literal["PLACED", "STOCK_RESERVED", "PAID", "SHIPPED", "CANCELLED"]
CancelReason = Literal["OUT_OF_STOCK", "PAYMENT_DECLINED", "CUSTOMER_CANCELLED"]
# A customer's cancel: asked for (202), then refused (the order had shipped) or accepted (CANCELLED).
CancellationState = Literal["REQUESTED", "REFUSED", "ACCEPTED"]
TechnicalFailureTarget = Literal["payment", "inventory", "shipping", "notification"]


class OrderItemRequest(Contract):
    sku: Sku
    quantity: int = Field(ge=1, description="Units; bounded by the server's ORDERFLOW_MAX_QUANTITY_PER_LINE.")
    price: Money | None = Field(default=None, description="Optional; when given it must equal the catalogue price.")


class PlaceOrderRequest(Contract):
    """The seed article's request, verbatim, plus an optional payment token.

    `paymentOutcome`, `inventoryOutcome` and `simulateTechnicalFailure` are the seed's test
    levers: accepted only when simulation is enabled (local mode), 422 otherwise.
    """

    customer_email: EmailStr
    currency: Currency
    items: list[OrderItemRequest] = Field(min_length=1)
    payment_token: str | None = Field(default=None, min_length=1, max_length=64)
    payment_outcome: Literal["approved", "declined"] | None = None
    inventory_outcome: Literal["reserved", "out_of_stock"] | None = None
    simulate_technical_failure: TechnicalFailureTarget | list[TechnicalFailureTarget] | None = None


class OrderAccepted(Contract):
    order_id: uuid.UUID
    event_id: uuid.UUID
    status: OrderStatus


class CancelOrderRequest(Contract):
    """POST /orders/{id}/cancel takes no body, or this one."""

    note: str | None = Field(default=None, min_length=1, max_length=500, description="Why, in the customer's words.")


class CancellationAccepted(Contract):
    """The cancel is on its way; GET /orders/{id} tells how it ended (`cancellation`, `status`)."""

    order_id: uuid.UUID
    event_id: uuid.UUID
    cancellation: CancellationState


class OrderItemView(Contract):
    sku: Sku
    quantity: int
    unit_price: Money
    line_total: Money


class TimelineEntry(Contract):
    event_id: uuid.UUID
    event_type: str
    source: str
    occurred_at: datetime


class OrderView(Contract):
    order_id: uuid.UUID
    status: OrderStatus
    reason: CancelReason | None = None
    customer_email: EmailStr
    currency: Currency
    items: list[OrderItemView]
    total: Money
    created_at: datetime
    updated_at: datetime
    cancellation: CancellationState | None = Field(default=None, description="Set once a cancel was asked for.")
    refund: Literal["REFUNDED"] | None = Field(default=None, description="Set once a charge was given back.")
    timeline: list[TimelineEntry]


class Problem(Contract):
    """RFC 9457 problem details."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[dict[str, str]] | None = Field(
        default=None, description="Per-field problems: `field` (a JSON path) and `message`."
    )
