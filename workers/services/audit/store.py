"""The audit table: one item per stream position, written with a conditional put (expected version).

An item is the event's body (its whole envelope) and what is read without parsing it: the event's
id (the audit worker's stream read), its type and time (a replay's filter). The envelope's other
fields are read from the body, not stored twice: a write bills 1 WRU per KiB, and the copies took
a typical position from under 1 KiB to over it.
"""

from __future__ import annotations

import time
import uuid
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, is_conditional_failure, to_attrs
from orderflow.contracts import Event
from orderflow.errors import AwsError
from workers.services.audit.streams import Recorded

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

VERSION_DIGITS = 10  # sort keys sort as strings: zero-padded versions sort in version order


class VersionConflict(Exception):
    """Another append took the version we expected to write."""


def position_key(stream: str, version: int) -> dict[str, Any]:
    return {"pk": f"STREAM#{stream}", "sk": f"V#{version:0{VERSION_DIGITS}d}"}


class AuditStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    async def read(self, stream: str) -> list[Recorded]:
        """The stream's positions in order (ids only: enough to decide the next append)."""
        items = await self._query(stream, projection="sk, eventId")
        return [Recorded(int(str(i["sk"]).removeprefix("V#")), uuid.UUID(str(i["eventId"]))) for i in items]

    async def append(self, stream: str, version: int, event: Event) -> None:
        """Write `event` at `version`; VersionConflict when that position is taken."""
        item = {
            **position_key(stream, version),
            "eventId": str(event.event_id),
            "eventType": event.event_type,
            "occurredAt": event.occurred_at.isoformat(),
            "appendedAt": int(time.time()),
            "body": event.to_json().decode(),
        }
        try:
            await self._client.put_item(
                TableName=self.table, Item=to_attrs(item), ConditionExpression="attribute_not_exists(pk)"
            )
        except ClientError as exc:
            if is_conditional_failure(exc):
                raise VersionConflict(f"{stream} already has version {version}") from exc
            raise AwsError(f"appending to {stream} failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"appending to {stream} failed: {exc}") from exc

    async def _query(self, stream: str, *, projection: str | None = None) -> list[dict[str, Any]]:
        kwargs: Any = {
            "TableName": self.table,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :v)",
            "ExpressionAttributeValues": to_attrs({":pk": f"STREAM#{stream}", ":v": "V#"}),
            "ConsistentRead": True,
        }
        if projection:
            kwargs["ProjectionExpression"] = projection
        items: list[dict[str, Any]] = []
        while True:
            try:
                response = await self._client.query(**kwargs)
            except (ClientError, BotoCoreError) as exc:
                raise AwsError(f"reading {stream} failed: {exc}") from exc
            items += [from_attrs(raw) for raw in response.get("Items", [])]
            if "LastEvaluatedKey" not in response:
                return items
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
