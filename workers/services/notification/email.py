"""Customer email through Amazon SES (v2 SendEmail), and a channel that fans out to several.

The email is tagged with the order and the outcome (SES message tags reach the configuration set's
event destinations, so a bounce names its order). At-least-once like every external send: a retry
after a crash may send again; the notification record still says one was meant.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from workers.runtime.errors import TechnicalError
from workers.services.notification.rendering import Notification


class SesChannel:
    name = "ses"

    def __init__(self, client: Any, sender: str, configuration_set: str | None = None) -> None:
        self._client = client
        self._sender = sender
        self._configuration_set = configuration_set

    async def send(self, notification: Notification) -> None:
        request: dict[str, Any] = {
            "FromEmailAddress": self._sender,
            "Destination": {"ToAddresses": [notification.recipient]},
            "Content": {
                "Simple": {
                    "Subject": {"Data": notification.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": notification.text, "Charset": "UTF-8"}},
                }
            },
            "EmailTags": [
                {"Name": "orderId", "Value": notification.order_id},
                {"Name": "outcome", "Value": notification.outcome},
            ],
        }
        if self._configuration_set:
            request["ConfigurationSetName"] = self._configuration_set
        try:
            await self._client.send_email(**request)
        except (ClientError, BotoCoreError) as exc:
            raise TechnicalError(f"SES SendEmail failed: {exc}") from exc


class FanOutChannel:
    """Every channel, in order (email first: it is what the customer reads)."""

    def __init__(self, channels: Sequence[Any]) -> None:
        self._channels = list(channels)
        self.name = "+".join(c.name for c in self._channels)

    async def send(self, notification: Notification) -> None:
        for channel in self._channels:
            await channel.send(notification)
