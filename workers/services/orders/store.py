"""The projector's writes to the orders table: a timeline entry, then the order's state.

Two single-item writes, no transaction. Both are idempotent on their own, so the order between
them only decides what a reader can see: the timeline entry goes first, so an order never shows a
status without the event that moved it there. A crash between the two leaves the entry without
the status change; the redelivery finds the entry and makes the change.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, to_attrs, write_if
from orderflow.contracts import Event
from orderflow.errors import AwsError
from orderflow.orders_table import order_key, timeline_key
from workers.services.orders.projection import OrderState, Transition

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient


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

    async def add_to_timeline(self, order_id: uuid.UUID, event: Event) -> bool:
        """The event's timeline entry, once; False when it is there already (a redelivery)."""
        entry = {
            **timeline_key(order_id, event.event_id),
            "eventType": event.event_type,
            "source": event.source,
            "occurredAt": event.occurred_at.isoformat(),
            "recordedAt": datetime.now(UTC).isoformat(),
        }
        return await self._write(
            "put_item",
            f"recording {event.event_type} on the timeline",
            Item=to_attrs(entry),
            ConditionExpression="attribute_not_exists(pk)",
        )

    async def try_transition(self, order_id: uuid.UUID, step: Transition) -> bool:
        """Apply `step` without reading, as one conditional update; False when its condition fails
        (the order is not in the state the step expects, or is missing)."""
        names, values = {"#status": "status"}, {":one": 1, ":now": _now()}
        sets = ["updatedAt = :now", "version = version + :one"]
        differs = []
        for i, (name, value) in enumerate(step.changes.items()):
            names[f"#c{i}"], values[f":c{i}"] = name, value
            sets.append(f"#c{i} = :c{i}")
            differs.append(f"attribute_not_exists(#c{i}) OR #c{i} <> :c{i}")
        if step.from_statuses is not None:
            allowed = sorted(step.from_statuses)
            values |= {f":from{i}": status for i, status in enumerate(allowed)}
            condition = "#status IN (" + ", ".join(f":from{i}" for i in range(len(allowed))) + ")"
        else:
            # DynamoDB refuses redundant parentheses: wrap each alternative only when there are several.
            either = " OR ".join(f"({d})" for d in differs) if len(differs) > 1 else differs[0]
            condition = f"attribute_exists(#status) AND ({either})"
        return await self._write(
            "update_item",
            f"moving order {order_id}",
            Key=to_attrs(order_key(order_id)),
            UpdateExpression="SET " + ", ".join(sets),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_attrs(values),
        )

    async def set_state(self, order_id: uuid.UUID, version: int, state: OrderState) -> None:
        """Set `state` on the order as read at `version` (optimistic concurrency)."""
        values: dict[str, Any] = {":status": state.status, ":now": _now(), ":v": version, ":one": 1}
        update = "SET #status = :status, updatedAt = :now, version = version + :one"
        for name in ("reason", "cancellation", "refund"):
            if (value := getattr(state, name)) is not None:
                update += f", {name} = :{name}"
                values[f":{name}"] = value
        written = await self._write(
            "update_item",
            f"moving order {order_id}",
            Key=to_attrs(order_key(order_id)),
            UpdateExpression=update,
            ConditionExpression="version = :v",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_attrs(values),
        )
        if not written:
            raise ConcurrentUpdate

    async def _write(self, operation: str, what: str, **request: Any) -> bool:
        return await write_if(self._client, operation, what, TableName=self.table, **request)


def _now() -> str:
    return datetime.now(UTC).isoformat()
