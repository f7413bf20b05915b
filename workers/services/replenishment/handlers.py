"""Replenishment handler: one purchase order per low-stock alert; StockReplenished on delivery."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.contracts.events import StockLow, StockReplenished, StockReplenishedData
from workers.runtime import Outcome
from workers.services.replenishment.store import ReplenishmentStore, stored_outcome
from workers.services.replenishment.supplier import Supplier

SERVICE = "replenishment"


@dataclass(frozen=True)
class ReplenishmentDeps:
    store: ReplenishmentStore
    supplier: Supplier


async def replenish(event: StockLow, deps: ReplenishmentDeps) -> Outcome:
    """A duplicate StockLow finds its purchase order: a received one republishes its outcome, an
    open one (a crash or a concurrent delivery) is followed up with the same supplier reference."""
    low = event.data
    order = await deps.store.open_order(low.sku, event.event_id, low.reorder_quantity)
    if order.get("status") == "RECEIVED":
        return stored_outcome(order)
    delivery = await deps.supplier.deliver(reference=str(event.event_id), sku=low.sku, quantity=int(order["quantity"]))
    replenished = StockReplenished.caused_by(
        event,
        StockReplenishedData(
            sku=low.sku,
            quantity=delivery.quantity,
            purchase_order_id=delivery.purchase_order_id,
            supplier=delivery.supplier,
            alert_id=event.event_id,
        ),
        service=SERVICE,
    )
    return await deps.store.mark_received(low.sku, event.event_id, delivery.purchase_order_id, [replenished])
