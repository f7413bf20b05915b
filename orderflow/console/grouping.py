"""DLQ triage's pure part: a dead message's failure reason, and messages grouped by it.

Reasons name the order, the event or the attempt ("simulated payment failure for order 3f2a…");
grouping on the raw text would give one group per message. The reason is normalised first —
ids, numbers and quoted values become placeholders — so that one cause is one group.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import orjson

_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_HEX = re.compile(r"\b(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{12,}\b")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"")
_NUMBER = re.compile(r"(?<![A-Za-z_])\d+(\.\d+)?")
_PREVIEW_CHARS = 600
UNKNOWN_REASON = "no failure recorded (moved before this console's runtime recorded reasons)"


@dataclass(frozen=True)
class DeadMessage:
    message_id: str
    event_type: str
    order_id: str | None
    receive_count: int
    age_seconds: float
    body: str
    reason: str

    @property
    def group_key(self) -> str:
        return group_key(self.event_type, self.reason)

    @property
    def preview(self) -> str:
        return self.body if len(self.body) <= _PREVIEW_CHARS else self.body[:_PREVIEW_CHARS] + "…"


@dataclass
class Group:
    key: str  # stable across refreshes: a digest of the normalised reason and the event type
    event_type: str
    reason: str  # normalised
    example: str  # one message's own reason, unnormalised
    messages: list[DeadMessage] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.messages)


def normalise(reason: str) -> str:
    text = _UUID.sub("<id>", reason)
    text = _HEX.sub("<id>", text)
    text = _QUOTED.sub("<value>", text)
    return _NUMBER.sub("<n>", text).strip()


def group_key(event_type: str, reason: str) -> str:
    return hashlib.sha256(f"{event_type}\n{normalise(reason)}".encode()).hexdigest()[:12]


def group(messages: Iterable[DeadMessage]) -> list[Group]:
    """Largest group first; within a group, oldest message first."""
    groups: dict[str, Group] = {}
    for message in messages:
        key = message.group_key
        found = groups.setdefault(key, Group(key, message.event_type, normalise(message.reason), message.reason))
        found.messages.append(message)
    for found in groups.values():
        found.messages.sort(key=lambda m: -m.age_seconds)
    return sorted(groups.values(), key=lambda g: (-g.count, g.event_type, g.reason))


def describe_body(body: str) -> tuple[str, str | None, str | None]:
    """(event type, order id, a reason the body alone shows) of an SQS body from EventBridge."""
    try:
        envelope = orjson.loads(body)
    except orjson.JSONDecodeError:
        return "(not JSON)", None, "InvalidEventError: message body is not JSON"
    if not isinstance(envelope, dict) or not isinstance(envelope.get("detail"), dict):
        return "(not an event)", None, "InvalidEventError: message body is not an EventBridge event (no 'detail')"
    detail = envelope["detail"]
    event_type = str(detail.get("eventType") or envelope.get("detail-type") or "?")
    data = detail.get("data") if isinstance(detail.get("data"), dict) else {}
    order_id = data.get("orderId") if isinstance(data, dict) else None
    return event_type, str(order_id) if order_id else None, None
