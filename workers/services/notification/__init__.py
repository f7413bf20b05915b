"""notification: sends exactly one customer notification per order outcome."""

from orderflow.contracts.events import (
    InventoryReservationFailed,
    OrderCancellationRejected,
    OrderCancelled,
    OrderPlaced,
    PaymentCompleted,
    PaymentFailed,
    PaymentRefunded,
    ShipmentCreated,
)
from workers.runtime import ServiceContext, ServiceDefinition
from workers.services.notification.channel import Channel, LogChannel, SnsChannel
from workers.services.notification.email import FanOutChannel, SesChannel
from workers.services.notification.handlers import NotificationDeps, notify
from workers.services.notification.store import NotificationStore
from workers.services.simulation import FaultSwitch


async def build_deps(ctx: ServiceContext) -> NotificationDeps:
    table = ctx.settings.table_name("notification")
    settings = ctx.settings
    channels: list[Channel] = []
    if settings.customer_email_sender:
        ses = await ctx.aws.client("sesv2")
        channels.append(SesChannel(ses, settings.customer_email_sender, settings.email_configuration_set))
    if settings.notifications_topic_arn:
        sns = await ctx.aws.client("sns")
        channels.append(SnsChannel(sns, settings.notifications_topic_arn))
    channel: Channel = FanOutChannel(channels) if channels else LogChannel()
    return NotificationDeps(
        store=NotificationStore(ctx.aws.dynamodb, table),
        channel=channel,
        faults=FaultSwitch(ctx.aws.dynamodb, table, enabled=ctx.settings.simulation),
    )


SERVICE = ServiceDefinition(
    name="notification",
    description=__doc__ or "",
    handlers={
        event: notify
        for event in (
            OrderPlaced,
            InventoryReservationFailed,
            PaymentFailed,
            PaymentCompleted,
            ShipmentCreated,
            OrderCancelled,
            OrderCancellationRejected,
            PaymentRefunded,
        )
    },
    build_deps=build_deps,
)
