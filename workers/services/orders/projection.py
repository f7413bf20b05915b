"""How each saga event moves an order's status. Pure: no I/O, easy to test exhaustively.

Status only moves forward: PLACED < STOCK_RESERVED < PAID < SHIPPED, and CANCELLED is final.
An event that arrives late (out of order) still joins the timeline but moves nothing back.
A customer's cancel also has its own state (REQUESTED by the API, then ACCEPTED or REFUSED by
shipping's decision) and a refund its own (REFUNDED); those follow their events whatever the status.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from orderflow.contracts.api import CancellationState, CancelReason, OrderStatus

RANK: dict[str, int] = {"PLACED": 0, "STOCK_RESERVED": 1, "PAID": 2, "SHIPPED": 3, "CANCELLED": 4}

# event type -> (status it implies, cancel reason)
TRANSITIONS: dict[str, tuple[OrderStatus, CancelReason | None]] = {
    "InventoryReserved": ("STOCK_RESERVED", None),
    "InventoryReservationFailed": ("CANCELLED", "OUT_OF_STOCK"),
    "PaymentCompleted": ("PAID", None),
    "PaymentFailed": ("CANCELLED", "PAYMENT_DECLINED"),
    "ShipmentCreated": ("SHIPPED", None),
    "OrderCancelled": ("CANCELLED", "CUSTOMER_CANCELLED"),
}
CANCELLATION: dict[str, CancellationState] = {"OrderCancelled": "ACCEPTED", "OrderCancellationRejected": "REFUSED"}


@dataclass(frozen=True)
class OrderState:
    status: OrderStatus
    reason: CancelReason | None = None
    cancellation: CancellationState | None = None
    refund: str | None = None

    @property
    def terminal(self) -> bool:
        return self.status in ("SHIPPED", "CANCELLED")


def apply(state: OrderState, event_type: str) -> OrderState:
    """The state after `event_type`; unchanged for timeline-only events and late arrivals."""
    if event_type in CANCELLATION:
        state = replace(state, cancellation=CANCELLATION[event_type])
    if event_type == "PaymentRefunded":
        state = replace(state, refund="REFUNDED")
    target = TRANSITIONS.get(event_type)
    if target is None or state.terminal:
        return state
    status, reason = target
    if RANK[status] <= RANK[state.status]:
        return state
    return replace(state, status=status, reason=reason)
