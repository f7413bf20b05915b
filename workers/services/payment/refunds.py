"""Refunds: a cancelled order gets back what it paid, exactly once.

Two paths can find money to give back, and the charge item's conditional status change lets only
one of them record it: the OrderCancelled handler (the charge was recorded first: APPROVED ->
REFUNDED) and a charge that lost the race to the cancel (CANCELLED -> REFUNDED). Both call the
provider with the same refund key, so even both calling it refunds once. The item names the event
that recorded the refund (`refundEvent`), so only that event's redelivery republishes it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orderflow.contracts import Event, outcome_id
from orderflow.contracts.events import InventoryReserved, OrderCancelled, PaymentRefunded, PaymentRefundedData
from workers.runtime import Outcome
from workers.runtime.errors import TechnicalError
from workers.services.payment.provider import ChargeResult, RefundResult

if TYPE_CHECKING:
    from workers.services.payment.handlers import PaymentDeps

SERVICE = "payment"


def refund_key(order_id: uuid.UUID) -> str:
    return f"refund:{order_id}"


async def refund_order(event: OrderCancelled, deps: PaymentDeps) -> Outcome:
    """OrderCancelled: refund an approved charge; forbid a charge that has not happened yet."""
    order_id = event.data.order_id
    existing = await deps.store.charge(order_id)
    if existing is None:
        if await deps.store.record_cancellation(order_id):
            return []
        existing = await deps.store.charge(order_id)  # a charge was recorded in between
        if existing is None:
            raise TechnicalError(f"charge of {order_id} vanished after a failed conditional put")
    if existing["status"] != "APPROVED":
        # DECLINED or CANCELLED: nothing was taken. REFUNDED: by this event (a redelivery) or the other path.
        return recorded_refund(event, existing)
    charge = ChargeResult(True, str(existing["paymentId"]))
    return await _refund(event, deps, charge, Decimal(existing["amount"]), str(existing["currency"]), was="APPROVED")


async def refund_late_charge(event: InventoryReserved, deps: PaymentDeps, charge: ChargeResult) -> Outcome:
    """The charge went through but the cancel had already closed the order: give it back now."""
    if not charge.approved:
        return []
    return await _refund(event, deps, charge, event.data.total, event.data.currency, was="CANCELLED")


def recorded_refund(event: OrderCancelled | InventoryReserved, item: dict[str, Any]) -> Outcome:
    """The PaymentRefunded `event` recorded on the charge item, rebuilt; nothing if it recorded none."""
    if item["status"] != "REFUNDED" or item.get("refundEvent") != str(event.event_id):
        return []
    charge = ChargeResult(True, str(item["paymentId"]))
    refund = RefundResult(str(item["refundId"]), Decimal(item["refundAmount"]))
    at = datetime.fromisoformat(str(item["refundAt"]))
    return [payment_refunded(event, charge, refund, str(item["currency"]), at=at)]


async def _refund(
    event: OrderCancelled | InventoryReserved,
    deps: PaymentDeps,
    charge: ChargeResult,
    amount: Decimal,
    currency: str,
    *,
    was: str,
) -> Outcome:
    order = event.data
    # A technical failure here raises: the runtime retries, and the same key refunds once.
    refund = await deps.provider.refund(
        idempotency_key=refund_key(order.order_id), payment_id=charge.payment_id, amount=amount, currency=currency
    )
    refunded = payment_refunded(event, charge, refund, currency)
    if await deps.store.record_refund(
        order.order_id, was, refund, charge, currency, event=event.event_id, at=refunded.occurred_at
    ):
        return [refunded]
    # Recorded in between: by the other path (nothing for us to say) or a concurrent delivery of this event.
    item = await deps.store.charge(order.order_id)
    return recorded_refund(event, item) if item is not None else []


def payment_refunded(
    event: Event, charge: ChargeResult, refund: RefundResult, currency: str, at: datetime | None = None
) -> PaymentRefunded:
    """One PaymentRefunded per order, whichever path refunds: its id is derived from the order."""
    data: Any = event.data
    return PaymentRefunded.create(
        PaymentRefundedData(
            order_id=data.order_id,
            customer_email=data.customer_email,
            payment_id=charge.payment_id,
            refund_id=refund.refund_id,
            amount=refund.amount,
            currency=currency,
        ),
        event_id=outcome_id(data.order_id, SERVICE, PaymentRefunded.EVENT_TYPE),
        correlation_id=event.correlation_id,
        causation_id=event.event_id,
        occurred_at=at,
    )
