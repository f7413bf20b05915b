"""Orders projector: every saga outcome joins the order's timeline once and moves its status forward.

The common case costs two single-item writes and no read: the timeline entry (conditional on
absence, so it is its own dedup record) and the transition the event makes from the state it
usually finds (`projection.transition`, one conditional update). Only when that condition fails —
a late or repeated event, a cancel of a terminal order — is the order read and the change decided
by `projection.apply`, written guarded by the order's version.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from orderflow.contracts import Event
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
    await deps.store.add_to_timeline(order_id, event)  # False: a redelivery; the change may still be due
    step = projection.transition(event.event_type)
    if step is None or await deps.store.try_transition(order_id, step):
        return []
    await _read_and_apply(order_id, event, deps)
    return []


async def _read_and_apply(order_id: uuid.UUID, event: Event, deps: OrdersDeps) -> None:
    for _ in range(_ATTEMPTS):
        order = await deps.store.order(order_id)
        if order is None:
            # The API stores the order before its first event exists, so this is not a race
            # we expect; let retries and then the DLQ surface it.
            raise TechnicalError(f"order {order_id} not found")
        current = projection.OrderState(
            order["status"], order.get("reason"), order.get("cancellation"), order.get("refund")
        )
        after = projection.apply(current, event.event_type)
        if after == current:
            return  # late, or applied already
        try:
            await deps.store.set_state(order_id, int(order["version"]), after)
        except ConcurrentUpdate:
            continue
        return
    raise Retry("order kept changing under us", after=1)
