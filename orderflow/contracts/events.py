"""Every event type of the saga, one model per (eventType, eventVersion), and the registry."""

from __future__ import annotations

import uuid
from typing import Any, Literal

from pydantic import Field, ValidationError

from orderflow.contracts.base import Contract, Currency, EmailAddress, Money, Sku
from orderflow.contracts.envelope import Event
from orderflow.errors import OrderflowError


class InvalidEventError(OrderflowError):
    """A message body that is not a known, valid event; it will end in the DLQ."""


class UnknownEventVersionError(InvalidEventError):
    """An (eventType, eventVersion) this build does not know."""


# --- shared data shapes -------------------------------------------------------------------


class OrderLine(Contract):
    sku: Sku
    quantity: int = Field(ge=1)
    unit_price: Money


class SkuQuantity(Contract):
    sku: Sku
    quantity: int = Field(ge=1)


class Simulation(Contract):
    """Local-mode test levers from the seed article; only accepted when simulation is enabled."""

    force_out_of_stock: bool = False
    technical_failure: tuple[Literal["payment", "inventory", "shipping", "notification"], ...] = ()


class Shortage(Contract):
    sku: Sku
    requested: int = Field(ge=1)
    available: int = Field(ge=0)


# --- event data and envelopes ---------------------------------------------------------------


class OrderPlacedData(Contract):
    order_id: uuid.UUID
    customer_email: EmailAddress
    currency: Currency
    items: tuple[OrderLine, ...] = Field(min_length=1)
    total: Money
    payment_token: str = Field(default="tok_visa", max_length=64)
    simulation: Simulation | None = None


class OrderPlaced(Event):
    EVENT_TYPE = "OrderPlaced"
    EVENT_VERSION = 1
    SOURCE = "orderflow.orders"
    event_type: Literal["OrderPlaced"]
    event_version: Literal[1]
    source: Literal["orderflow.orders"]
    data: OrderPlacedData


class InventoryReservedData(OrderPlacedData):
    """Carries the order forward (event-carried state) so payment needs no lookup."""


class InventoryReserved(Event):
    EVENT_TYPE = "InventoryReserved"
    EVENT_VERSION = 1
    SOURCE = "orderflow.inventory"
    event_type: Literal["InventoryReserved"]
    event_version: Literal[1]
    source: Literal["orderflow.inventory"]
    data: InventoryReservedData


class InventoryReservationFailedData(Contract):
    order_id: uuid.UUID
    customer_email: EmailAddress
    reason: Literal["OUT_OF_STOCK"] = "OUT_OF_STOCK"
    shortages: tuple[Shortage, ...]


class InventoryReservationFailed(Event):
    EVENT_TYPE = "InventoryReservationFailed"
    EVENT_VERSION = 1
    SOURCE = "orderflow.inventory"
    event_type: Literal["InventoryReservationFailed"]
    event_version: Literal[1]
    source: Literal["orderflow.inventory"]
    data: InventoryReservationFailedData


class InventoryReleasedData(Contract):
    order_id: uuid.UUID
    items: tuple[SkuQuantity, ...]


class InventoryReleased(Event):
    EVENT_TYPE = "InventoryReleased"
    EVENT_VERSION = 1
    SOURCE = "orderflow.inventory"
    event_type: Literal["InventoryReleased"]
    event_version: Literal[1]
    source: Literal["orderflow.inventory"]
    data: InventoryReleasedData


class PaymentCompletedData(Contract):
    order_id: uuid.UUID
    customer_email: EmailAddress
    payment_id: str
    amount: Money
    currency: Currency
    items: tuple[OrderLine, ...]
    simulation: Simulation | None = None


class PaymentCompleted(Event):
    EVENT_TYPE = "PaymentCompleted"
    EVENT_VERSION = 1
    SOURCE = "orderflow.payment"
    event_type: Literal["PaymentCompleted"]
    event_version: Literal[1]
    source: Literal["orderflow.payment"]
    data: PaymentCompletedData


