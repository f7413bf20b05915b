"""Test helpers: event factories, queue peeking, polling. Real AWS calls only (against the emulator)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from decimal import Decimal
from typing import Any, TypeVar

import orjson

from orderflow.aws.clients import AwsClients
from orderflow.aws.dynamo import from_attrs, to_attrs
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.events import OrderLine, OrderPlaced, OrderPlacedData, Simulation
from orderflow.settings import Settings
from workers.runtime import ServiceContext, ServiceDefinition
from workers.runtime.queue import Queue
from workers.runtime.worker import Worker

T = TypeVar("T")

# The local-mode API key the in-process API tests use (client `dev`), and the header that sends it.
TEST_API_KEY = "test-dev-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {TEST_API_KEY}"}


def with_dev_key(settings: Settings, key: str = TEST_API_KEY) -> Settings:
    """Settings whose API accepts `key` as the local dev key."""
    from pydantic import SecretStr

    return settings.model_copy(update={"dev_api_key": SecretStr(key)})


# The saga's routing, written out by hand: the topology must implement exactly this.
_SAGA_ROUTES = {
    "OrderPlaced": {"inventory", "notification"},
    "InventoryReserved": {"payment", "orders"},
    "InventoryReservationFailed": {"notification", "orders"},
    "InventoryReleased": {"orders"},
    "PaymentCompleted": {"shipping", "notification", "orders"},
    "PaymentFailed": {"inventory", "notification", "orders"},
    "ShipmentCreated": {"notification", "orders"},
    "OrderCancellationRequested": {"shipping"},
    "OrderCancelled": {"inventory", "payment", "notification", "orders"},
    "OrderCancellationRejected": {"notification", "orders"},
    "PaymentRefunded": {"notification", "orders"},
    "StockLow": {"replenishment"},
    "StockReplenished": {"inventory"},
    "StockAdjustmentRequested": {"inventory"},
    "StockAdjusted": set(),
}
# ...the audit service hears every event on the bus, and analytics every order outcome.
_ANALYTICS = {"OrderPlaced", "InventoryReserved", "InventoryReservationFailed", "PaymentCompleted", "PaymentFailed"}
_ANALYTICS |= {"ShipmentCreated", "OrderCancelled"}
EXPECTED_ROUTES = {
    event_type: {*services, "audit", *(["analytics"] if event_type in _ANALYTICS else [])}
    for event_type, services in _SAGA_ROUTES.items()
}


def order_placed(
    lines: Iterable[tuple[str, int]] = (("LAPTOP-001", 1),),
    *,
    price: Decimal = Decimal(10),
    token: str = "tok_visa",
    simulation: Simulation | None = None,
) -> OrderPlaced:
    order_id = uuid.uuid4()
    items = tuple(OrderLine(sku=sku, quantity=q, unit_price=price) for sku, q in lines)
    return OrderPlaced.create(
        OrderPlacedData(
            order_id=order_id,
            customer_email="student@example.com",
            currency="USD",
            items=items,
            total=sum((i.unit_price * i.quantity for i in items), Decimal(0)),
            payment_token=token,
            simulation=simulation,
        ),
        correlation_id=order_id,
    )


def same_event(first: dict[str, Any], second: dict[str, Any]) -> bool:
    """Two published envelopes are the same event: equal apart from their trace context, which
    belongs to the delivery that published each (docs/tracing.md)."""
    return {k: v for k, v in first.items() if k != "traceContext"} == {
        k: v for k, v in second.items() if k != "traceContext"
    }


def eventbridge_body(event: Any) -> str:
    """The SQS body EventBridge delivers: the full event with the envelope in `detail`."""
    return orjson.dumps(
        {
            "version": "0",
            "id": str(uuid.uuid4()),
            "detail-type": event.event_type,
            "source": event.source,
            "time": event.occurred_at.isoformat(),
            "region": "us-east-1",
            "resources": [],
            "detail": event.model_dump(mode="json"),
        }
    ).decode()


async def eventually(check: Callable[[], Awaitable[T | None]], *, timeout: float = 15, every: float = 0.1) -> T:
    """Poll until `check` answers something truthy; fail with the last answer otherwise."""
    deadline = time.monotonic() + timeout
    last: T | None = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(every)
    raise AssertionError(f"condition not met within {timeout} s (last: {last!r})")


async def queue_url(aws: AwsClients, name: str) -> str:
    return (await aws.sqs.get_queue_url(QueueName=name))["QueueUrl"]


async def drain_queue(aws: AwsClients, url: str, *, wait: float = 1.0) -> list[dict[str, Any]]:
    """Receive and delete everything visible in a queue; answers the EventBridge envelopes."""
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while True:
        response = await aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = response.get("Messages", [])
        for message in messages:
            found.append(orjson.loads(message["Body"]))
            await aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        if not messages:
            if time.monotonic() >= deadline:
                return found
            await asyncio.sleep(0.1)


async def queue_depth(aws: AwsClients, url: str) -> int:
    attrs = await aws.sqs.get_queue_attributes(
        QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    )
    values = attrs["Attributes"]
    return int(values["ApproximateNumberOfMessages"]) + int(values["ApproximateNumberOfMessagesNotVisible"])


async def get_item(aws: AwsClients, table: str, pk: str, sk: str) -> dict[str, Any] | None:
    response = await aws.dynamodb.get_item(TableName=table, Key=to_attrs({"pk": pk, "sk": sk}), ConsistentRead=True)
    return from_attrs(response["Item"]) if "Item" in response else None


async def stock(aws: AwsClients, settings: Settings, sku: str) -> int:
    item = await get_item(aws, settings.table_name("inventory"), f"SKU#{sku}", "STOCK")
    return int(item["available"]) if item else -1


def one_of_each_event() -> list[Any]:
    """A valid event of every registered type, all about one order."""
    from orderflow.contracts.events import (
        InventoryReleased,
        InventoryReleasedData,
        InventoryReservationFailed,
        InventoryReservationFailedData,
        InventoryReserved,
        InventoryReservedData,
        PaymentCompleted,
        PaymentCompletedData,
        PaymentFailed,
        PaymentFailedData,
        ShipmentCreated,
        ShipmentCreatedData,
        Shortage,
        SkuQuantity,
    )

    placed = order_placed()
    order = placed.data
    email = order.customer_email
    return [
        placed,
        InventoryReserved.caused_by(placed, InventoryReservedData.model_validate(order.model_dump()), service="t"),
        InventoryReservationFailed.caused_by(
            placed,
            InventoryReservationFailedData(
                order_id=order.order_id,
                customer_email=email,
                shortages=(Shortage(sku="LAPTOP-001", requested=1, available=0),),
            ),
            service="t",
        ),
        InventoryReleased.caused_by(
            placed,
            InventoryReleasedData(order_id=order.order_id, items=(SkuQuantity(sku="LAPTOP-001", quantity=1),)),
            service="t",
        ),
        PaymentCompleted.caused_by(
            placed,
            PaymentCompletedData(
                order_id=order.order_id,
                customer_email=email,
                payment_id="pay_1",
                amount=order.total,
                currency="USD",
                items=order.items,
            ),
            service="t",
        ),
        PaymentFailed.caused_by(
            placed,
            PaymentFailedData(
                order_id=order.order_id,
                customer_email=email,
                decline_code="card_declined",
                amount=order.total,
                currency="USD",
            ),
            service="t",
        ),
        ShipmentCreated.caused_by(
            placed,
            ShipmentCreatedData(
                order_id=order.order_id,
                customer_email=email,
                shipment_id="shp_1",
                carrier="simulated",
                tracking_number="TRK1",
            ),
            service="t",
        ),
        *stock_events(placed),
        *cancellation_events(placed),
    ]


def cancellation_events(placed: Any) -> list[Any]:
    """A valid event of every cancellation type, about the order `placed`."""
    from orderflow.contracts.events import (
        OrderCancellationRejected,
        OrderCancellationRejectedData,
        OrderCancellationRequested,
        OrderCancellationRequestedData,
        OrderCancelled,
        OrderCancelledData,
        PaymentRefunded,
        PaymentRefundedData,
    )

    order_id, email = placed.data.order_id, placed.data.customer_email
    requested = OrderCancellationRequested.create(
        OrderCancellationRequestedData(order_id=order_id, customer_email=email, note="changed my mind"),
        correlation_id=order_id,
    )
    cancelled = OrderCancelled.caused_by(
        requested, OrderCancelledData(order_id=order_id, customer_email=email), service="t"
    )
    return [
        requested,
        cancelled,
        OrderCancellationRejected.caused_by(
            requested, OrderCancellationRejectedData(order_id=order_id, customer_email=email), service="t"
        ),
        PaymentRefunded.caused_by(
            cancelled,
            PaymentRefundedData(
                order_id=order_id,
                customer_email=email,
                payment_id="pay_1",
                refund_id="re_1",
                amount=placed.data.total,
                currency="USD",
            ),
            service="t",
        ),
    ]


def stock_events(cause: Any) -> list[Any]:
    """A valid event of every stock-level type, about one SKU."""
    from orderflow.contracts.events import (
        StockAdjusted,
        StockAdjustedData,
        StockAdjustmentRequested,
        StockAdjustmentRequestedData,
        StockLow,
        StockLowData,
        StockReplenished,
        StockReplenishedData,
    )

    low = StockLow.caused_by(
        cause, StockLowData(sku="LAPTOP-001", available=3, reorder_point=5, reorder_quantity=10), service="t"
    )
    requested = StockAdjustmentRequested.create(
        StockAdjustmentRequestedData(sku="LAPTOP-001", mode="restock", quantity=4), correlation_id=uuid.uuid4()
    )
    return [
        low,
        StockReplenished.caused_by(
            low,
            StockReplenishedData(
                sku="LAPTOP-001", quantity=10, purchase_order_id="po_1", supplier="t", alert_id=low.event_id
            ),
            service="t",
        ),
        requested,
        StockAdjusted.caused_by(
            requested, StockAdjustedData(sku="LAPTOP-001", mode="restock", quantity=4, applied=True), service="t"
        ),
    ]


class ApiServer:
    """The real app under a real uvicorn on a free 127.0.0.1 port, in a background thread."""

    def __init__(self, app: Any) -> None:
        import threading

        import uvicorn

        from orderflow.local.emulator import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="on")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> ApiServer:
        self._thread.start()
        deadline = time.monotonic() + 15
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the API did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)


def order_placed_worker(
    aws: AwsClients,
    settings: Settings,
    url: str,
    handler: Callable[[OrderPlaced, Any], Awaitable[list[Any]]],
    *,
    visibility_timeout: int = 30,
    **worker: Any,
) -> Worker:
    """The real runtime's Worker on `url` with one OrderPlaced handler and no deps: for tests of
    the runtime itself (slow, held or counting handlers). `worker` goes to Worker (heartbeat,
    protection)."""

    async def no_deps(ctx: ServiceContext) -> None:
        return None

    return Worker(
        ServiceDefinition(handler.__name__, {OrderPlaced: handler}, no_deps),
        None,
        queue=Queue(aws.sqs, url, visibility_timeout=visibility_timeout, wait_seconds=1),
        publisher=EventPublisher(aws.events, settings.bus),
        settings=settings,
        **worker,
    )
