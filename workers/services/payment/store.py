"""The payment table: one charge item per order, what became of it, and which events decided it.

pk ORDER#{id} / sk CHARGE, `status`:
  APPROVED | DECLINED   the provider's answer to the one charge
  CANCELLED             the order was cancelled before any charge: none will be recorded
  REFUNDED              an approved charge given back (refundId, refundedAt)

The item is also the processed-event record of the events that changed it (docs/architecture.md,
"Idempotency"): `chargeEvent` / `chargeAt` name the InventoryReserved that recorded the charge
and when its outcome occurred, `refundEvent` / `refundAt` the event that recorded the refund.
Every change is one conditional write of this one item: no transaction, no separate record.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, to_attrs, write_if
from orderflow.errors import AwsError
from workers.services.payment.provider import ChargeResult, RefundResult

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


def charge_key(order_id: uuid.UUID) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": "CHARGE"}


class PaymentStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    async def record_charge(
        self,
        order_id: uuid.UUID,
        result: ChargeResult,
        amount: Decimal,
        currency: str,
        *,
        event: uuid.UUID,
        at: datetime,
    ) -> bool:
        """Conditional on absence: a second charge record for an order cannot exist. False: one does
        (another delivery's charge, or the cancel's closure)."""
        item = {
            **charge_key(order_id),
            "orderId": str(order_id),
            "paymentId": result.payment_id,
            "status": "APPROVED" if result.approved else "DECLINED",
            "declineCode": result.decline_code,
            "amount": amount,
            "currency": currency,
            "chargedAt": int(time.time()),
            "chargeEvent": str(event),
            "chargeAt": at.isoformat(),
        }
        return await self._put_new(item, "recording the charge")

    async def record_cancellation(self, order_id: uuid.UUID) -> bool:
        """Nothing charged yet: no charge may be recorded for this order from now on. False: a charge
        (or another cancel's closure) was recorded first."""
        item = {
            **charge_key(order_id),
            "orderId": str(order_id),
            "status": "CANCELLED",
            "cancelledAt": int(time.time()),
        }
        return await self._put_new(item, "closing the order to charges")

    async def record_refund(
        self,
        order_id: uuid.UUID,
        was: str,
        refund: RefundResult,
        charge: ChargeResult,
        currency: str,
        *,
        event: uuid.UUID,
        at: datetime,
    ) -> bool:
        """`was` (APPROVED, or CANCELLED for a charge that lost the race to the cancel) -> REFUNDED.
        False: the status is no longer `was` (the other path, or another delivery, recorded it)."""
        values = {
            ":was": was,
            ":refunded": "REFUNDED",
            ":rid": refund.refund_id,
            ":pid": charge.payment_id,
            ":amount": refund.amount,
            ":currency": currency,
            ":now": int(time.time()),
            ":event": str(event),
            ":at": at.isoformat(),
        }
        return await write_if(
            self._client,
            "update_item",
            "recording the refund",
            TableName=self.table,
            Key=to_attrs(charge_key(order_id)),
            UpdateExpression="SET #status = :refunded, refundId = :rid, paymentId = :pid, refundAmount = :amount,"
            " currency = :currency, refundedAt = :now, refundEvent = :event, refundAt = :at",
            ConditionExpression="#status = :was",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_attrs(values),
        )

    async def charge(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        try:
            response = await self._client.get_item(
                TableName=self.table, Key=to_attrs(charge_key(order_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading the charge failed: {exc}") from exc
        return from_attrs(response["Item"]) if "Item" in response else None

    async def _put_new(self, item: dict[str, Any], what: str) -> bool:
        return await write_if(
            self._client,
            "put_item",
            what,
            TableName=self.table,
            Item=to_attrs(item),
            ConditionExpression="attribute_not_exists(pk)",
        )
