"""The projector's writes to the orders table: a timeline entry and the status, in one transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import cancellation_codes, from_attrs, to_attrs
from orderflow.contracts import Event
from orderflow.errors import AwsError
from orderflow.orders_table import order_key, timeline_key
from workers.services.orders.projection import OrderState

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


class AlreadyApplied(Exception):
    """The event is already on the order's timeline."""


class ConcurrentUpdate(Exception):
    """Another event changed the order between our read and our write."""


class OrdersStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    async def order(self, order_id: Any) -> dict[str, Any] | None:
        try:
            response = await self._client.get_item(
                TableName=self.table, Key=to_attrs(order_key(order_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading order {order_id} failed: {exc}") from exc
        return from_attrs(response["Item"]) if "Item" in response else None

    async def apply(self, order_id: uuid.UUID, order: dict[str, Any], event: Event, state: OrderState) -> None:
        """Add `event` to the timeline and set `state`, guarded by the order's version."""
        now = datetime.now(UTC).isoformat()
        entry = {
            **timeline_key(order_id, event.event_id),
            "eventType": event.event_type,
            "source": event.source,
            "occurredAt": event.occurred_at.isoformat(),
            "recordedAt": now,
        }
        values = {":status": state.status, ":now": now, ":v": int(order["version"]), ":one": 1}
        update = "SET #status = :status, updatedAt = :now, version = version + :one"
        for name in ("reason", "cancellation", "refund"):
            if (value := getattr(state, name)) is not None:
                update += f", {name} = :{name}"
                values[f":{name}"] = value
        try:
            await self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table,
                            "Item": to_attrs(entry),
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self.table,
                            "Key": to_attrs(order_key(order_id)),
                            "UpdateExpression": update,
                            "ConditionExpression": "version = :v",
                            "ExpressionAttributeNames": {"#status": "status"},
                            "ExpressionAttributeValues": to_attrs(values),
                        }
                    },
                ]
            )
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if codes and codes[0] == "ConditionalCheckFailed":
                raise AlreadyApplied from exc
            if codes and codes[1] == "ConditionalCheckFailed":
                raise ConcurrentUpdate from exc
            raise AwsError(f"projecting {event.event_type} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"projecting {event.event_type} failed: {exc}") from exc
