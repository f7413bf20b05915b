"""orders: projects every saga outcome onto the order's status and timeline."""

from orderflow.contracts.events import (
    InventoryReleased,
    InventoryReservationFailed,
    InventoryReserved,
    OrderCancellationRejected,
    OrderCancelled,
    PaymentCompleted,
    PaymentFailed,
    PaymentRefunded,
    ShipmentCreated,
)
from workers.runtime import ServiceContext, ServiceDefinition
from workers.services.orders.handlers import OrdersDeps, project
from workers.services.orders.store import OrdersStore


async def build_deps(ctx: ServiceContext) -> OrdersDeps:
    return OrdersDeps(store=OrdersStore(ctx.aws.dynamodb, ctx.settings.table_name("orders")))


SERVICE = ServiceDefinition(
    name="orders",
    description=__doc__ or "",
    handlers={
        event: project
        for event in (
            InventoryReserved,
            InventoryReservationFailed,
            InventoryReleased,
            PaymentCompleted,
            PaymentFailed,
            ShipmentCreated,
            OrderCancelled,
            OrderCancellationRejected,
            PaymentRefunded,
        )
    },
    build_deps=build_deps,
)
