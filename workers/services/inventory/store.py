"""The inventory table: stock per SKU and one reservation per order."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, to_attrs
from orderflow.errors import AwsError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef


def stock_key(sku: str) -> dict[str, Any]:
    return {"pk": f"SKU#{sku}", "sk": "STOCK"}


def stock_item(sku: str, available: int) -> dict[str, Any]:
    return {**stock_key(sku), "sku": sku, "available": available, "reserved": 0}


def reservation_key(order_id: uuid.UUID) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": "RESERVATION"}


class InventoryStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    def reserve(self, order_id: uuid.UUID, units: Mapping[str, int]) -> list[TransactWriteItemTypeDef]:
        """Each SKU conditional on enough stock (an unknown SKU has none), plus the reservation."""
        changes: list[TransactWriteItemTypeDef] = [
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
        reservation = {
            **reservation_key(order_id),
            "units": dict(units),
            "state": "RESERVED",
            "reservedAt": int(time.time()),
        }
        changes.append(
            {
                "Put": {
                    "TableName": self.table,
                    "Item": to_attrs(reservation),
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            }
        )
        return changes

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

    async def reservation(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        item = await self._get(reservation_key(order_id))
        if item is None:
            return None
        item["units"] = {sku: int(q) for sku, q in item.get("units", {}).items()}
        return item

    async def available(self, skus: Iterable[str]) -> dict[str, int]:
        """Current available units per SKU (unknown SKUs are absent)."""
        keys = [to_attrs(stock_key(sku)) for sku in skus]
        found: dict[str, int] = {}
        for start in range(0, len(keys), 100):
            try:
                response = await self._client.batch_get_item(
                    RequestItems={self.table: {"Keys": keys[start : start + 100], "ConsistentRead": True}}
                )
            except (ClientError, BotoCoreError) as exc:
                raise AwsError(f"reading stock failed: {exc}") from exc
            for raw in response.get("Responses", {}).get(self.table, []):
                item = from_attrs(raw)
                found[str(item["pk"]).removeprefix("SKU#")] = int(item["available"])
        return found

    async def put_stock(self, sku: str, available: int) -> None:
        """Set a SKU's stock (seeding and tests)."""
        try:
            await self._client.put_item(TableName=self.table, Item=to_attrs(stock_item(sku, available)))
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"writing stock failed: {exc}") from exc

    async def _get(self, key: dict[str, Any]) -> dict[str, Any] | None:
        try:
            response = await self._client.get_item(TableName=self.table, Key=to_attrs(key), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading {key['pk']} failed: {exc}") from exc
        return from_attrs(response["Item"]) if "Item" in response else None
