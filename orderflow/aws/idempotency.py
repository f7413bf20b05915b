"""The processed-event record: written in the same transaction as a service's state change.

A duplicate delivery finds the record and republishes the stored outcome — the same event ids,
the same bodies — and changes nothing else.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import cancellation_codes, error_code, from_attrs, to_attrs
from orderflow.contracts import Event, parse_event
from orderflow.errors import AwsError, OrderflowError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef

RECORD_TTL_SECONDS = 30 * 24 * 3600  # longer than any DLQ retention, so a redrive still dedups


class TransactionRejected(OrderflowError):
    """A condition on one of the service's own items failed; `codes` has one entry per item."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(f"transaction cancelled: {codes}")
        self.codes = codes


class ProcessedEvents:
    def __init__(self, client: DynamoDBClient, table: str, *, separate_record: bool = False) -> None:
        self._client = client
        self.table = table
        # The naive shape, kept for the benchmarks: the record is its own conditional put before
        # the state change (an extra write per message, and not atomic with it).
        self.separate_record = separate_record

    @staticmethod
    def key(event_id: uuid.UUID) -> dict[str, Any]:
        return {"pk": f"EVENT#{event_id}", "sk": "PROCESSED"}

    async def check_first(self, event_id: uuid.UUID) -> list[Event] | None:
        """The check-then-act pre-read, made only in the naive shape (`separate_record`).

        In the transactional shape a duplicate needs no read first: the record's condition inside
        `commit` rejects it and `commit` answers the stored outcome. Handlers that call this must
        therefore be safe to run twice up to the commit (their providers deduplicate on the order id).
        Skipping the read saves a consistent GetItem per message (1 RRU and a round trip) on the
        common path and costs one failed transaction plus that read on the rare duplicate.
        """
        return await self.recorded(event_id) if self.separate_record else None

    async def recorded(self, event_id: uuid.UUID) -> list[Event] | None:
        """The stored outcome of an event already applied, or None."""
        try:
            response = await self._client.get_item(
                TableName=self.table, Key=to_attrs(self.key(event_id)), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading processed record failed: {exc}") from exc
        if "Item" not in response:
            return None
        item = from_attrs(response["Item"])
        return [parse_event(orjson.loads(raw)) for raw in item.get("outcome", [])]

    def record(self, event_id: uuid.UUID, outcome: Sequence[Event], **extra: Any) -> TransactWriteItemTypeDef:
        item = {
            **self.key(event_id),
            "outcome": [event.to_json().decode() for event in outcome],
            "appliedAt": int(time.time()),
            "expiresAt": int(time.time()) + RECORD_TTL_SECONDS,
            **extra,
        }
        return {
            "Put": {
                "TableName": self.table,
                "Item": to_attrs(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    async def commit(
        self, event_id: uuid.UUID, changes: Sequence[TransactWriteItemTypeDef], outcome: Sequence[Event]
    ) -> list[Event]:
        """Apply `changes` and record `outcome` atomically; answer the outcome that stands.

        If a concurrent delivery of the same event won the race, its stored outcome is answered.
        If a condition on one of `changes` failed, TransactionRejected says which.
        """
        if self.separate_record:
            return await self._commit_separately(event_id, changes, outcome)
        try:
            await self._client.transact_write_items(TransactItems=[*changes, self.record(event_id, outcome)])
        except ClientError as exc:
            codes = cancellation_codes(exc)
            if not codes or not set(codes) <= {"None", "ConditionalCheckFailed"}:
                # TransactionConflict, throttling, ...: technical, so the runtime retries.
                raise AwsError(f"TransactWriteItems failed: {exc}") from exc
            if codes[-1] == "ConditionalCheckFailed":
                stored = await self.recorded(event_id)
                if stored is not None:
                    return stored
            raise TransactionRejected(codes[:-1]) from exc
        except BotoCoreError as exc:
            raise AwsError(f"TransactWriteItems failed: {exc}") from exc
        return list(outcome)

    async def _commit_separately(
        self, event_id: uuid.UUID, changes: Sequence[TransactWriteItemTypeDef], outcome: Sequence[Event]
    ) -> list[Event]:
        put = self.record(event_id, outcome)["Put"]
        try:
            await self._client.put_item(
                TableName=put["TableName"], Item=put["Item"], ConditionExpression=put["ConditionExpression"]
            )
        except ClientError as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise AwsError(f"PutItem (processed record) failed: {exc}") from exc
            stored = await self.recorded(event_id)
            if stored is not None:
                return stored
            raise AwsError("processed record vanished after a conditional failure") from exc
        except BotoCoreError as exc:
            raise AwsError(f"PutItem (processed record) failed: {exc}") from exc
        if changes:
            try:
                await self._client.transact_write_items(TransactItems=list(changes))
            except ClientError as exc:
                await self._forget(event_id)
                codes = cancellation_codes(exc)
                if codes and set(codes) <= {"None", "ConditionalCheckFailed"}:
                    raise TransactionRejected(codes) from exc
                raise AwsError(f"TransactWriteItems failed: {exc}") from exc
        return list(outcome)

    async def _forget(self, event_id: uuid.UUID) -> None:
        """Undo the record when the state change did not happen, so a redelivery retries it."""
        try:
            await self._client.delete_item(TableName=self.table, Key=to_attrs(self.key(event_id)))
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"removing processed record failed: {exc}") from exc
