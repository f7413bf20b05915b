"""analytics: counts every order outcome (the console's funnel) and indexes recent orders, from events alone."""

from orderflow.aws.idempotency import ProcessedEvents
from orderflow.contracts.events import (
    InventoryReservationFailed,
    InventoryReserved,
    OrderCancelled,
    OrderPlaced,
    PaymentCompleted,
    PaymentFailed,
    ShipmentCreated,
)
from workers.runtime import ServiceContext, ServiceDefinition
from workers.services.analytics.groups import CountingGroups
from workers.services.analytics.handlers import AnalyticsDeps, count
from workers.services.analytics.store import AnalyticsStore


async def build_deps(ctx: ServiceContext) -> AnalyticsDeps:
    table = ctx.settings.table_name("analytics")
    store = AnalyticsStore(ctx.aws.dynamodb, table)
    return AnalyticsDeps(store=store, groups=CountingGroups(store), processed=ProcessedEvents(ctx.aws.dynamodb, table))


SERVICE = ServiceDefinition(
    name="analytics",
    description=__doc__ or "",
    handlers={
        event: count
        for event in (
            OrderPlaced,
            InventoryReserved,
            InventoryReservationFailed,
            PaymentCompleted,
            PaymentFailed,
            ShipmentCreated,
            OrderCancelled,
        )
    },
    build_deps=build_deps,
)
