"""Where notifications go: an SNS topic in AWS, a log line locally."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Protocol

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from workers.runtime.errors import TechnicalError
from workers.services.notification.rendering import Notification

if TYPE_CHECKING:
    from types_aiobotocore_sns import SNSClient

log = structlog.get_logger("orderflow.notification")


class Channel(Protocol):
    name: str

    async def send(self, notification: Notification) -> None: ...


class LogChannel:
    name = "log"

    async def send(self, notification: Notification) -> None:
        log.info(
            "notification_sent",
            channel=self.name,
            recipient=notification.recipient,
            subject=notification.subject,
            text=notification.text,
        )


class SnsChannel:
    """Publishes to a topic that fans out to email/SMS subscriptions. At-least-once like every
    external send: a retry after a crash may publish again, with the same deduplication id."""

    name = "sns"

    def __init__(self, client: SNSClient, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    async def send(self, notification: Notification) -> None:
        dedup = hashlib.sha256(f"{notification.order_id}:{notification.outcome}".encode()).hexdigest()
        try:
            await self._client.publish(
                TopicArn=self._topic_arn,
                Subject=notification.subject[:100],
                Message=notification.text,
                MessageAttributes={
                    "recipient": {"DataType": "String", "StringValue": notification.recipient},
                    "outcome": {"DataType": "String", "StringValue": notification.outcome},
                    "deduplicationId": {"DataType": "String", "StringValue": dedup},
                },
            )
        except (ClientError, BotoCoreError) as exc:
            raise TechnicalError(f"SNS publish failed: {exc}") from exc
