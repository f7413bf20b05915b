"""Notification handler: tell the customer about each outcome exactly once."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.aws.idempotency import ProcessedEvents, TransactionRejected
from orderflow.contracts import Event
from workers.runtime import Outcome
from workers.services.notification.channel import Channel
from workers.services.notification.rendering import render
from workers.services.notification.store import NotificationStore
from workers.services.simulation import FaultSwitch

SERVICE = "notification"


@dataclass(frozen=True)
class NotificationDeps:
    store: NotificationStore
    processed: ProcessedEvents
    channel: Channel
    faults: FaultSwitch


async def notify(event: Event, deps: NotificationDeps) -> Outcome:
    if await deps.processed.recorded(event.event_id) is not None:
        return []
    if event.order_id is not None:
        await deps.faults.fail_if_asked(SERVICE, event.order_id, getattr(event.data, "simulation", None))
    notification = render(event)
    await deps.channel.send(notification)
    try:
        await deps.processed.commit(event.event_id, [deps.store.record(notification, deps.channel.name)], [])
    except TransactionRejected:
        # Another event for the same (order, outcome) recorded it first: one record stands.
        await deps.processed.commit(event.event_id, [], [])
    return []
