"""Refunds: a cancelled order gets back what it paid, exactly once.

Two paths can find money to give back, and the charge item's conditional status change lets only
one of them record it: the OrderCancelled handler (the charge was recorded first: APPROVED ->
REFUNDED) and a charge that lost the race to the cancel (CANCELLED -> REFUNDED). Both call the
provider with the same refund key, so even both calling it refunds once.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from orderflow.aws.idempotency import TransactionRejected
from orderflow.contracts import Event, outcome_id
from orderflow.contracts.events import InventoryReserved, OrderCancelled, PaymentRefunded, PaymentRefundedData
from workers.runtime import Outcome
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
        try:
            return await deps.processed.commit(event.event_id, [deps.store.record_cancellation(order_id)], [])
        except TransactionRejected:
            existing = await deps.store.charge(order_id)  # a charge was recorded in between
            if existing is None:
                raise
    if existing["status"] != "APPROVED":
        # DECLINED or CANCELLED: nothing was taken. REFUNDED: the late charge's path gave it back.
        return await deps.processed.commit(event.event_id, [], [])
    charge = ChargeResult(True, str(existing["paymentId"]))
    return await _refund(event, deps, charge, Decimal(existing["amount"]), str(existing["currency"]), was="APPROVED")


async def refund_late_charge(event: InventoryReserved, deps: PaymentDeps, charge: ChargeResult) -> Outcome:
    """The charge went through but the cancel had already closed the order: give it back now."""
    if not charge.approved:
        return await deps.processed.commit(event.event_id, [], [])
    return await _refund(event, deps, charge, event.data.total, event.data.currency, was="CANCELLED")


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
    change = deps.store.record_refund(order.order_id, was, refund, charge, currency)
    try:
        return await deps.processed.commit(event.event_id, [change], [refunded])
    except TransactionRejected:
        return await deps.processed.commit(event.event_id, [], [])  # the other path recorded it


def payment_refunded(event: Event, charge: ChargeResult, refund: RefundResult, currency: str) -> PaymentRefunded:
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
    )
