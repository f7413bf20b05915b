"""Where a customer's cancel is decided, against the emulator: the handlers of shipping, payment and
inventory called directly (as the runtime would) in every order of arrival, and racing."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from orderflow.aws.clients import AwsClients
from orderflow.aws.idempotency import ProcessedEvents
from orderflow.contracts import Event
from orderflow.contracts.events import (
    InventoryReserved,
    InventoryReservedData,
    OrderCancellationRequested,
    OrderCancellationRequestedData,
    OrderCancelled,
    OrderCancelledData,
    PaymentCompleted,
    PaymentCompletedData,
)
from orderflow.settings import Settings
from tests.support import get_item, order_placed, stock
from workers.runtime.errors import TechnicalError
from workers.services.inventory.handlers import InventoryDeps, release_for_cancel, reserve_stock
from workers.services.inventory.store import InventoryStore
from workers.services.payment.handlers import PaymentDeps, charge_order
from workers.services.payment.provider import MockPaymentProvider
from workers.services.payment.refunds import refund_order
from workers.services.payment.store import PaymentStore
from workers.services.shipping.carrier import SimulatedCarrier
from workers.services.shipping.handlers import ShippingDeps, book_shipment, decide_cancellation
from workers.services.shipping.store import ShippingStore
from workers.services.simulation import FaultSwitch


def shipping_deps(aws: AwsClients, settings: Settings, latency: float = 0.0) -> ShippingDeps:
    table = settings.table_name("shipping")
    return ShippingDeps(
        ShippingStore(aws.dynamodb, table),
        SimulatedCarrier(latency=latency),
        FaultSwitch(aws.dynamodb, table, enabled=False),
    )


def payment_deps(aws: AwsClients, settings: Settings, provider: MockPaymentProvider | None = None) -> PaymentDeps:
    table = settings.table_name("payment")
    return PaymentDeps(
        PaymentStore(aws.dynamodb, table),
        provider or MockPaymentProvider(),
        FaultSwitch(aws.dynamodb, table, enabled=False),
    )


def inventory_deps(aws: AwsClients, settings: Settings) -> InventoryDeps:
    table = settings.table_name("inventory")
    return InventoryDeps(
        InventoryStore(aws.dynamodb, table),
        ProcessedEvents(aws.dynamodb, table),
        FaultSwitch(aws.dynamodb, table, enabled=False),
    )


def saga(
    token: str = "tok_visa",
) -> tuple[InventoryReserved, PaymentCompleted, OrderCancellationRequested, OrderCancelled]:
    placed = order_placed([("CANCEL-SKU", 2)], price=Decimal(15), token=token)
    order = placed.data
    reserved = InventoryReserved.caused_by(
        placed, InventoryReservedData.model_validate(order.model_dump()), service="t"
    )
    paid = PaymentCompleted.caused_by(
        reserved,
        PaymentCompletedData(
            order_id=order.order_id,
            customer_email=order.customer_email,
            payment_id="pay_t",
            amount=order.total,
            currency="USD",
            items=order.items,
        ),
        service="t",
    )
    requested = OrderCancellationRequested.create(
        OrderCancellationRequestedData(order_id=order.order_id, customer_email=order.customer_email),
        correlation_id=order.order_id,
    )
    cancelled = OrderCancelled.caused_by(
        requested, OrderCancelledData(order_id=order.order_id, customer_email=order.customer_email), service="t"
    )
    return reserved, paid, requested, cancelled


def types(outcome: list[Event]) -> list[str]:
    return [e.event_type for e in outcome]


async def test_cancel_before_the_carrier_is_claimed_wins_and_nothing_is_booked(
    aws: AwsClients, settings: Settings
) -> None:
    deps = shipping_deps(aws, settings)
    _, paid, requested, _ = saga()
    # WHEN the cancel reaches shipping first
    decided = await decide_cancellation(requested, deps)
    assert types(decided) == ["OrderCancelled"]
    # THEN the paid order books nothing, and a repeated cancel answers the same decision (same body)
    assert await book_shipment(paid, deps) == []
    assert await decide_cancellation(requested, deps) == decided
    shipment = await deps.store.shipment(paid.data.order_id)
    assert shipment is not None and shipment["state"] == "CANCELLED"


async def test_cancel_after_the_booking_is_refused(aws: AwsClients, settings: Settings) -> None:
    deps = shipping_deps(aws, settings)
    _, paid, requested, _ = saga()
    created = await book_shipment(paid, deps)
    assert types(created) == ["ShipmentCreated"]
    [refused] = await decide_cancellation(requested, deps)
    assert refused.event_type == "OrderCancellationRejected"
    assert refused.data.reason == "ALREADY_SHIPPED"  # type: ignore[attr-defined]
    # redeliveries republish the same events (same ids, same bodies) and book nothing more
    assert await decide_cancellation(requested, deps) == [refused]
    assert await book_shipment(paid, deps) == created
    shipment = await deps.store.shipment(paid.data.order_id)
    assert shipment is not None and shipment["state"] == "BOOKED"


async def test_cancel_racing_the_carrier_call_ends_in_exactly_one_outcome_per_order(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN 30 paid orders and a carrier that takes 50 ms; a cancel for each fired at a staggered moment
    deps = shipping_deps(aws, settings, latency=0.05)
    orders = [saga() for _ in range(30)]

    async def cancel_later(requested: OrderCancellationRequested, delay: float) -> list[Event]:
        await asyncio.sleep(delay)
        return await decide_cancellation(requested, deps)

    # WHEN booking and cancel race for every order
    results = await asyncio.gather(
        *(
            asyncio.gather(book_shipment(paid, deps), cancel_later(requested, (i % 10) * 0.01))
            for i, (_, paid, requested, _) in enumerate(orders)
        )
    )
    # THEN each order is either booked with its cancel refused, or cancelled with nothing booked
    outcomes = {(tuple(types(booked)), tuple(types(decided))) for booked, decided in results}
    assert outcomes <= {(("ShipmentCreated",), ("OrderCancellationRejected",)), ((), ("OrderCancelled",))}
    for (_, paid, _, _), (booked, _) in zip(orders, results, strict=True):
        shipment = await deps.store.shipment(paid.data.order_id)
        assert shipment is not None and shipment["state"] == ("BOOKED" if booked else "CANCELLED")


async def test_cancel_before_the_charge_means_no_charge(aws: AwsClients, settings: Settings) -> None:
    deps = payment_deps(aws, settings)
    reserved, _, _, cancelled = saga()
    assert await refund_order(cancelled, deps) == []
    assert await charge_order(reserved, deps) == []
    charge = await deps.store.charge(reserved.data.order_id)
    assert charge is not None and charge["status"] == "CANCELLED"


async def test_cancel_after_the_charge_refunds_it_once(aws: AwsClients, settings: Settings) -> None:
    deps = payment_deps(aws, settings)
    reserved, _, _, cancelled = saga()
    assert types(await charge_order(reserved, deps)) == ["PaymentCompleted"]
    [refunded] = await refund_order(cancelled, deps)
    assert refunded.event_type == "PaymentRefunded"
    assert refunded.data.amount == reserved.data.total  # type: ignore[attr-defined]
    # a redelivered OrderCancelled republishes the same refund and refunds nothing more
    assert await refund_order(cancelled, deps) == [refunded]
    charge = await deps.store.charge(reserved.data.order_id)
    assert charge is not None and (charge["status"], charge["refundId"]) == ("REFUNDED", refunded.data.refund_id)  # type: ignore[attr-defined]


async def test_a_charge_that_loses_the_race_to_the_cancel_is_refunded_at_once(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN a provider that is still charging when the cancel closes the order
    reserved, _, _, cancelled = saga()
    slow = SlowProvider()
    deps = payment_deps(aws, settings, slow)
    charging = asyncio.create_task(charge_order(reserved, deps))
    await slow.charging.wait()
    assert await refund_order(cancelled, deps) == []  # nothing recorded yet: the order is closed to charges
    slow.release.set()
    # THEN the late charge is given back by the charge's own handler, and PaymentCompleted never goes out
    [refunded] = await charging
    assert refunded.event_type == "PaymentRefunded"
    charge = await deps.store.charge(reserved.data.order_id)
    assert charge is not None and charge["status"] == "REFUNDED"
    # a redelivered charge republishes that refund (same body) and the cancel's redelivery says nothing
    assert await charge_order(reserved, deps) == [refunded]
    assert await refund_order(cancelled, deps) == []


async def test_a_refund_that_fails_technically_is_retried_and_refunds_once(aws: AwsClients, settings: Settings) -> None:
    deps = payment_deps(aws, settings)
    reserved, _, _, cancelled = saga(token="tok_refundError")
    await charge_order(reserved, deps)
    with pytest.raises(TechnicalError, match="refund"):
        await refund_order(cancelled, deps)
    assert types(await refund_order(cancelled, deps)) == ["PaymentRefunded"]
    charge = await deps.store.charge(reserved.data.order_id)
    assert charge is not None and charge["status"] == "REFUNDED"


async def test_cancel_before_the_reservation_keeps_the_stock(aws: AwsClients, settings: Settings) -> None:
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("CANCEL-SKU", 10)
    placed = order_placed([("CANCEL-SKU", 2)])
    cancelled = OrderCancelled.caused_by(
        placed, OrderCancelledData(order_id=placed.data.order_id, customer_email="a@example.com"), service="t"
    )
    assert await release_for_cancel(cancelled, deps) == []
    assert await reserve_stock(placed, deps) == []
    assert await reserve_stock(placed, deps) == []  # a redelivery after the cancel marker: nothing either
    assert await stock(aws, settings, "CANCEL-SKU") == 10
    item = await get_item(aws, settings.table_name("inventory"), f"ORDER#{placed.data.order_id}", "RESERVATION")
    assert item is not None and item["state"] == "CANCELLED"


async def test_cancel_after_the_reservation_releases_it_once(aws: AwsClients, settings: Settings) -> None:
    deps = inventory_deps(aws, settings)
    await deps.store.put_stock("CANCEL-SKU", 10)
    placed = order_placed([("CANCEL-SKU", 3)])
    cancelled = OrderCancelled.caused_by(
        placed, OrderCancelledData(order_id=placed.data.order_id, customer_email="a@example.com"), service="t"
    )
    assert types(await reserve_stock(placed, deps)) == ["InventoryReserved"]
    assert await stock(aws, settings, "CANCEL-SKU") == 7
    assert types(await release_for_cancel(cancelled, deps)) == ["InventoryReleased"]
    assert types(await release_for_cancel(cancelled, deps)) == ["InventoryReleased"]  # redelivery: same outcome
    assert await stock(aws, settings, "CANCEL-SKU") == 10


class SlowProvider(MockPaymentProvider):
    """The mock provider, paused inside `charge` until the test lets it answer."""

    def __init__(self) -> None:
        super().__init__()
        self.charging, self.release = asyncio.Event(), asyncio.Event()

    async def charge(self, *, idempotency_key: str, amount: Decimal, currency: str, token: str):  # type: ignore[no-untyped-def]
        self.charging.set()
        await self.release.wait()
        return await super().charge(idempotency_key=idempotency_key, amount=amount, currency=currency, token=token)


async def test_a_charge_delivered_twice_or_concurrently_charges_once_and_republishes_the_same_event(
    aws: AwsClients, settings: Settings
) -> None:
    provider = MockPaymentProvider()
    deps = payment_deps(aws, settings, provider)
    reserved, _, _, cancelled = saga()
    first, second = await asyncio.gather(charge_order(reserved, deps), charge_order(reserved, deps))
    assert types(first) == ["PaymentCompleted"] and first == second  # same id, same body
    assert await charge_order(reserved, deps) == first
    # after a refund, the charge's redelivery still republishes what it published: PaymentCompleted
    await refund_order(cancelled, deps)
    assert await charge_order(reserved, deps) == first
    item = await deps.store.charge(reserved.data.order_id)
    assert item is not None and item["status"] == "REFUNDED"
