"""The payment table: exactly one charge per order."""

from __future__ import annotations

import time
import uuid
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, to_attrs
from orderflow.errors import AwsError
from workers.services.payment.provider import ChargeResult

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
        return {
            "Put": {"TableName": self.table, "Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(pk)"}
        }

    async def charge(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        try:
            response = await self._client.get_item(
                TableName=self.table, Key=to_attrs(charge_key(order_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading the charge failed: {exc}") from exc
        return from_attrs(response["Item"]) if "Item" in response else None
