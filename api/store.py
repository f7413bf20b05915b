"""The API's DynamoDB adapter: catalogue reads, the order + outbox transaction, order reads."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import cancellation_codes, from_attrs, to_attrs
from orderflow.contracts import Event, parse_event
from orderflow.contracts.events import OrderCancellationRequested, OrderPlaced
from orderflow.errors import AwsError
from orderflow.orders_table import (
    OUTBOX_SHARDS,
    entry_name,
    entry_value,
    idempotency_key,
    order_key,
    outbox_key,
    placed_fields,
    timeline,
)

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

IDEMPOTENCY_TTL_SECONDS = 24 * 3600
BATCH_GET_MAX_KEYS = 100  # DynamoDB's BatchGetItem ceiling


class IdempotencyRace(Exception):
    """Another request with the same Idempotency-Key committed first."""


class CancelConflict(Exception):
    """The order changed first: it shipped, was cancelled, or a cancel is already on its way."""


class OrdersStore:
    def __init__(self, client: DynamoDBClient, *, orders_table: str, catalogue_table: str) -> None:
        self._client = client
        self.orders_table = orders_table
        self.catalogue_table = catalogue_table

    async def prices(self, skus: Iterable[str]) -> dict[str, tuple[Decimal, str]]:
        """Catalogue price and currency per known SKU."""
        keys = [to_attrs({"pk": f"SKU#{sku}", "sk": "PRODUCT"}) for sku in sorted(set(skus))]
        found: dict[str, tuple[Decimal, str]] = {}
        for start in range(0, len(keys), BATCH_GET_MAX_KEYS):
            request: Any = {self.catalogue_table: {"Keys": keys[start : start + BATCH_GET_MAX_KEYS]}}
            while request:
                response = await self._call("reading the catalogue", self._client.batch_get_item(RequestItems=request))
                for raw in response.get("Responses", {}).get(self.catalogue_table, []):
                    item = from_attrs(raw)
                    found[item["sku"]] = (Decimal(item["price"]), item["currency"])
                request = response.get("UnprocessedKeys") or None
        return found

    async def place(self, order: dict[str, Any], event: OrderPlaced, idempotency: dict[str, Any] | None) -> None:
        """One transaction: the order (holding its first timeline entry), its outbox entry, the
        idempotency record."""
        now = int(time.time())
        placed = placed_fields(event.event_id, event.occurred_at.isoformat())
        items: list[Any] = [
            self._put_new(self.orders_table, {**order_key(event.data.order_id), **order, **placed}),
            self._put_new(
                self.orders_table, {**outbox_key(event.event_id), "detail": event.to_json().decode(), "createdAt": now}
            ),
        ]
        if idempotency is not None:
            items.append(self._put_new(self.orders_table, {**idempotency, "expiresAt": now + IDEMPOTENCY_TTL_SECONDS}))
        try:
            await self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if idempotency is not None and codes and codes[-1] == "ConditionalCheckFailed":
                raise IdempotencyRace from exc
            raise AwsError(f"storing the order failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"storing the order failed: {exc}") from exc

    async def request_cancellation(self, event: OrderCancellationRequested, idempotency: dict[str, Any] | None) -> None:
        """One transaction: mark the order's cancel as asked for (only while it has neither shipped,
        nor been cancelled, nor been asked before) with its timeline entry on the order item, and
        its outbox entry."""
        order_id, now = event.data.order_id, int(time.time())
        entry = entry_value(event.event_type, event.source, event.occurred_at.isoformat())
        values = {":requested": "REQUESTED", ":shipped": "SHIPPED", ":cancelled": "CANCELLED", ":one": 1}
        values[":entry"] = entry
        items: list[Any] = [
            {
                "Update": {
                    "TableName": self.orders_table,
                    "Key": to_attrs(order_key(order_id)),
                    "UpdateExpression": "SET cancellation = :requested, version = version + :one, #entry = :entry",
                    "ConditionExpression": "attribute_exists(pk) AND #status <> :shipped AND #status <> :cancelled"
                    " AND attribute_not_exists(cancellation)",
                    "ExpressionAttributeNames": {"#status": "status", "#entry": entry_name(event.event_id)},
                    "ExpressionAttributeValues": to_attrs(values),
                }
            },
            self._put_new(
                self.orders_table, {**outbox_key(event.event_id), "detail": event.to_json().decode(), "createdAt": now}
            ),
        ]
        if idempotency is not None:
            items.append(self._put_new(self.orders_table, {**idempotency, "expiresAt": now + IDEMPOTENCY_TTL_SECONDS}))
        try:
            await self._client.transact_write_items(TransactItems=items)
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise CancelConflict from exc
            if idempotency is not None and codes and codes[-1] == "ConditionalCheckFailed":
                raise IdempotencyRace from exc
            raise AwsError(f"storing the cancellation failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"storing the cancellation failed: {exc}") from exc

    async def order(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        response = await self._call(
            "reading the order",
            self._client.get_item(TableName=self.orders_table, Key=to_attrs(order_key(order_id)), ConsistentRead=True),
        )
        return from_attrs(response["Item"]) if "Item" in response else None

    async def idempotent_response(self, client_id: str, key: str) -> dict[str, Any] | None:
        response = await self._call(
            "reading the idempotency record",
            self._client.get_item(
                TableName=self.orders_table, Key=to_attrs(idempotency_key(client_id, key)), ConsistentRead=True
            ),
        )
        return from_attrs(response["Item"]) if "Item" in response else None

    async def order_with_timeline(self, order_id: uuid.UUID) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        items: list[dict[str, Any]] = []
        kwargs: Any = {
            "TableName": self.orders_table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_attrs({":pk": order_key(order_id)["pk"]}),
            "ConsistentRead": True,
        }
        while True:
            response = await self._call("reading the order", self._client.query(**kwargs))
            items.extend(from_attrs(raw) for raw in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        order = next((i for i in items if i["sk"] == "ORDER"), None)
        return order, timeline(order, items)

    # -- outbox ---------------------------------------------------------------------------------

    async def pending_outbox(self, older_than_seconds: float, limit: int = 100) -> list[dict[str, Any]]:
        """Outbox entries older than the threshold: their immediate publish did not happen."""
        cutoff = int(time.time() - older_than_seconds)
        pending: list[dict[str, Any]] = []
        for shard in range(OUTBOX_SHARDS):
            response = await self._call(
                "reading the outbox",
                self._client.query(
                    TableName=self.orders_table,
                    KeyConditionExpression="pk = :pk",
                    FilterExpression="createdAt <= :cutoff",
                    ExpressionAttributeValues=to_attrs({":pk": f"OUTBOX#{shard}", ":cutoff": cutoff}),
                    Limit=limit,
                ),
            )
            pending.extend(from_attrs(raw) for raw in response.get("Items", []))
        return pending

    async def outbox_done(self, event_id: uuid.UUID | str) -> None:
        await self._call(
            "clearing the outbox",
            self._client.delete_item(TableName=self.orders_table, Key=to_attrs(outbox_key(event_id))),
        )

    async def ping(self) -> None:
        await self._call("describing the orders table", self._client.describe_table(TableName=self.orders_table))

    # -- helpers --------------------------------------------------------------------------------

    @staticmethod
    def _put_new(table: str, item: dict[str, Any]) -> dict[str, Any]:
        return {"Put": {"TableName": table, "Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(pk)"}}

    @staticmethod
    async def _call(what: str, awaitable: Any) -> Any:
        try:
            return await awaitable
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"{what} failed: {exc}") from exc


def event_from_outbox(item: dict[str, Any]) -> Event:
    """The outbox holds the API's own events: OrderPlaced and OrderCancellationRequested."""
    return parse_event(orjson.loads(item["detail"]))
