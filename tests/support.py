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
from orderflow.contracts.events import OrderLine, OrderPlaced, OrderPlacedData, Simulation
from orderflow.settings import Settings

T = TypeVar("T")


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
    response = await aws.dynamodb.get_item(
        TableName=table, Key=to_attrs({"pk": pk, "sk": sk}), ConsistentRead=True
    )
    return from_attrs(response["Item"]) if "Item" in response else None


async def stock(aws: AwsClients, settings: Settings, sku: str) -> int:
    item = await get_item(aws, settings.table_name("inventory"), f"SKU#{sku}", "STOCK")
    return int(item["available"]) if item else -1
