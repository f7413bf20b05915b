"""The projector's writes to the orders table: each event's timeline entry is an attribute of the
order item, written in the same conditional update as the change the event makes.

One single-item write per event, no transaction: the entry's absence is the event's dedup
condition, so a redelivery finds it and changes nothing, and a crash loses nothing (the write
happened whole or not at all). 1 WRU while the order item stays under 1 KiB (a shipped order's
does; orderflow.orders_table.entry_value).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, to_attrs, write_if
from orderflow.contracts import Event
from orderflow.errors import AwsError
from orderflow.orders_table import entry_name, entry_value, order_key
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

    async def record(self, order_id: uuid.UUID, event: Event, step: Transition | None) -> bool:
        """The event's entry and the change `step` guesses, as one conditional update, without
        reading; False when the entry is there already (a redelivery), the order is not in a state
        `step` expects, or there is no order."""
        update = _Update(event)
        status = update.name("status")
        if step is None:  # the entry alone, on an order that exists
            return await self._update(order_id, update, f"attribute_exists({status})")
        update.change(step.changes)
        if step.from_statuses is None:
            return await self._update(order_id, update, f"attribute_exists({status})")
        allowed = ", ".join(update.value(s) for s in sorted(step.from_statuses))
        return await self._update(order_id, update, f"{status} IN ({allowed})")

    async def record_after_read(
        self, order_id: uuid.UUID, event: Event, version: int, after: OrderState | None
    ) -> None:
        """The event's entry, and `after` (None: the event changes nothing) on the order as read at
        `version` (optimistic concurrency). Raises ConcurrentUpdate when the order changed since."""
        update = _Update(event)
        if after is None:
            # An entry alone changes no state: it needs no version, only its own absence (a racing
            # delivery of the same event that wrote it first leaves nothing to do).
            await self._update(order_id, update, f"attribute_exists({update.name('status')})")
            return
        names = ("status", "reason", "cancellation", "refund")
        update.change({name: value for name in names if (value := getattr(after, name)) is not None})
        if not await self._update(order_id, update, f"version = {update.value(version)}"):
            raise ConcurrentUpdate

    async def _update(self, order_id: uuid.UUID, update: _Update, condition: str) -> bool:
        return await self._write(
            "update_item",
            f"recording {update.event_type} on order {order_id}",
            Key=to_attrs(order_key(order_id)),
            UpdateExpression="SET " + ", ".join(update.sets),
            ConditionExpression=f"attribute_not_exists(#entry) AND {condition}",
            ExpressionAttributeNames=update.names,
            ExpressionAttributeValues=to_attrs(update.values),
        )

    async def _write(self, operation: str, what: str, **request: Any) -> bool:
        return await write_if(self._client, operation, what, TableName=self.table, **request)


class _Update:
    """One UpdateItem's SET clauses, names and values, built up from an event's entry."""

    def __init__(self, event: Event) -> None:
        self.event_type = event.event_type
        entry = entry_value(event.event_type, event.source, event.occurred_at.isoformat())
        self.names = {"#entry": entry_name(event.event_id)}
        self.values: dict[str, Any] = {}
        self.sets = [f"#entry = {self.value(entry)}"]

    def value(self, value: Any) -> str:
        placeholder = f":v{len(self.values)}"
        self.values[placeholder] = value
        return placeholder

    def name(self, attribute: str) -> str:
        """The attribute's placeholder, made on first use: DynamoDB refuses a request naming one it
        does not use."""
        for placeholder, named in self.names.items():
            if named == attribute:
                return placeholder
        placeholder = f"#n{len(self.names)}"
        self.names[placeholder] = attribute
        return placeholder

    def change(self, changes: dict[str, str]) -> None:
        """Set the order's new state: its fields, its version and its update time."""
        for attribute, value in changes.items():
            self.sets.append(f"{self.name(attribute)} = {self.value(value)}")
        self.sets += [
            f"updatedAt = {self.value(datetime.now(UTC).isoformat())}",
            f"version = version + {self.value(1)}",
        ]
