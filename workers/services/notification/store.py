"""The notification table: one record per (order, outcome), the ledger of what was sent."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from orderflow.aws.dynamo import to_attrs
from workers.services.notification.rendering import Notification

if TYPE_CHECKING:
    from types_aiobotocore_dynamodb.type_defs import TransactWriteItemTypeDef


def notification_key(order_id: str, outcome: str) -> dict[str, Any]:
    return {"pk": f"ORDER#{order_id}", "sk": f"NOTIFICATION#{outcome}"}


class NotificationStore:
    def __init__(self, table: str) -> None:
        self.table = table

    def record(self, notification: Notification, channel: str) -> TransactWriteItemTypeDef:
        item = {
            **notification_key(notification.order_id, notification.outcome),
            "orderId": notification.order_id,
            "outcome": notification.outcome,
            "recipient": notification.recipient,
            "channel": channel,
            "subject": notification.subject,
            "text": notification.text,
            "sentAt": int(time.time()),
        }
        return {
            "Put": {"TableName": self.table, "Item": to_attrs(item), "ConditionExpression": "attribute_not_exists(pk)"}
        }
