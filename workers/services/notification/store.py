"""The notification table: one record per (order, piece of news), the ledger of what was sent.

The record is claimed before the send and marked sent after it, each one conditional write, so
neither another event with the same news (a customer's cancel racing an out-of-stock cancel) nor a
duplicate of the same event sends again. The record is also the processed-event marker: `eventId`
names the event that claimed it, and a redelivery of that event finds it SENT.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orderflow.aws.dynamo import from_attrs, is_conditional_failure, to_attrs, write_if
from orderflow.errors import AwsError
from workers.services.notification.rendering import Notification, news

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb import DynamoDBClient

# A claim older than this is taken to belong to a delivery that died before sending (its message
# comes back after the queue's visibility timeout, and takes the claim over).
CLAIM_LEASE_SECONDS = 30


def notification_key(order_id: str, outcome: str) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": f"NOTIFICATION#{news(outcome)}"}


@dataclass(frozen=True)
class Claim:
    """The answer to a claim: `token` when this delivery is to send; otherwise who holds the record."""

    token: str | None = None
    holder: str | None = None  # the event id that claimed (or sent) this news
    sent: bool = False
    retry_after: float = 0.0


class NotificationStore:
    def __init__(self, client: DynamoDBClient, table: str) -> None:
        self._client = client
        self.table = table

    async def claim(self, notification: Notification, channel: str) -> Claim:
        """Take the order's record for this news before sending it."""
        now, token = time.time(), uuid.uuid4().hex
        item = {
            **notification_key(notification.order_id, notification.outcome),
            "orderId": notification.order_id,
            "outcome": notification.outcome,
            "eventId": notification.event_id,
            "state": "SENDING",
            "claim": token,
            "claimedAt": int(now),
            "recipient": notification.recipient,
            "channel": channel,
            "subject": notification.subject,
            "text": notification.text,
            "sentAt": int(now),
        }
        condition = "attribute_not_exists(pk) OR (eventId = :event AND #state = :sending AND claimedAt < :stale)"
        values = {":event": notification.event_id, ":sending": "SENDING", ":stale": int(now) - CLAIM_LEASE_SECONDS}
        try:
            await self._client.put_item(
                TableName=self.table,
                Item=to_attrs(item),
                ConditionExpression=condition,
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues=to_attrs(values),
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise AwsError(f"PutItem (notification claim) failed: {exc}") from exc
            return await self._holder(notification, now)
        except BotoCoreError as exc:
            raise AwsError(f"PutItem (notification claim) failed: {exc}") from exc
        return Claim(token=token, holder=notification.event_id)

    async def _holder(self, notification: Notification, now: float) -> Claim:
        key = notification_key(notification.order_id, notification.outcome)
        try:
            response = await self._client.get_item(TableName=self.table, Key=to_attrs(key), ConsistentRead=True)
        except (ClientError, BotoCoreError) as exc:
            raise AwsError(f"GetItem (notification) failed: {exc}") from exc
        if "Item" not in response:
            return Claim(retry_after=1.0)  # released by a failed send a moment ago: claim again
        held = from_attrs(response["Item"])
        sent = held.get("state", "SENT") == "SENT"  # records from before claims existed were sent
        stale_at = int(held.get("claimedAt", 0)) + CLAIM_LEASE_SECONDS
        return Claim(holder=str(held.get("eventId", "")), sent=sent, retry_after=max(1.0, stale_at - now + 1))

    async def mark_sent(self, notification: Notification, token: str) -> bool:
        """Mark the claimed record sent: one conditional update, on our claim only. False when the
        claim is no longer ours (the lease ran out mid-send and another delivery took it over)."""
        return await write_if(
            self._client,
            "update_item",
            "marking the notification sent",
            TableName=self.table,
            Key=to_attrs(notification_key(notification.order_id, notification.outcome)),
            UpdateExpression="SET #state = :sent, sentAt = :now REMOVE claim",
            ConditionExpression="claim = :token",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues=to_attrs({":sent": "SENT", ":now": int(time.time()), ":token": token}),
        )

    async def release(self, notification: Notification, token: str) -> None:
        """Give the claim up after a failed send, so the retry (or another event) can send."""
        try:
            await self._client.delete_item(
                TableName=self.table,
                Key=to_attrs(notification_key(notification.order_id, notification.outcome)),
                ConditionExpression="claim = :token",
                ExpressionAttributeValues=to_attrs({":token": token}),
            )
        except ClientError as exc:
            if not is_conditional_failure(exc):
                raise AwsError(f"DeleteItem (notification claim) failed: {exc}") from exc
        except BotoCoreError as exc:
            raise AwsError(f"DeleteItem (notification claim) failed: {exc}") from exc
