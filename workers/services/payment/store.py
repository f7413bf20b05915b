"""The payment table: one charge item per order, and what became of it.

pk ORDER#{id} / sk CHARGE, `status`:
  APPROVED | DECLINED   the provider's answer to the one charge
  CANCELLED             the order was cancelled before any charge: none will be recorded
  REFUNDED              an approved charge given back (refundId, refundedAt)
"""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, to_attrs
from orderflow.errors import AwsError
from workers.services.payment.provider import ChargeResult, RefundResult

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef


def charge_key(order_id: uuid.UUID) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": "CHARGE"}


class PaymentStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    def record_charge(
        self, order_id: uuid.UUID, result: ChargeResult, amount: Decimal, currency: str
    ) -> TransactWriteItemTypeDef:
        """Conditional on absence: a second charge record for an order cannot exist."""
        item = {
            **charge_key(order_id),
            "orderId": str(order_id),
            "paymentId": result.payment_id,
            "status": "APPROVED" if result.approved else "DECLINED",
            "declineCode": result.decline_code,
            "amount": amount,
            "currency": currency,
            "chargedAt": int(time.time()),
        }
        return self._put_new(item)

    def record_cancellation(self, order_id: uuid.UUID) -> TransactWriteItemTypeDef:
        """Nothing charged yet: no charge may be recorded for this order from now on."""
        return self._put_new(
            {**charge_key(order_id), "orderId": str(order_id), "status": "CANCELLED", "cancelledAt": int(time.time())}
        )

    def record_refund(
        self, order_id: uuid.UUID, was: str, refund: RefundResult, charge: ChargeResult, currency: str
    ) -> TransactWriteItemTypeDef:
        """`was` (APPROVED, or CANCELLED for a charge that lost the race to the cancel) -> REFUNDED."""
        values = {
            ":was": was,
            ":refunded": "REFUNDED",
            ":rid": refund.refund_id,
            ":pid": charge.payment_id,
            ":amount": refund.amount,
            ":currency": currency,
            ":now": int(time.time()),
        }
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_attrs(charge_key(order_id)),
                "UpdateExpression": "SET #status = :refunded, refundId = :rid, paymentId = :pid,"
                " refundAmount = :amount, currency = :currency, refundedAt = :now",
                "ConditionExpression": "#status = :was",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_attrs(values),
            }
        }

    async def charge(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        try:
            response = await self._client.get_item(
                TableName=self.table, Key=to_attrs(charge_key(order_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading the charge failed: {exc}") from exc
        return from_attrs(response["Item"]) if "Item" in response else None

    def _put_new(self, item: dict[str, Any]) -> TransactWriteItemTypeDef:
        return {
            "Put": {"TableName": self.table, "Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(pk)"}
        }
