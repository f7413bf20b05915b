"""replenishment: places one purchase order per low-stock alert and reports the delivery."""

from orderflow.contracts.events import StockLow
from workers.runtime import ServiceContext, ServiceDefinition
from workers.services.replenishment.handlers import ReplenishmentDeps, replenish
from workers.services.replenishment.store import ReplenishmentStore
from workers.services.replenishment.supplier import SimulatedSupplier


async def build_deps(ctx: ServiceContext) -> ReplenishmentDeps:
    return ReplenishmentDeps(
        store=ReplenishmentStore(ctx.aws.dynamodb, ctx.settings.table_name("replenishment")),
        supplier=SimulatedSupplier(delay=ctx.settings.supplier_delay_seconds),
    )


SERVICE = ServiceDefinition(
    name="replenishment",
    description=__doc__ or "",
    handlers={StockLow: replenish},
    build_deps=build_deps,
)
