"""The analytics table's writes (layout: orderflow.analytics_table): counters and the recent-orders index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orderflow.analytics_table import (
    HOUR_BUCKET_TTL,
    MINUTE_BUCKET_TTL,
    RECENT_TTL,
    count_pk,
    expires,
    hour_sk,
    minute_sk,
    recent_key,
    total_key,
)
from orderflow.aws.dynamo import to_attrs
from orderflow.contracts import Event
from orderflow.contracts.events import OrderPlaced

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef


class AnalyticsStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def changes(self, stage: str, event: Event) -> list[TransactWriteItemTypeDef]:
        """Three counters (total, hour, minute) and, for a placed order, its recent-orders entry."""
        at = event.occurred_at
        writes = [
            self._add(total_key(stage), None),
            self._add({"pk": count_pk(stage), "sk": hour_sk(at)}, expires(at, HOUR_BUCKET_TTL)),
            self._add({"pk": count_pk(stage), "sk": minute_sk(at)}, expires(at, MINUTE_BUCKET_TTL)),
        ]
        if isinstance(event, OrderPlaced):
            writes.append(self._recent(event))
        return writes

    def _add(self, key: dict[str, Any], expires_at: int | None) -> TransactWriteItemTypeDef:
        values: dict[str, Any] = {":one": 1}
        expression = "ADD n :one"
        if expires_at is not None:
            expression += " SET expiresAt = :exp"
            values[":exp"] = expires_at
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_attrs(key),
                "UpdateExpression": expression,
                "ExpressionAttributeValues": to_attrs(values),
            }
        }

    def _recent(self, event: OrderPlaced) -> TransactWriteItemTypeDef:
        data = event.data
        item = {
            **recent_key(event.occurred_at, str(data.order_id)),
            "orderId": str(data.order_id),
            "placedAt": event.occurred_at.isoformat(),
            "total": data.total,
            "currency": data.currency,
            "lines": len(data.items),
            "expiresAt": expires(event.occurred_at, RECENT_TTL),
        }
        return {"Put": {"TableName": self.table, "Item": to_attrs(item)}}
