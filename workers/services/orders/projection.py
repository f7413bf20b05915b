"""How each saga event moves an order's status. Pure: no I/O, easy to test exhaustively.

Status only moves forward: PLACED < STOCK_RESERVED < PAID < SHIPPED, and CANCELLED is final.
An event that arrives late (out of order) still joins the timeline but moves nothing back.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.contracts.api import CancelReason, OrderStatus

RANK: dict[str, int] = {"PLACED": 0, "STOCK_RESERVED": 1, "PAID": 2, "SHIPPED": 3, "CANCELLED": 4}

# event type -> (status it implies, cancel reason)
TRANSITIONS: dict[str, tuple[OrderStatus, CancelReason | None]] = {
    "InventoryReserved": ("STOCK_RESERVED", None),
    "InventoryReservationFailed": ("CANCELLED", "OUT_OF_STOCK"),
    "PaymentCompleted": ("PAID", None),
    "PaymentFailed": ("CANCELLED", "PAYMENT_DECLINED"),
    "ShipmentCreated": ("SHIPPED", None),
}


@dataclass(frozen=True)
class OrderState:
    status: OrderStatus
    reason: CancelReason | None = None

    @property
    def terminal(self) -> bool:
        return self.status in ("SHIPPED", "CANCELLED")


def apply(state: OrderState, event_type: str) -> OrderState:
    """The state after `event_type`; unchanged for timeline-only events and late arrivals."""
    target = TRANSITIONS.get(event_type)
    if target is None or state.terminal:
        return state
    status, reason = target
    if RANK[status] <= RANK[state.status]:
        return state
    return OrderState(status, reason)
