"""Poison messages on every service queue, with every real worker running in process: garbage, a
version this build does not know, and a body near SQS's 256 KiB ceiling that no contract accepts.
Each is retried up to the queue's maxReceiveCount, lands in its DLQ with its reason logged, and
the saga keeps shipping valid orders the whole time."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable

import orjson
import structlog
from structlog.testing import capture_logs

from api.placing import Limits, new_order, price_order, simulation_of
from api.store import OrdersStore
from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.api import PlaceOrderRequest
from orderflow.settings import Settings
from tests.support import EXPECTED_ROUTES, eventbridge_body, eventually, one_of_each_event, queue_url
from workers.runtime.worker import Worker

StartWorker = Callable[..., Awaitable[Worker]]
SQS_MAX_BYTES = 256 * 1024  # moto's and SQS's default MaximumMessageSize (our queues keep it)
VALID_ORDERS = 6


def poison_bodies(service: str) -> dict[str, tuple[str, str]]:
    """name -> (SQS body, a fragment of the reason the worker must log)."""
    event = next(e for e in one_of_each_event() if service in EXPECTED_ROUTES[e.event_type])
    envelope = orjson.loads(eventbridge_body(event))
    future = {**envelope, "detail": {**envelope["detail"], "eventVersion": 99}}
    oversize = {**envelope, "detail": {**envelope["detail"], "data": {**envelope["detail"]["data"]}}}
    oversize["detail"]["data"]["padding"] = ""
    padding = SQS_MAX_BYTES - 1024 - len(orjson.dumps(oversize))
    oversize["detail"]["data"]["padding"] = "x" * padding
    return {
        "garbage": ("\x00{not json at all", "not JSON"),
        "wrong version": (orjson.dumps(future).decode(), f"unknown event '{event.event_type}' version 99"),
        "oversize": (orjson.dumps(oversize).decode(), f"invalid {event.event_type} v1: data.padding"),
    }


async def place_valid_order(aws: AwsClients, settings: Settings, store: OrdersStore) -> str:
    """What the API does for an order (store + outbox, then publish), without HTTP."""
    request = PlaceOrderRequest.model_validate(
        {"customerEmail": "student@example.com", "currency": "USD", "items": [{"sku": "MOUSE-002", "quantity": 1}]}
    )
    lines = price_order(request, await store.prices(["MOUSE-002"]), Limits(50, 1000))
    token, simulation = simulation_of(request, allowed=True)
    order, event = new_order(request, lines, payment_token=token, simulation=simulation, client_id="test")
    await store.place(order, event, None)
    await EventPublisher(aws.events, settings.bus).publish([event])
    return str(event.data.order_id)


async def test_poison_messages_reach_every_dlq_with_their_reason_while_valid_orders_ship(
    aws: AwsClients, settings: Settings, start_worker: StartWorker
) -> None:
    services = list(settings.topology.services)
    store = OrdersStore(
        aws.dynamodb, orders_table=settings.table_name("orders"), catalogue_table=settings.table_name("catalogue")
    )
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as logs:
        # GIVEN every service's real worker, retrying at once (a base backoff that rounds to 0 s)
        for service in services:
            await start_worker(service, backoff_base_seconds=0.01)
        # WHEN three poison messages go onto every queue, among valid orders placed before and after
        order_ids = [await place_valid_order(aws, settings, store) for _ in range(VALID_ORDERS // 2)]
        sent: dict[str, dict[str, tuple[str, str]]] = {}
        for service in services:
            sent[service] = poison_bodies(service)
            url = await queue_url(aws, settings.queue_name(service))
            for body, _ in sent[service].values():
                await aws.sqs.send_message(QueueUrl=url, MessageBody=body)
        order_ids += [await place_valid_order(aws, settings, store) for _ in range(VALID_ORDERS // 2)]

        # THEN every valid order ships
        async def all_shipped() -> bool:
            views = await asyncio.gather(*(store.order_with_timeline(uuid.UUID(o)) for o in order_ids))
            return all(order is not None and order["status"] == "SHIPPED" for order, _ in views)

        await eventually(all_shipped, timeout=90, every=0.5)

        # AND each DLQ holds exactly its three poison bodies
        dead: dict[str, list[str]] = {service: [] for service in services}

        async def all_dead() -> bool:
            for service in services:
                url = await queue_url(aws, settings.dlq_name(service))
                dead[service] += await drain_queue_raw(aws, url)
            return all(len(dead[s]) >= 3 for s in services)

        await eventually(all_dead, timeout=90, every=0.5)

    for service in services:
        assert sorted(dead[service]) == sorted(body for body, _ in sent[service].values()), service
        # AND the worker logged why, on every receive up to the queue's maxReceiveCount
        limit = settings.topology.service(service).queue.max_receive_count
        rejected = [
            e
            for e in logs
            if e.get("event") == "message_handled" and e.get("service") == service and e.get("outcome") == "rejected"
        ]
        for name, (_, reason) in sent[service].items():
            counts = sorted(e["receiveCount"] for e in rejected if reason in e["reason"])
            assert counts == list(range(1, limit + 1)), (service, name, counts)


async def drain_queue_raw(aws: AwsClients, url: str) -> list[str]:
    """A DLQ's bodies as sent (garbage included), deleting what was read."""
    bodies: list[str] = []
    while True:
        response = await aws.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        messages = response.get("Messages", [])
        if not messages:
            return bodies
        for message in messages:
            bodies.append(message["Body"])
            await aws.sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
