"""Decoding an SQS message once, at the edge: EventBridge event JSON -> domain envelope."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import orjson

from orderflow.contracts import Event, parse_event
from orderflow.contracts.events import InvalidEventError

if TYPE_CHECKING:
    from types_aiobotocore_sqs.type_defs import MessageTypeDef


@dataclass
class Received:
    """One received message and what the runtime tracks about it."""

    message_id: str
    receipt_handle: str
    body: str
    receive_count: int
    sent_at_ms: int | None
    received_at: float = field(default_factory=time.monotonic)
    visible_until: float = 0.0
    started: bool = False

    @classmethod
    def from_sqs(cls, message: MessageTypeDef, visibility_timeout: int, *, asked_at: float | None = None) -> Received:
        """`asked_at`: when the ReceiveMessage call was sent. SQS starts the visibility timeout when it
        hands the message out, which may be long before its answer is read (a busy server, a starved
        event loop): counting from the call keeps the heartbeat's extension ahead of the timeout."""
        attributes = message.get("Attributes") or {}
        sent = attributes.get("SentTimestamp")
        received = cls(
            message_id=message["MessageId"],
            receipt_handle=message["ReceiptHandle"],
            body=message.get("Body", ""),
            receive_count=int(attributes.get("ApproximateReceiveCount", 1)),
            sent_at_ms=int(sent) if sent else None,
        )
        received.visible_until = (received.received_at if asked_at is None else asked_at) + visibility_timeout
        return received


def decode(body: str) -> Event:
    """The SQS body is the full EventBridge event; the domain envelope is its `detail`."""
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidEventError(f"message body is not JSON: {exc}") from None
    if not isinstance(envelope, dict) or "detail" not in envelope:
        raise InvalidEventError("message body is not an EventBridge event (no 'detail')")
    event = parse_event(envelope["detail"])
    if envelope.get("detail-type") not in (None, event.event_type):
        raise InvalidEventError(
            f"detail-type {envelope.get('detail-type')!r} disagrees with eventType {event.event_type!r}"
        )
    return event
