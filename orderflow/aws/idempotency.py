"""The processed-event record: written in the same transaction as a service's state change.

A duplicate delivery finds the record and republishes the stored outcome — the same event ids,
the same bodies — and changes nothing else. Where the state change creates an item of its own (a
reservation per order), the record rides on that item instead (`commit_on`): one item fewer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import cancellation_codes, error_code, from_attrs, is_conditional_failure, to_attrs
from orderflow.contracts import Event, parse_event
from orderflow.errors import AwsError, OrderflowError

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef

RECORD_TTL_SECONDS = 30 * 24 * 3600  # longer than any DLQ retention, so a redrive still dedups


def put_new(table: str, item: dict[str, Any]) -> TransactWriteItemTypeDef:
    """A put of `item` on condition that its key is free."""
    return {"Put": {"TableName": table, "Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(pk)"}}


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
            "outcome": _stored(outcome),
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

    async def commit_on(
        self,
        event_id: uuid.UUID,
        changes: Sequence[TransactWriteItemTypeDef],
        carrier: dict[str, Any],
        outcome: Sequence[Event],
    ) -> list[Event]:
        """Like `commit`, with the record carried on `carrier`: a new item of the service's own, put
        on condition that its key is free, that also stores this event's id and `outcome`.

        A duplicate finds the carrier taken by this event and answers its stored outcome. A carrier
        taken by anything else raises TransactionRejected (codes: `changes`, then the carrier). With
        no other changes the carrier is one conditional PutItem, not a transaction (half the units).
        """
        if self.separate_record:  # the benchmarks' naive shape: a record of its own, as in `commit`
            return await self._commit_separately(event_id, [*changes, put_new(self.table, carrier)], outcome)
        put = put_new(self.table, {**carrier, "processedEvent": str(event_id), "outcome": _stored(outcome)})
        try:
            if changes:
                await self._client.transact_write_items(TransactItems=[*changes, put])
            else:
                await self._client.put_item(
                    TableName=self.table, Item=put["Put"]["Item"], ConditionExpression="attribute_not_exists(pk)"
                )
        except ClientError as exc:
            if changes:
                codes = cancellation_codes(exc)
            else:
                codes = ["ConditionalCheckFailed"] if is_conditional_failure(exc) else []
            if not codes or not set(codes) <= {"None", "ConditionalCheckFailed"}:
                raise AwsError(f"writing {carrier['sk']} failed: {exc}") from exc
            if codes[-1] == "ConditionalCheckFailed" and (stored := await self.carried(carrier, event_id)) is not None:
                return stored
            raise TransactionRejected(codes) from exc
        except BotoCoreError as exc:
            raise AwsError(f"writing {carrier['sk']} failed: {exc}") from exc
        return list(outcome)

    async def carried(self, carrier: dict[str, Any], event_id: uuid.UUID) -> list[Event] | None:
        """The outcome `event_id` stored on the carrier's item, or in a record of its own (the naive
        shape, and items written before records were carried); None when it was never applied."""
        try:
            response = await self._client.get_item(
                TableName=self.table, Key=to_attrs({"pk": carrier["pk"], "sk": carrier["sk"]}), ConsistentRead=True
            )
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"reading {carrier['sk']} failed: {exc}") from exc
        item = from_attrs(response.get("Item", {}))
        if item.get("processedEvent") == str(event_id):
            return [parse_event(orjson.loads(raw)) for raw in item.get("outcome", [])]
        return await self.recorded(event_id)

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


def _stored(outcome: Sequence[Event]) -> list[str]:
    return [event.to_json().decode() for event in outcome]