class PaymentFailedData(Contract):
    order_id: uuid.UUID
    customer_email: EmailAddress
    reason: Literal["PAYMENT_DECLINED"] = "PAYMENT_DECLINED"
    decline_code: str
    amount: Money
    currency: Currency


class PaymentFailed(Event):
    EVENT_TYPE = "PaymentFailed"
    EVENT_VERSION = 1
    SOURCE = "orderflow.payment"
    event_type: Literal["PaymentFailed"]
    event_version: Literal[1]
    source: Literal["orderflow.payment"]
    data: PaymentFailedData


class ShipmentCreatedData(Contract):
    order_id: uuid.UUID
    customer_email: EmailAddress
    shipment_id: str
    carrier: str
    tracking_number: str


class ShipmentCreated(Event):
    EVENT_TYPE = "ShipmentCreated"
    EVENT_VERSION = 1
    SOURCE = "orderflow.shipping"
    event_type: Literal["ShipmentCreated"]
    event_version: Literal[1]
    source: Literal["orderflow.shipping"]
    data: ShipmentCreatedData


# --- stock: low-stock alerts, replenishment, operator adjustments ------------------------------


class StockLowData(Contract):
    """Available stock fell to or below the reorder point: once per crossing, not per order."""

    sku: Sku
    available: int = Field(ge=0)
    reorder_point: int = Field(ge=0)
    reorder_quantity: int = Field(ge=1)


class StockLow(Event):
    EVENT_TYPE = "StockLow"
    EVENT_VERSION = 1
    SOURCE = "orderflow.inventory"
    event_type: Literal["StockLow"]
    event_version: Literal[1]
    source: Literal["orderflow.inventory"]
    data: StockLowData


class StockReplenishedData(Contract):
    sku: Sku
    quantity: int = Field(ge=1)
    purchase_order_id: str = Field(min_length=1, max_length=64)
    supplier: str = Field(min_length=1, max_length=64)
    alert_id: uuid.UUID = Field(description="The StockLow this delivery answers (closes that crossing).")


class StockReplenished(Event):
    EVENT_TYPE = "StockReplenished"
    EVENT_VERSION = 1
    SOURCE = "orderflow.replenishment"
    event_type: Literal["StockReplenished"]
    event_version: Literal[1]
    source: Literal["orderflow.replenishment"]
    data: StockReplenishedData


class StockAdjustmentRequestedData(Contract):
    """An operator's `orderflow inventory set|restock`: `set` makes `quantity` the available units,
    `restock` adds `quantity`. Reorder settings change only when given."""

    sku: Sku
    mode: Literal["set", "restock"]
    quantity: int = Field(ge=0, le=10_000_000)
    reorder_point: int | None = Field(default=None, ge=0)
    reorder_quantity: int | None = Field(default=None, ge=1)
    requested_by: str = Field(default="operator", min_length=1, max_length=128)


class StockAdjustmentRequested(Event):
    EVENT_TYPE = "StockAdjustmentRequested"
    EVENT_VERSION = 1
    SOURCE = "orderflow.operator"
    event_type: Literal["StockAdjustmentRequested"]
    event_version: Literal[1]
    source: Literal["orderflow.operator"]
    data: StockAdjustmentRequestedData


class StockAdjustedData(Contract):
    sku: Sku
    mode: Literal["set", "restock"]
    quantity: int = Field(ge=0)
    applied: bool = Field(description="False when the SKU has no stock record (nothing changed).")


class StockAdjusted(Event):
    EVENT_TYPE = "StockAdjusted"
    EVENT_VERSION = 1
    SOURCE = "orderflow.inventory"
    event_type: Literal["StockAdjusted"]
    event_version: Literal[1]
    source: Literal["orderflow.inventory"]
    data: StockAdjustedData


# --- cancellation and refunds ------------------------------------------------------------------


