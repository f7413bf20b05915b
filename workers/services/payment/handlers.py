"""Payment handler: charge a reserved order once; publish PaymentCompleted or PaymentFailed
(refunds: refunds.py).

The charge item is the processed-event record (store.py): a redelivery reads it and republishes
what its first delivery published, rebuilt from the item with the stored time — same id, same body.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderflow.contracts import Event
from orderflow.contracts.events import (
    InventoryReserved,
    PaymentCompleted,
    PaymentCompletedData,
    PaymentFailed,
    PaymentFailedData,
)
from workers.runtime import Outcome
from workers.runtime.errors import TechnicalError
from workers.services.payment.provider import ChargeResult, PaymentProvider
from workers.services.payment.refunds import recorded_refund, refund_late_charge
from workers.services.payment.store import PaymentStore
from workers.services.simulation import FaultSwitch

SERVICE = "payment"


@dataclass(frozen=True)
class PaymentDeps:
    store: PaymentStore
    provider: PaymentProvider
    faults: FaultSwitch


async def charge_order(event: InventoryReserved, deps: PaymentDeps) -> Outcome:
    order = event.data
    # Read first: the provider call is the slow, costly step, and an order cancelled (or already
    # charged, by an earlier delivery) must not reach it.
    existing = await deps.store.charge(order.order_id)
    if existing is not None:
        return recorded_outcome(event, existing)
    await deps.faults.fail_if_asked(SERVICE, order.order_id, order.simulation)
    # The provider deduplicates on the order id: if we crashed after charging but before
    # recording, this retry gets the same charge back instead of a second one.
    result = await deps.provider.charge(
        idempotency_key=str(order.order_id), amount=order.total, currency=order.currency, token=order.payment_token
    )
    outcome = outcome_of(event, result)
    store = deps.store
    if await store.record_charge(
        order.order_id, result, order.total, order.currency, event=event.event_id, at=outcome.occurred_at
    ):
        return [outcome]
    # Something was recorded in between: another delivery's charge, or the cancel's closure.
    existing = await store.charge(order.order_id)
    if existing is None:
        raise TechnicalError(f"charge of {order.order_id} vanished after a failed conditional put")
    if existing["status"] == "CANCELLED":
        return await refund_late_charge(event, deps, result)  # charged just as the cancel closed it
    return recorded_outcome(event, existing)


def recorded_outcome(event: InventoryReserved, item: dict[str, Any]) -> Outcome:
    """What this order's InventoryReserved published, from the charge item that stands."""
    status = item["status"]
    if "chargeEvent" in item or status in ("APPROVED", "DECLINED"):  # charged (and maybe refunded since)
        charged = ChargeResult(status != "DECLINED", str(item["paymentId"]), item.get("declineCode"))
        at = datetime.fromisoformat(str(item["chargeAt"])) if "chargeAt" in item else None
        return [outcome_of(event, charged, at=at)]
    return recorded_refund(event, item)  # cancelled before any charge: nothing, or the late charge's refund


def outcome_of(event: InventoryReserved, result: ChargeResult, at: datetime | None = None) -> Event:
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
            occurred_at=at,
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
        occurred_at=at,
    )
