"""Orders projector: every saga outcome joins the order's timeline once and moves its status forward."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.contracts import Event
from workers.runtime import Outcome, Retry
from workers.runtime.errors import TechnicalError
from workers.services.orders import projection
from workers.services.orders.store import AlreadyApplied, ConcurrentUpdate, OrdersStore

_ATTEMPTS = 5


@dataclass(frozen=True)
class OrdersDeps:
    store: OrdersStore


async def project(event: Event, deps: OrdersDeps) -> Outcome:
    order_id = event.order_id
    if order_id is None:
        raise TechnicalError(f"{event.event_type} carries no order id")
    for _ in range(_ATTEMPTS):
        order = await deps.store.order(order_id)
        if order is None:
            # The API stores the order before its first event exists, so this is not a race
            # we expect; let retries and then the DLQ surface it.
            raise TechnicalError(f"order {event.order_id} not found")
        current = projection.OrderState(
            order["status"], order.get("reason"), order.get("cancellation"), order.get("refund")
        )
        try:
            await deps.store.apply(order_id, order, event, projection.apply(current, event.event_type))
        except AlreadyApplied:
            return []
        except ConcurrentUpdate:
            continue
        return []
    raise Retry("order kept changing under us", after=1)
