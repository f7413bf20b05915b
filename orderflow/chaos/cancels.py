"""Accounting for customer cancels: every order ends shipped-not-refunded or cancelled-refunded-
restocked, never both, never neither; and the money adds up (charges − refunds = shipped totals)."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from orderflow.chaos.accounting import Findings, Tables

CUSTOMER_CANCELLED = ("CANCELLED", "CUSTOMER_CANCELLED")
_SHIPPED_TIMELINE = ["InventoryReserved", "OrderPlaced", "PaymentCompleted", "ShipmentCreated"]


def shipped_timeline(order: dict[str, Any]) -> list[str]:
    """A shipped order's timeline: a cancel asked for on the way adds its request and its refusal."""
    extra = ["OrderCancellationRejected", "OrderCancellationRequested"] if order.get("cancellation") else []
    return sorted(_SHIPPED_TIMELINE + extra)


def shipped_notifications(order: dict[str, Any]) -> set[str]:
    return {"OrderPlaced", "PaymentCompleted", "ShipmentCreated"} | (
        {"OrderCancellationRejected"} if order.get("cancellation") else set()
    )


def check_cancelled(order_id: str, tables: Tables, found: Findings) -> None:
    """A customer-cancelled order: released (or never reserved), refunded (or never charged), unshipped."""
    timeline = Counter(tables.timeline[order_id])
    if any(n > 1 for n in timeline.values()):
        found.flag("timeline duplicates", f"{order_id}: {sorted(timeline.elements())}")
    reservation = tables.reservations.get(order_id, {}).get("state")
    charges = [str(c["status"]) for c in tables.charges[order_id]]
    expected = {"OrderPlaced", "OrderCancellationRequested", "OrderCancelled"}
    if reservation == "RELEASED":
        expected |= {"InventoryReserved", "InventoryReleased"}
    elif reservation != "CANCELLED":
        found.flag("reservation wrong", f"{order_id} (customer-cancelled): reservation {reservation}")
    if charges == ["REFUNDED"]:
        found.counts["refunded"] += 1
        expected |= {"PaymentRefunded"} | ({"PaymentCompleted"} if "PaymentCompleted" in timeline else set())
    elif charges != ["CANCELLED"]:
        found.flag("charge wrong", f"{order_id} (customer-cancelled): charges {charges}")
    if set(timeline) != expected:
        found.flag(
            "timeline wrong", f"{order_id} (customer-cancelled): {sorted(timeline)}, expected {sorted(expected)}"
        )
    if tables.shipments[order_id]:
        found.flag("shipped and cancelled", f"{order_id}: {tables.shipments[order_id]} shipments")
    notes = tables.notifications[order_id]
    wanted = {"OrderCancelled", "OrderPlaced"} | (expected & {"PaymentCompleted", "PaymentRefunded"})
    if len(notes) != len(set(notes)) or set(notes) != wanted:
        found.flag(
            "duplicate notifications" if len(notes) != len(set(notes)) else "missing notifications",
            f"{order_id}: {notes}",
        )


_RACED_EVENTS = {
    "OrderPlaced",
    "OrderCancellationRequested",
    "OrderCancelled",
    "InventoryReservationFailed",
    "InventoryReserved",
    "InventoryReleased",
    "PaymentFailed",
}


def check_raced(order_id: str, order: dict[str, Any], tables: Tables, found: Findings) -> None:
    """An order the saga cancels (out of stock, declined) whose customer cancelled it too: which
    cancellation came first varies, so its effects are checked, not its exact timeline: nothing
    taken (no approved or refunded charge, nothing held, nothing shipped), the customer told of the
    cancellation once."""
    found.counts["cancel raced a failure"] += 1
    timeline = Counter(tables.timeline[order_id])
    if any(n > 1 for n in timeline.values()):
        found.flag("timeline duplicates", f"{order_id}: {sorted(timeline.elements())}")
    seen, failures = set(timeline), {"InventoryReservationFailed", "PaymentFailed"}
    if not seen <= _RACED_EVENTS or not seen & (failures | {"OrderCancelled"}):
        found.flag("timeline wrong", f"{order_id} (raced cancel, {order.get('reason')}): {sorted(timeline)}")
    found.counts["both cancellations published"] += "OrderCancelled" in seen and bool(seen & failures)
    charges = [str(c["status"]) for c in tables.charges[order_id]]
    if not set(charges) <= {"DECLINED", "CANCELLED"} or len(charges) > 1:
        found.flag("charge wrong", f"{order_id} (raced cancel): charges {charges}")
    if tables.reservations.get(order_id, {}).get("state") not in ("RELEASED", "CANCELLED", "FAILED"):
        found.flag("reservation wrong", f"{order_id} (raced cancel): {tables.reservations[order_id]['state']}")
    if tables.shipments[order_id]:
        found.flag("shipped and cancelled", f"{order_id}: {tables.shipments[order_id]} shipments")
    notes = tables.notifications[order_id]
    told = [n for n in notes if n in ("InventoryReservationFailed", "PaymentFailed", "OrderCancelled")]
    if len(notes) != len(set(notes)) or len(told) > 1:
        found.flag("duplicate notifications", f"{order_id} (raced cancel): {notes}")
    elif sorted(notes) != sorted(["OrderPlaced", *told]) or len(told) != 1:
        found.flag("missing notifications", f"{order_id} (raced cancel): {notes}")


def money(tables: Tables, found: Findings) -> None:
    """charges − refunds = the totals of the orders that shipped (or are paid and shipping)."""
    charged = refunded = Decimal(0)
    for items in tables.charges.values():
        for charge in items:
            if charge["status"] in ("APPROVED", "REFUNDED"):
                # A charge that lost the race to the cancel was recorded only as its refund.
                charged += Decimal(str(charge.get("amount", charge.get("refundAmount"))))
            if charge["status"] == "REFUNDED":
                refunded += Decimal(str(charge["refundAmount"]))
    shipped = sum(
        (Decimal(str(o["total"])) for o in tables.orders.values() if o["status"] in ("PAID", "SHIPPED")), Decimal(0)
    )
    found.figures.update({"charged": charged, "refunded": refunded, "shipped totals": shipped})
    if charged - refunded != shipped:
        found.flag("money drift", f"charges {charged} − refunds {refunded} = {charged - refunded}, shipped {shipped}")
