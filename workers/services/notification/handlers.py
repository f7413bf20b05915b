"""Notification handler: tell the customer about each outcome exactly once.

The order's record for the news (store.py) is the processed-event marker: it names the event that
claimed it (`eventId`) and whether it was sent. A redelivery of that event finds it sent; another
event with the same news finds it held by the first. No separate record, no transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.contracts import Event
from workers.runtime import Outcome, Retry
from workers.services.notification.channel import Channel
from workers.services.notification.rendering import render
from workers.services.notification.store import NotificationStore
from workers.services.simulation import FaultSwitch

SERVICE = "notification"


@dataclass(frozen=True)
class NotificationDeps:
    store: NotificationStore
    channel: Channel
    faults: FaultSwitch


async def notify(event: Event, deps: NotificationDeps) -> Outcome:
    if event.order_id is not None:
        await deps.faults.fail_if_asked(SERVICE, event.order_id, getattr(event.data, "simulation", None))
    notification = render(event)
    claim = await deps.store.claim(notification, deps.channel.name)
    if claim.token is None:
        if claim.holder is None or (claim.holder == notification.event_id and not claim.sent):
            # A duplicate of this event is sending it right now: come back once it has finished or died.
            raise Retry("another delivery of this event holds the notification", after=claim.retry_after)
        # Sent by an earlier delivery of this event, or sent (or being sent) for another event with
        # the same news (the customer's cancel racing an out-of-stock cancel): the customer is told once.
        return []
    try:
        await deps.channel.send(notification)
    except Exception:
        await deps.store.release(notification, claim.token)
        raise
    # False: our lease ran out mid-send and another delivery took the record over; it marks it.
    await deps.store.mark_sent(notification, claim.token)
    return []
