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


@dataclass(frozen=True)
class Transition:
    """What `event_type` does to an order in the state it usually finds, as one conditional update:
    set `changes` if the status is one of `from_statuses` (None: any status; such an event moves
    no status, and setting what is already so changes nothing). When the condition fails the
    projector reads the order and decides with `apply`; where it holds, the result equals `apply`'s
    (tests/unit/test_order_projection.py proves it for every state)."""

    changes: dict[str, str]
    from_statuses: frozenset[OrderStatus] | None

    def holds(self, state: OrderState) -> bool:
        """The update's condition, as the store writes it for DynamoDB."""
        return self.from_statuses is None or state.status in self.from_statuses


def transition(event_type: str) -> Transition | None:
    """The guessed transition of `event_type`; None for an event that never changes the order."""
    changes: dict[str, str] = {}
    if event_type in CANCELLATION:
        changes["cancellation"] = CANCELLATION[event_type]
    if event_type == "PaymentRefunded":
        changes["refund"] = "REFUNDED"
    target = TRANSITIONS.get(event_type)
    if target is None:
        return Transition(changes, None) if changes else None
    status, reason = target
    changes["status"] = status
    if reason is not None:
        changes["reason"] = reason
    return Transition(changes, frozenset(s for s in _MOVABLE if RANK[s] < RANK[status]))


_MOVABLE: tuple[OrderStatus, ...] = ("PLACED", "STOCK_RESERVED", "PAID")  # every status not terminal
