"""Inventory handlers for stock levels: operator adjustments, supplier deliveries, low-stock alerts."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import structlog

from orderflow.aws.idempotency import TransactionRejected
from orderflow.contracts import Event, outcome_id
from orderflow.contracts.events import (
    StockAdjusted,
    StockAdjustedData,
    StockAdjustmentRequested,
    StockLow,
    StockLowData,
    StockReplenished,
)
from workers.runtime import Outcome
from workers.services.inventory import rules

if TYPE_CHECKING:
    from workers.services.inventory.handlers import InventoryDeps

SERVICE = "inventory"
log = structlog.get_logger("orderflow.inventory")


async def low_stock_alerts(cause: Event, skus: Iterable[str], deps: InventoryDeps) -> list[Event]:
    """StockLow for each SKU whose reorder point `cause` took stock to or below, once per crossing.

    The alert id is derived from the cause, so a retried handler claims (and republishes) the same
    alert; any other event finds the crossing claimed and says nothing.
    """
    skus = sorted(set(skus))
    ids = {sku: outcome_id(cause.event_id, SERVICE, f"StockLow:{sku}") for sku in skus}
    levels = await deps.store.stock(skus)
    alerts: list[Event] = []
    for sku in skus:
        if sku not in levels or not rules.may_claim_low_stock(levels[sku], str(ids[sku])):
            continue
        low = await deps.store.claim_low_stock(sku, ids[sku])
        if low is None:
            continue  # another event claimed it between our read and our write
        data = StockLowData(
            sku=sku, available=low.available, reorder_point=low.reorder_point, reorder_quantity=low.reorder_quantity
        )
        alerts.append(
            StockLow.create(data, event_id=ids[sku], correlation_id=cause.correlation_id, causation_id=cause.event_id)
        )
    return alerts


async def adjust_stock(event: StockAdjustmentRequested, deps: InventoryDeps) -> Outcome:
    """An operator's `set` or `restock`; an unknown SKU changes nothing (StockAdjusted applied=false)."""
    d = event.data
    changes = deps.store.adjust(d.sku, d.mode, d.quantity, d.reorder_point, d.reorder_quantity)

    def adjusted(applied: bool) -> StockAdjusted:
        data = StockAdjustedData(sku=d.sku, mode=d.mode, quantity=d.quantity, applied=applied)
        return StockAdjusted.caused_by(event, data, service=SERVICE)

    try:
        done = await deps.processed.commit(event.event_id, changes, [adjusted(True)])
    except TransactionRejected:
        log.warning("stock_adjustment_for_unknown_sku", sku=d.sku)
        return await deps.processed.commit(event.event_id, [], [adjusted(False)])
    if not all(isinstance(e, StockAdjusted) and e.data.applied for e in done):
        return done
    return [*done, *await low_stock_alerts(event, [d.sku], deps)]


async def receive_delivery(event: StockReplenished, deps: InventoryDeps) -> Outcome:
    """A supplier delivery adds its units once and closes the crossing it answers."""
    d = event.data
    try:
        done = await deps.processed.commit(event.event_id, deps.store.receive(d.sku, d.quantity), [])
    except TransactionRejected:
        log.warning("delivery_for_unknown_sku", sku=d.sku)
        return await deps.processed.commit(event.event_id, [], [])
    await deps.store.close_crossing(d.sku, d.alert_id)
    # Still at or below the reorder point (a big sale meanwhile): the next crossing starts now.
    return [*done, *await low_stock_alerts(event, [d.sku], deps)]
