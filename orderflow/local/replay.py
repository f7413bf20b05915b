"""Local replay: a window of past events, read from the audit service's event store, sent again.

Why not the emulator's own archive: moto 5.2.5 implements StartReplay, but replays every archived
event whatever the window (EventStartTime/EventEndTime are stored, not applied) and ignores
Destination.FilterArns, so neither a window nor one service can be replayed with it. The audit
service already keeps every event on the bus, whole (its `body` is the envelope), in its table:
that is the local record. Onto the bus, events go back through PutEvents (every rule's pattern
applies, as in an AWS replay); onto one service, through that service's patterns (moto's pattern
engine, the one the emulator routes with) into its queue, in the EventBridge shape workers read.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from datetime import UTC
from typing import Any, cast

from moto.events.models import EventPattern  # local mode only: the emulator's own routing engine

from orderflow.aws.dynamo import from_attrs, to_attrs
from orderflow.ops.aws import client
from orderflow.ops.replay import Progress, ReplayError, ReplayPlan, Window, rules_for
from orderflow.settings import Settings

_BATCH = 10  # PutEvents and SendMessageBatch take at most ten


class LocalReplay:
    def __init__(self, settings: Settings, window: Window, endpoint_url: str | None) -> None:
        self.settings, self.window = settings, window
        self.dynamodb = client(settings, "dynamodb", endpoint_url)
        self.events = client(settings, "events", endpoint_url)
        self.sqs = client(settings, "sqs", endpoint_url)
        self._found: list[dict[str, Any]] | None = None

    def selected(self) -> list[dict[str, Any]]:
        """The window's events (EventBridge shape), oldest first, narrowed by type and service."""
        if self._found is None:
            events = [_as_eventbridge(self.settings, item) for item in self._scan()]
            if self.window.service:
                events = [e for e in events if self._heard_by(self.window.service, e)]
            self._found = sorted(events, key=lambda e: (e["time"], e["id"]))
        return self._found

    def plan(self) -> ReplayPlan:
        if self.window.service and not rules_for(self.settings, self.window):
            raise ReplayError(f"{self.window.service} subscribes to no {self.window.event_type}: nothing to replay")
        events = self.selected()
        target = f"queue {self.settings.queue_name(self.window.service)}" if self.window.service else None
        return ReplayPlan(
            where=f"local event store (table {self.settings.table_name('audit')})",
            destination=target or f"bus {self.settings.bus}",
            count=len(events),
            by_type=dict(sorted(Counter(e["detail-type"] for e in events).items())),
        )

    def run(self, progress: Progress) -> dict[str, Any]:
        events, sent = self.selected(), 0
        for start in range(0, len(events), _BATCH):
            batch = events[start : start + _BATCH]
            failed = self._send_to_queue(batch) if self.window.service else self._put(batch)
            if failed:
                raise ReplayError(f"{failed} of {len(batch)} events refused after {sent} sent: {self._describe()}")
            sent += len(batch)
            progress(sent / len(events), f"{sent} of {len(events)} events sent")
        return {"replay": "local", "state": "COMPLETED", "sent": sent}

    # -- internals ------------------------------------------------------------------------------

    def _scan(self) -> list[dict[str, Any]]:
        """Audit positions whose event occurred in the window (a scan: the local table is small)."""
        condition = "occurredAt BETWEEN :start AND :end"
        # Stored as UTC isoformat (AuditStore.append): the same form compares as strings in time order.
        start, end = (t.astimezone(UTC).isoformat() for t in (self.window.start, self.window.end))
        values: dict[str, Any] = {":start": start, ":end": end}
        if self.window.event_type:
            condition += " AND eventType = :type"
            values[":type"] = self.window.event_type
        kwargs: dict[str, Any] = {
            "TableName": self.settings.table_name("audit"),
            "FilterExpression": condition,
            "ExpressionAttributeValues": to_attrs(values),
        }
        items: list[dict[str, Any]] = []
        while True:
            page = self.dynamodb.scan(**kwargs)
            items += [from_attrs(i) for i in page.get("Items", [])]
            if "LastEvaluatedKey" not in page:
                return items
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _heard_by(self, service: str, event: dict[str, Any]) -> bool:
        patterns = self.settings.topology.service(service).subscriptions.values()
        return any(EventPattern.load(json.dumps(p)).matches_event(cast("Any", event)) for p in patterns)

    def _put(self, batch: list[dict[str, Any]]) -> int:
        entries = [
            {"Source": e["source"], "DetailType": e["detail-type"], "Detail": json.dumps(e["detail"])}
            | {"EventBusName": self.settings.bus}
            for e in batch
        ]
        return int(self.events.put_events(Entries=entries).get("FailedEntryCount", 0))

    def _send_to_queue(self, batch: list[dict[str, Any]]) -> int:
        assert self.window.service is not None
        url = self.sqs.get_queue_url(QueueName=self.settings.queue_name(self.window.service))["QueueUrl"]
        entries = [{"Id": str(i), "MessageBody": json.dumps(e)} for i, e in enumerate(batch)]
        return len(self.sqs.send_message_batch(QueueUrl=url, Entries=entries).get("Failed", []))

    def _describe(self) -> str:
        return "the emulator refused them (is `orderflow dev` still running?)"


def _as_eventbridge(settings: Settings, item: dict[str, Any]) -> dict[str, Any]:
    """An audit position back in the shape EventBridge delivers (a replayed event gets a new id)."""
    detail = json.loads(str(item["body"]))
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": item["eventType"],
        "source": detail["source"],
        "account": "000000000000",
        "time": item["occurredAt"],
        "region": settings.region,
        "resources": [],
        "detail": detail,
        "replay-name": "orderflow-local",
    }
