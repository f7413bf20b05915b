"""Payment handler: charge a reserved order once; publish PaymentCompleted or PaymentFailed
(refunds: refunds.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderflow.aws.idempotency import ProcessedEvents, TransactionRejected
from orderflow.contracts import Event
from orderflow.contracts.events import (
    InventoryReserved,
    PaymentCompleted,
    PaymentCompletedData,
    PaymentFailed,
    PaymentFailedData,
)
from workers.runtime import Outcome
from workers.services.payment.provider import ChargeResult, PaymentProvider
from workers.services.payment.refunds import refund_late_charge
from workers.services.payment.store import PaymentStore
from workers.services.simulation import FaultSwitch

SERVICE = "payment"


@dataclass(frozen=True)
class PaymentDeps:
    store: PaymentStore
    processed: ProcessedEvents
    provider: PaymentProvider
    faults: FaultSwitch


async def charge_order(event: InventoryReserved, deps: PaymentDeps) -> Outcome:
    if (done := await deps.processed.check_first(event.event_id)) is not None:
        return done
    order = event.data
    # Read first: the provider call is the slow, costly step, and an order cancelled (or already
    # charged, by an earlier delivery) must not reach it.
    existing = await deps.store.charge(order.order_id)
    if existing is not None:
        return await _answer_recorded(event, deps, existing, None)
    await deps.faults.fail_if_asked(SERVICE, order.order_id, order.simulation)
    # The provider deduplicates on the order id: if we crashed after charging but before
    # recording, this retry gets the same charge back instead of a second one.
    result = await deps.provider.charge(
        idempotency_key=str(order.order_id), amount=order.total, currency=order.currency, token=order.payment_token
    )
    outcome = [outcome_of(event, result)]
    try:
        return await deps.processed.commit(
            event.event_id, [deps.store.record_charge(order.order_id, result, order.total, order.currency)], outcome
        )
    except TransactionRejected:
        # Something was recorded in between: another delivery's charge, or the cancel's closure.
        existing = await deps.store.charge(order.order_id)
        if existing is None:
            raise
        return await _answer_recorded(event, deps, existing, result)


async def _answer_recorded(
    event: InventoryReserved, deps: PaymentDeps, existing: dict[str, Any], charged: ChargeResult | None
) -> Outcome:
    """What stands for this order already: report its charge, or (cancelled) charge nothing."""
    status = existing["status"]
    if status == "CANCELLED" and charged is not None:
        return await refund_late_charge(event, deps, charged)  # charged just as the cancel closed it
    if status in ("CANCELLED", "REFUNDED"):
        return await deps.processed.commit(event.event_id, [], [])
    recorded = ChargeResult(status == "APPROVED", existing["paymentId"], existing.get("declineCode"))
    return await deps.processed.commit(event.event_id, [], [outcome_of(event, recorded)])


def outcome_of(event: InventoryReserved, result: ChargeResult) -> Event:
    order = event.data
    if result.approved:
        return PaymentCompleted.caused_by(
            event,
            PaymentCompletedData(
                order_id=order.order_id,
                customer_email=order.customer_email,
                payment_id=result.payment_id,
                amount=order.total,
                currency=order.currency,
                items=order.items,
                simulation=order.simulation,
            ),
            service=SERVICE,
        )
    return PaymentFailed.caused_by(
        event,
        PaymentFailedData(
            order_id=order.order_id,
            customer_email=order.customer_email,
            decline_code=result.decline_code or "declined",
            amount=order.total,
            currency=order.currency,
        ),
        service=SERVICE,
    )
