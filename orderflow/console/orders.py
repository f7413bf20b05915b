"""The platform-wide panels' data: the order funnel and the recent-orders index (both kept by the
analytics service, orderflow.analytics_table), and one order's timeline (the orders table).

Every read is a key lookup or a bounded range query: the cost of a refresh does not grow with the
number of orders in the tables.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import orjson

from orderflow.analytics_table import (
    CANCELLED,
    COUNT_PK,
    FUNNEL,
    RECENT_TTL,
    TOTAL_KEY,
    hour_sk,
    minute_sk,
    recent_pk,
)
from orderflow.aws.dynamo import from_attrs, to_attrs
from orderflow.orders_table import order_key, timeline, without_entries

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# window name -> length; None is "since the beginning" (the TOTAL counters).
WINDOWS: dict[str, timedelta | None] = {
    "5m": timedelta(minutes=5),
    "15m": timedelta(minutes=15),
    "1h": timedelta(hours=1),
    "6h": timedelta(hours=6),
    "24h": timedelta(hours=24),
    "all": None,
}
_MINUTE_BUCKETS_UP_TO = timedelta(hours=2)  # longer windows add hour buckets (whole hours)
PAGE_SIZES = (25, 50, 100)


class UnknownWindow(ValueError):
    pass


@dataclass(frozen=True)
class Funnel:
    window: str
    counts: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        stages = [{"stage": s, "count": self.counts.get(s, 0)} for s in FUNNEL]
        cancelled = [{"reason": s.split(":", 1)[1], "count": self.counts.get(s, 0)} for s in CANCELLED]
        return {"window": self.window, "stages": stages, "cancelled": cancelled}


@dataclass(frozen=True)
class OrdersPage:
    orders: list[dict[str, Any]]
    next_cursor: str | None


@dataclass
class OrderReader:
    dynamodb: DynamoDBClient
    analytics_table: str
    orders_table: str
    requests: int = field(default=0)  # DynamoDB calls made, for the benchmark's "no scan per refresh"

    async def funnel(self, window: str, now: datetime | None = None) -> Funnel:
        if window not in WINDOWS:
            raise UnknownWindow(f"unknown window {window!r}; one of {', '.join(WINDOWS)}")
        length = WINDOWS[window]
        if length is None:
            return Funnel(window, await self._totals())
        end = now or datetime.now(UTC)
        start = end - length
        if length <= _MINUTE_BUCKETS_UP_TO:
            bounds = (minute_sk(start + timedelta(minutes=1)), minute_sk(end))
        else:
            bounds = (hour_sk(start + timedelta(hours=1)), hour_sk(end))
        return Funnel(window, await self._sum(*bounds))

    async def _totals(self) -> dict[str, int]:
        self.requests += 1
        response = await self.dynamodb.get_item(TableName=self.analytics_table, Key=to_attrs(TOTAL_KEY))
        return _stages([from_attrs(response["Item"])] if "Item" in response else [])

    async def _sum(self, low: str, high: str) -> dict[str, int]:
        """Every stage's events in the buckets from `low` to `high`: one range query (a page per 1 MB)."""
        kwargs: dict[str, Any] = {
            "TableName": self.analytics_table,
            "KeyConditionExpression": "pk = :pk AND sk BETWEEN :low AND :high",
            "ExpressionAttributeValues": to_attrs({":pk": COUNT_PK, ":low": low, ":high": high}),
        }
        items: list[dict[str, Any]] = []
        while True:
            self.requests += 1
            response = await self.dynamodb.query(**kwargs)
            items += [from_attrs(i) for i in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return _stages(items)
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    async def recent(self, *, limit: int, cursor: str | None = None, now: datetime | None = None) -> OrdersPage:
        """Newest first, `limit` at a time; the cursor walks back day by day (the index's partitions)."""
        today = (now or datetime.now(UTC)).replace(hour=0, minute=0, second=0, microsecond=0)
        day, start_key = (today, None) if cursor is None else _decode_cursor(cursor)
        oldest = today - RECENT_TTL
        found: list[dict[str, Any]] = []
        while len(found) < limit and day >= oldest:
            kwargs: dict[str, Any] = {
                "TableName": self.analytics_table,
                "KeyConditionExpression": "pk = :pk",
                "ExpressionAttributeValues": to_attrs({":pk": recent_pk(day)}),
                "ScanIndexForward": False,
                "Limit": limit - len(found),
            }
            if start_key:
                kwargs["ExclusiveStartKey"] = start_key
            self.requests += 1
            response = await self.dynamodb.query(**kwargs)
            found += [from_attrs(i) for i in response.get("Items", [])]
            start_key = response.get("LastEvaluatedKey")
            if not start_key:
                day -= timedelta(days=1)
        more = start_key is not None or (day >= oldest and len(found) >= limit)
        statuses = await self._statuses([o["orderId"] for o in found])
        orders = [_row(o, statuses.get(o["orderId"], {})) for o in found]
        return OrdersPage(orders, _encode_cursor(day, start_key) if more and found else None)

    async def _statuses(self, order_ids: list[str]) -> dict[str, dict[str, Any]]:
        """One BatchGetItem per 100 orders of the page (the page is at most 100)."""
        if not order_ids:
            return {}
        request: Any = {
            self.orders_table: {
                "Keys": [to_attrs(order_key(o)) for o in order_ids],
                "ProjectionExpression": "orderId, #s, reason, updatedAt",
                "ExpressionAttributeNames": {"#s": "status"},
            }
        }
        found: dict[str, dict[str, Any]] = {}
        while request:
            self.requests += 1
            response = await self.dynamodb.batch_get_item(RequestItems=request)
            for raw in response.get("Responses", {}).get(self.orders_table, []):
                item = from_attrs(raw)
                found[str(item["orderId"])] = item
            request = response.get("UnprocessedKeys") or None
        return found

    async def order(self, order_id: uuid.UUID) -> dict[str, Any] | None:
        """The order and its timeline (one partition of the orders table), or None."""
        kwargs: Any = {
            "TableName": self.orders_table,
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": to_attrs({":pk": order_key(order_id)["pk"]}),
        }
        items: list[dict[str, Any]] = []
        while True:
            self.requests += 1
            response = await self.dynamodb.query(**kwargs)
            items += [from_attrs(i) for i in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        order = next((i for i in items if i["sk"] == "ORDER"), None)
        if order is None:
            return None
        return {**_plain(without_entries(order)), "timeline": [_plain(e) for e in timeline(order, items)]}


def _row(index: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    return {
        "orderId": index["orderId"],
        "placedAt": index["placedAt"],
        "total": str(index.get("total", "")),
        "currency": index.get("currency", ""),
        "lines": int(index.get("lines", 0)),
        "status": status.get("status", "?"),
        "reason": status.get("reason"),
    }


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    """DynamoDB's Decimals as JSON-friendly values."""
    return orjson.loads(orjson.dumps(item, default=str))  # type: ignore[no-any-return]


def _encode_cursor(day: datetime, key: dict[str, Any] | None) -> str:
    raw = orjson.dumps({"day": day.strftime("%Y-%m-%d"), "key": key})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class BadCursor(ValueError):
    pass


def _decode_cursor(cursor: str) -> tuple[datetime, dict[str, Any] | None]:
    try:
        raw = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        day = datetime.strptime(raw["day"], "%Y-%m-%d").replace(tzinfo=UTC)
        key = raw.get("key")
    except (ValueError, KeyError, TypeError) as exc:
        raise BadCursor("not a cursor this console made") from exc
    if key is not None and not isinstance(key, dict):
        raise BadCursor("not a cursor this console made")
    return day, key


def _stages(buckets: list[dict[str, Any]]) -> dict[str, int]:
    """Each stage's count summed over the buckets (a bucket holds only the stages it has seen)."""
    return {stage: sum(int(b.get(stage, 0)) for b in buckets) for stage in (*FUNNEL, *CANCELLED)}
