"""payment: charges the customer once per order through the payment provider; refunds a cancelled order once."""

from orderflow.contracts.events import InventoryReserved, OrderCancelled
from workers.runtime import ServiceContext, ServiceDefinition
from workers.services.payment.handlers import PaymentDeps, charge_order
from workers.services.payment.provider import MockPaymentProvider
from workers.services.payment.refunds import refund_order
from workers.services.payment.store import PaymentStore
from workers.services.simulation import FaultSwitch


async def build_deps(ctx: ServiceContext) -> PaymentDeps:
    table = ctx.settings.table_name("payment")
    client = ctx.aws.dynamodb
    return PaymentDeps(
        store=PaymentStore(client, table),
        provider=MockPaymentProvider(),
        faults=FaultSwitch(client, table, enabled=ctx.settings.simulation),
    )


SERVICE = ServiceDefinition(
    name="payment",
    description=__doc__ or "",
    handlers={InventoryReserved: charge_order, OrderCancelled: refund_order},
    build_deps=build_deps,
)
