"""inventory: reserves stock for every line of an order atomically, releases it when payment fails
or the customer cancels, alerts when stock runs low, and applies deliveries and operator adjustments."""

from orderflow.aws.idempotency import ProcessedEvents
from orderflow.contracts.events import (
    OrderCancelled,
    OrderPlaced,
    PaymentFailed,
    StockAdjustmentRequested,
    StockReplenished,
)
from workers.runtime import ServiceContext, ServiceDefinition
from workers.services.inventory.handlers import InventoryDeps, release_for_cancel, release_stock, reserve_stock
from workers.services.inventory.stock_levels import adjust_stock, receive_delivery
from workers.services.inventory.store import InventoryStore
from workers.services.simulation import FaultSwitch


async def build_deps(ctx: ServiceContext) -> InventoryDeps:
    table = ctx.settings.table_name("inventory")
    client = ctx.aws.dynamodb
    return InventoryDeps(
        store=InventoryStore(client, table),
        processed=ProcessedEvents(client, table),
        faults=FaultSwitch(client, table, enabled=ctx.settings.simulation),
    )


SERVICE = ServiceDefinition(
    name="inventory",
    description=__doc__ or "",
    handlers={
        OrderPlaced: reserve_stock,
        PaymentFailed: release_stock,
        OrderCancelled: release_for_cancel,
        StockAdjustmentRequested: adjust_stock,
        StockReplenished: receive_delivery,
    },
    build_deps=build_deps,
)
