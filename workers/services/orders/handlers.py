"""Orders projector: every saga outcome joins the order's timeline once and moves its status forward.

The common case costs one single-item write and no read: the event's timeline entry and the
transition it makes from the state it usually finds (`projection.transition`), as one update
conditional on both (the entry's absence is the event's dedup record). Only when that condition
fails — a repeated or late event, a cancel of a terminal order — is the order read: a repeat is
done, anything else is decided by `projection.apply` and written with its entry, guarded by the
order's version.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from orderflow.contracts import Event
from orderflow.orders_table import entry_name
from workers.runtime import Outcome, Retry
from workers.runtime.errors import TechnicalError
from workers.services.orders import projection
from workers.services.orders.store import ConcurrentUpdate, OrdersStore

_ATTEMPTS = 5


@dataclass(frozen=True)
class OrdersDeps:
    store: OrdersStore


async def project(event: Event, deps: OrdersDeps) -> Outcome:
    order_id = event.order_id
    if order_id is None:
        raise TechnicalError(f"{event.event_type} carries no order id")
    if not await deps.store.record(order_id, event, projection.transition(event.event_type)):
        await _read_and_apply(order_id, event, deps)
    return []


async def _read_and_apply(order_id: uuid.UUID, event: Event, deps: OrdersDeps) -> None:
    for _ in range(_ATTEMPTS):
        order = await deps.store.order(order_id)
        if order is None:
            # The API stores the order before its first event exists, so this is not a race
            # we expect; let retries and then the DLQ surface it.
            raise TechnicalError(f"order {order_id} not found")
        if entry_name(event.event_id) in order:
            return  # a repeat: its entry was written with its change
        current = projection.OrderState(
            order["status"], order.get("reason"), order.get("cancellation"), order.get("refund")
        )
        after = projection.apply(current, event.event_type)
        try:
            await deps.store.record_after_read(
                order_id, event, int(order["version"]), after if after != current else None
            )
        except ConcurrentUpdate:
            continue
        return
    raise Retry("order kept changing under us", after=1)
