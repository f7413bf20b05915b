"""The replenishment table: one purchase order per low-stock alert, OPEN until its delivery arrives.

The purchase order is keyed by the StockLow event id, so a duplicate (or concurrent) StockLow finds
the order already placed; the RECEIVED order holds the outcome it published (its dedup record).
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, is_conditional_failure, to_attrs
from orderflow.contracts import Event, parse_event
from orderflow.errors import AwsError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


def purchase_order_key(sku: str, alert_id: uuid.UUID) -> dict[str, Any]:
    return {"pk": f"SKU#{sku}", "sk": f"PO#{alert_id}"}


class ReplenishmentStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    async def open_order(self, sku: str, alert_id: uuid.UUID, quantity: int) -> dict[str, Any]:
        """Place the purchase order for this alert, or answer the one already placed."""
        item = {
            **purchase_order_key(sku, alert_id),
            "sku": sku,
            "alertId": str(alert_id),
            "quantity": quantity,
            "status": "OPEN",
            "placedAt": int(time.time()),
        }
        try:
            await self._client.put_item(
                TableName=self.table, Item=to_attrs(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise AwsError(f"placing the purchase order failed: {exc}") from exc
            existing = await self.order(sku, alert_id)
            if existing is None:
                raise AwsError("purchase order vanished after a conditional failure") from exc
            return existing
        except BotoCoreError as exc:
            raise AwsError(f"placing the purchase order failed: {exc}") from exc
        return item

    async def mark_received(
        self, sku: str, alert_id: uuid.UUID, purchase_order_id: str, outcome: list[Event]
    ) -> list[Event]:
        """OPEN -> RECEIVED with the outcome to publish; a second caller gets the first's outcome."""
        try:
            await self._client.update_item(
                TableName=self.table,
                Key=to_attrs(purchase_order_key(sku, alert_id)),
                UpdateExpression="SET #s = :received, receivedAt = :now, purchaseOrderId = :po, outcome = :out",
                ConditionExpression="#s = :open",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_attrs(
                    {
                        ":received": "RECEIVED",
                        ":open": "OPEN",
                        ":now": int(time.time()),
                        ":po": purchase_order_id,
                        ":out": [e.to_json().decode() for e in outcome],
                    }
                ),
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise AwsError(f"recording the delivery failed: {exc}") from exc
            existing = await self.order(sku, alert_id)
            if existing is None or existing.get("status") != "RECEIVED":
                raise AwsError("purchase order not RECEIVED after a conditional failure") from exc
            return stored_outcome(existing)
        except BotoCoreError as exc:
            raise AwsError(f"recording the delivery failed: {exc}") from exc
        return outcome

    async def order(self, sku: str, alert_id: uuid.UUID) -> dict[str, Any] | None:
        try:
            response = await self._client.get_item(
                TableName=self.table, Key=to_attrs(purchase_order_key(sku, alert_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading the purchase order failed: {exc}") from exc
        return from_attrs(response["Item"]) if "Item" in response else None


def stored_outcome(order: dict[str, Any]) -> list[Event]:
    return [parse_event(orjson.loads(raw)) for raw in order.get("outcome", [])]