class OrderCancellationRequestedData(Contract):
    """The customer asked to cancel (POST /orders/{id}/cancel); shipping decides whether it stands."""

    order_id: uuid.UUID
    customer_email: EmailAddress
    reason: Literal["CUSTOMER_CANCELLED"] = "CUSTOMER_CANCELLED"
    note: str | None = Field(default=None, max_length=500, description="The customer's own words, if any.")


class OrderCancellationRequested(Event):
    EVENT_TYPE = "OrderCancellationRequested"
    EVENT_VERSION = 1
    SOURCE = "orderflow.orders"
    event_type: Literal["OrderCancellationRequested"]
    event_version: Literal[1]
    source: Literal["orderflow.orders"]
    data: OrderCancellationRequestedData


class OrderCancelledData(Contract):
    """The cancel won: the order will never ship. Inventory releases, payment refunds."""

    order_id: uuid.UUID
    customer_email: EmailAddress
    reason: Literal["CUSTOMER_CANCELLED"] = "CUSTOMER_CANCELLED"


class OrderCancelled(Event):
    EVENT_TYPE = "OrderCancelled"
    EVENT_VERSION = 1
    SOURCE = "orderflow.shipping"
    event_type: Literal["OrderCancelled"]
    event_version: Literal[1]
    source: Literal["orderflow.shipping"]
    data: OrderCancelledData


class OrderCancellationRejectedData(Contract):
    """The cancel lost: shipping had already claimed the order for the carrier."""

    order_id: uuid.UUID
    customer_email: EmailAddress
    reason: Literal["ALREADY_SHIPPED"] = "ALREADY_SHIPPED"


class OrderCancellationRejected(Event):
    EVENT_TYPE = "OrderCancellationRejected"
    EVENT_VERSION = 1
    SOURCE = "orderflow.shipping"
    event_type: Literal["OrderCancellationRejected"]
    event_version: Literal[1]
    source: Literal["orderflow.shipping"]
    data: OrderCancellationRejectedData


class PaymentRefundedData(Contract):
    order_id: uuid.UUID
    customer_email: EmailAddress
    payment_id: str
    refund_id: str
    amount: Money
    currency: Currency


class PaymentRefunded(Event):
    EVENT_TYPE = "PaymentRefunded"
    EVENT_VERSION = 1
    SOURCE = "orderflow.payment"
    event_type: Literal["PaymentRefunded"]
    event_version: Literal[1]
    source: Literal["orderflow.payment"]
    data: PaymentRefundedData


EVENT_TYPES: dict[tuple[str, int], type[Event]] = {
    (model.EVENT_TYPE, model.EVENT_VERSION): model
    for model in (
        OrderPlaced,
        InventoryReserved,
        InventoryReservationFailed,
        InventoryReleased,
        PaymentCompleted,
        PaymentFailed,
        ShipmentCreated,
        StockLow,
        StockReplenished,
        StockAdjustmentRequested,
        StockAdjusted,
        OrderCancellationRequested,
        OrderCancelled,
        OrderCancellationRejected,
        PaymentRefunded,
    )
}


def parse_event(detail: Any) -> Event:
    """Validate a domain envelope (EventBridge's `detail`) into its registered model."""
    if not isinstance(detail, dict):
        raise InvalidEventError(f"event detail must be a JSON object, got {type(detail).__name__}")
    event_type, version = detail.get("eventType"), detail.get("eventVersion")
    model = EVENT_TYPES.get((event_type, version)) if isinstance(event_type, str) and isinstance(version, int) else None
    if model is None:
        known = sorted(f"{t} v{v}" for t, v in EVENT_TYPES)
        raise UnknownEventVersionError(
            f"unknown event {event_type!r} version {version!r}; this build knows {', '.join(known)}"
        )
    try:
        return model.model_validate(detail)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:5])
        raise InvalidEventError(f"invalid {event_type} v{version}: {problems}") from None
