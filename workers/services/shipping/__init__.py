"""shipping: books a carrier for paid orders; decides whether a customer's cancel still stands."""

from orderflow.contracts.events import OrderCancellationRequested, PaymentCompleted
from workers.runtime import ServiceContext, ServiceDefinition
from workers.services.shipping.carrier import SimulatedCarrier
from workers.services.shipping.handlers import ShippingDeps, book_shipment, decide_cancellation
from workers.services.shipping.store import ShippingStore
from workers.services.simulation import FaultSwitch


async def build_deps(ctx: ServiceContext) -> ShippingDeps:
    table = ctx.settings.table_name("shipping")
    settings = ctx.settings
    return ShippingDeps(
        store=ShippingStore(ctx.aws.dynamodb, table),
        carrier=SimulatedCarrier(
            failure_rate=settings.carrier_failure_rate,
            latency=settings.carrier_latency_seconds,
            timeout=settings.carrier_timeout_seconds,
            faults=ctx.aws.faults,
        ),
        faults=FaultSwitch(ctx.aws.dynamodb, table, enabled=settings.simulation),
    )


SERVICE = ServiceDefinition(
    name="shipping",
    description=__doc__ or "",
    handlers={PaymentCompleted: book_shipment, OrderCancellationRequested: decide_cancellation},
    build_deps=build_deps,
)
