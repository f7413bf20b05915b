"""The analytics table's writes (layout: orderflow.analytics_table): counters and the recent-orders index.

Events handled at the same time are counted in one transaction (`count`): one processed-event
marker per event, and each time bucket the group falls in (total, hour, minute: every stage of a
bucket is one item) written once with the group's sums. An item in a transaction bills 2 WRU
whatever it adds, so a group of ten events costs ten markers and three counters instead of ten
markers and thirty counters. An OrderPlaced's recent-orders entry is its
own marker (conditional on absence, it carries the event's id), so it costs no separate record.
"""

from __future__ import annotations

import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.analytics_table import (
    COUNT_PK,
    HOUR_BUCKET_TTL,
    MINUTE_BUCKET_TTL,
    RECENT_TTL,
    STAGES,
    TOTAL_KEY,
    expires,
    hour_sk,
    minute_sk,
    recent_key,
)
from orderflow.aws.dynamo import cancellation_codes, to_attrs
from orderflow.aws.idempotency import RECORD_TTL_SECONDS, ProcessedEvents
from orderflow.contracts import Event
from orderflow.contracts.events import OrderPlaced
from orderflow.errors import AwsError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef

MAX_GROUP = 32  # markers (32) + counters (at most 32 minutes + 32 hours + the total) stay under 100 items
_ABSENT = "attribute_not_exists(pk)"


class AnalyticsStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    async def count(self, events: Sequence[Event]) -> set[uuid.UUID]:
        """Count each of `events` (distinct ids, at most MAX_GROUP) once, in one transaction.

        An event counted before (a redelivery) fails its marker's condition, which cancels the
        whole transaction; it is left out and the rest committed again. Answers the ids left out.
        """
        pending, duplicates = list(events), set[uuid.UUID]()
        while pending:
            try:
                await self._client.transact_write_items(TransactItems=self.changes(pending))
            except ClientError as exc:
                codes = cancellation_codes(exc)
                if not codes or not set(codes) <= {"None", "ConditionalCheckFailed"}:
                    # TransactionConflict, throttling, ...: technical, so the runtime retries.
                    raise AwsError(f"TransactWriteItems (analytics) failed: {exc}") from exc
                counted = {e.event_id for e, code in zip(pending, codes, strict=False) if code != "None"}
                if not counted:  # only markers carry conditions; anything else is not ours to decide
                    raise AwsError(f"TransactWriteItems (analytics) cancelled: {codes}") from exc
                duplicates |= counted
                pending = [e for e in pending if e.event_id not in counted]
            except BotoCoreError as exc:
                raise AwsError(f"TransactWriteItems (analytics) failed: {exc}") from exc
            else:
                return duplicates
        return duplicates

    def changes(self, events: Sequence[Event]) -> list[TransactWriteItemTypeDef]:
        """One marker per event, in the order of `events`, then the counters they add to."""
        return [*(self._marker(e) for e in events), *self.counters(events)]

    def counters(self, events: Sequence[Event]) -> list[TransactWriteItemTypeDef]:
        """The time buckets `events` fall in (total, hour, minute), each added to once: per stage, its events."""
        sums: dict[str, Counter[str]] = defaultdict(Counter)  # bucket sk -> stage -> events
        expiry: dict[str, int] = {}  # bucket sk -> the latest of its events' expiries (none for TOTAL)
        for event in events:
            stage, at = STAGES[event.event_type], event.occurred_at
            sums[TOTAL_KEY["sk"]][stage] += 1
            for sk, ttl in ((hour_sk(at), HOUR_BUCKET_TTL), (minute_sk(at), MINUTE_BUCKET_TTL)):
                sums[sk][stage] += 1
                expiry[sk] = max(expiry.get(sk, 0), expires(at, ttl))
        return [self._add(sk, stages, expiry.get(sk)) for sk, stages in sums.items()]

    def recent(self, event: OrderPlaced) -> TransactWriteItemTypeDef:
        """A placed order's recent-orders entry (unconditional: the naive shape's separate record)."""
        return {"Put": {"TableName": self.table, "Item": to_attrs(self._recent_item(event))}}

    def _marker(self, event: Event) -> TransactWriteItemTypeDef:
        if isinstance(event, OrderPlaced):
            item = self._recent_item(event)
        else:
            now = int(time.time())
            item = {
                **ProcessedEvents.key(event.event_id),
                "outcome": [],
                "appliedAt": now,
                "expiresAt": now + RECORD_TTL_SECONDS,
            }
        return {"Put": {"TableName": self.table, "Item": to_attrs(item), "ConditionExpression": _ABSENT}}

    def _add(self, sk: str, stages: Counter[str], expires_at: int | None) -> TransactWriteItemTypeDef:
        names = {f"#s{i}": stage for i, stage in enumerate(stages)}
        values: dict[str, Any] = {f":n{i}": n for i, n in enumerate(stages.values())}
        expression = "ADD " + ", ".join(f"#s{i} :n{i}" for i in range(len(stages)))
        if expires_at is not None:
            expression += " SET expiresAt = :exp"
            values[":exp"] = expires_at
        return {
            "Update": {
                "TableName": self.table,
                "Key": to_attrs({"pk": COUNT_PK, "sk": sk}),
                "UpdateExpression": expression,
                "ExpressionAttributeNames": names,
                "ExpressionAttributeValues": to_attrs(values),
            }
        }

    @staticmethod
    def _recent_item(event: OrderPlaced) -> dict[str, Any]:
        data = event.data
        return {
            **recent_key(event.occurred_at, str(data.order_id)),
            "orderId": str(data.order_id),
            "eventId": str(event.event_id),
            "placedAt": event.occurred_at.isoformat(),
            "total": data.total,
            "currency": data.currency,
            "lines": len(data.items),
            "expiresAt": expires(event.occurred_at, RECENT_TTL),
        }
