"""The inventory table: stock per SKU and one reservation per order.

A reservation is RESERVED (then RELEASED), FAILED (the order was short; nothing held) or
CANCELLED (a cancel arrived before the order was reserved; nothing may be held from then on)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, is_conditional_failure, to_attrs
from orderflow.errors import AwsError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef


def stock_key(sku: str) -> dict[str, Any]:
    return {"pk": f"SKU#{sku}", "sk": "STOCK"}


def stock_item(sku: str, available: int, reorder_point: int | None = None, reorder_quantity: int = 0) -> dict[str, Any]:
    """A SKU's stock; with a reorder point, a reservation that takes `available` to or below it
    raises StockLow (once, until a replenishment closes the crossing: `lowAlert`)."""
    item: dict[str, Any] = {**stock_key(sku), "sku": sku, "available": available, "reserved": 0}
    if reorder_point is not None and reorder_quantity > 0:
        item |= {"reorderPoint": reorder_point, "reorderQuantity": reorder_quantity}
    return item


@dataclass(frozen=True)
class LowStock:
    """A crossing this event owns: the stock item's state when the alert was claimed."""

    sku: str
    available: int
    reorder_point: int
    reorder_quantity: int


def reservation_key(order_id: uuid.UUID) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": "RESERVATION"}


class InventoryStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    def take(self, units: Mapping[str, int]) -> list[TransactWriteItemTypeDef]:
        """Each SKU's units, conditional on enough stock (an unknown SKU has none)."""
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_attrs(stock_key(sku)),
                    "UpdateExpression": "SET available = available - :q, reserved = reserved + :q",
                    "ConditionExpression": "attribute_exists(pk) AND available >= :q",
                    "ExpressionAttributeValues": to_attrs({":q": quantity}),
                }
            }
            for sku, quantity in units.items()
        ]

    @staticmethod
    def reservation_item(order_id: uuid.UUID, units: Mapping[str, int]) -> dict[str, Any]:
        """The order's reservation, put with `take` in one transaction (it also carries the
        processed record of the OrderPlaced: orderflow.aws.idempotency.ProcessedEvents.commit_on)."""
        return {**reservation_key(order_id), "units": dict(units), "state": "RESERVED", "reservedAt": int(time.time())}

    @staticmethod
    def failed_reservation_item(order_id: uuid.UUID) -> dict[str, Any]:
        """An order that was short: nothing held, but the slot is taken, so a redelivery of its
        OrderPlaced is caught by the same condition and answers the stored outcome."""
        return {**reservation_key(order_id), "units": {}, "state": "FAILED", "failedAt": int(time.time())}

    def release(self, order_id: uuid.UUID, units: Mapping[str, int]) -> list[TransactWriteItemTypeDef]:
        """Return the units, once: the reservation must still be RESERVED."""
        changes: list[TransactWriteItemTypeDef] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_attrs(stock_key(sku)),
                    "UpdateExpression": "SET available = available + :q, reserved = reserved - :q",
                    "ExpressionAttributeValues": to_attrs({":q": quantity}),
                }
            }
            for sku, quantity in units.items()
        ]
        changes.append(
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_attrs(reservation_key(order_id)),
                    "UpdateExpression": "SET #state = :released, releasedAt = :now",
                    "ConditionExpression": "#state = :reserved",
                    "ExpressionAttributeNames": {"#state": "state"},
                    "ExpressionAttributeValues": to_attrs(
                        {":released": "RELEASED", ":reserved": "RESERVED", ":now": int(time.time())}
                    ),
                }
            }
        )
        return changes

    def close_to_reservation(self, order_id: uuid.UUID) -> TransactWriteItemTypeDef:
        """A cancelled order that reserved nothing yet: its reservation slot is taken by a CANCELLED
        marker, so the reservation's own conditional put (attribute_not_exists) fails from now on."""
        item = {**reservation_key(order_id), "units": {}, "state": "CANCELLED", "cancelledAt": int(time.time())}
        return {
            "Put": {"TableName": self.table, "Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(pk)"}
        }

    async def reservation(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        item = await self._get(reservation_key(order_id))
        if item is None:
            return None
        item["units"] = {sku: int(q) for sku, q in item.get("units", {}).items()}
        return item

    async def available(self, skus: Iterable[str]) -> dict[str, int]:
        """Current available units per SKU (unknown SKUs are absent)."""
        return {sku: int(item["available"]) for sku, item in (await self.stock(skus)).items()}

    async def stock(self, skus: Iterable[str]) -> dict[str, dict[str, Any]]:
        """Current stock items per SKU (unknown SKUs are absent)."""
        keys = [to_attrs(stock_key(sku)) for sku in skus]
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(keys), 100):
            try:
                response = await self._client.batch_get_item(
                    RequestItems={self.table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
                )
            except (ClientError, BotoCoreError) as exc:
                raise AwsError(f"reading stock failed: {exc}") from exc
            for raw in response.get("Responses", {}).get(self.table, []):
                item = from_attrs(raw)
                found[str(item["pk"]).removeprefix("SKU#")] = item
        return found

    async def put_stock(
        self, sku: str, available: int, reorder_point: int | None = None, reorder_quantity: int = 0
    ) -> None:
        """Set a SKU's stock (seeding and tests)."""
        item = stock_item(sku, available, reorder_point, reorder_quantity)
        try:
            await self._client.put_item(TableName=self.table, Item=to_attrs(item))
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"writing stock failed: {exc}") from exc

    def adjust(
        self, sku: str, mode: str, quantity: int, reorder_point: int | None, reorder_quantity: int | None
    ) -> list[TransactWriteItemTypeDef]:
        """`set`: available becomes `quantity`; `restock`: available grows by it. Only a known SKU."""
        update = "SET available = :q" if mode == "set" else "SET available = available + :q"
        values: dict[str, Any] = {":q": quantity}
        if reorder_point is not None:
            update, values[":rp"] = update + ", reorderPoint = :rp", reorder_point
        if reorder_quantity is not None:
            update, values[":rq"] = update + ", reorderQuantity = :rq", reorder_quantity
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": to_attrs(stock_key(sku)),
                    "UpdateExpression": update,
                    "ConditionExpression": "attribute_exists(pk)",
                    "ExpressionAttributeValues": to_attrs(values),
                }
            }
        ]

    def receive(self, sku: str, quantity: int) -> list[TransactWriteItemTypeDef]:
        """A supplier delivery: the units become available."""
        return self.adjust(sku, "restock", quantity, None, None)

    async def claim_low_stock(self, sku: str, alert_id: uuid.UUID) -> LowStock | None:
        """Claim the crossing of `sku`'s reorder point for `alert_id`, if stock is at or below it
        and no other alert holds it. Claiming again with the same id succeeds (a retried handler
        republishes its alert); None when there is nothing to claim."""
        try:
            response = await self._client.update_item(
                TableName=self.table,
                Key=to_attrs(stock_key(sku)),
                UpdateExpression="SET lowAlert = :alert",
                ConditionExpression=(
                    "attribute_exists(reorderPoint) AND attribute_exists(reorderQuantity) AND available <= reorderPoint"
                    " AND (attribute_not_exists(lowAlert) OR lowAlert = :alert)"
                ),
                ExpressionAttributeValues=to_attrs({":alert": str(alert_id)}),
                ReturnValues="ALL_NEW",
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                return None
            raise AwsError(f"claiming low stock of {sku} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"claiming low stock of {sku} failed: {exc}") from exc
        item = from_attrs(response["Attributes"])
        return LowStock(sku, max(int(item["available"]), 0), int(item["reorderPoint"]), int(item["reorderQuantity"]))

    async def close_crossing(self, sku: str, alert_id: uuid.UUID) -> None:
        """The replenishment for `alert_id` arrived: the next crossing may alert again."""
        try:
            await self._client.update_item(
                TableName=self.table,
                Key=to_attrs(stock_key(sku)),
                UpdateExpression="REMOVE lowAlert",
                ConditionExpression="lowAlert = :alert",
                ExpressionAttributeValues=to_attrs({":alert": str(alert_id)}),
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):  # already closed (a retry) or another alert's
                raise AwsError(f"closing the low-stock alert of {sku} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"closing the low-stock alert of {sku} failed: {exc}") from exc

    async def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        try:
            response = await self._client.get_item(TableName=self.table, Key=to_attrs(key), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading {key['pk']} failed: {exc}") from exc
        return from_attrs(response["Item"]) if "Item" in response else None
