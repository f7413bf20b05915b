"""Helpers for end-to-end tests: place orders over HTTP, wait for states, read services' own tables."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import boto3
import httpx
from boto3.dynamodb.types import TypeDeserializer

from orderflow.aws.dynamo import to_attrs
from orderflow.aws.endpoints import endpoint_variable
from orderflow.local.emulator import LOCAL_CREDENTIALS
from orderflow.local.seed import product_item
from orderflow.settings import Settings
from workers.services.inventory.store import stock_item

_deserialize = TypeDeserializer().deserialize
TERMINAL = ("SHIPPED", "CANCELLED")
E2E_API_KEY = "e2e-dev-key-5f0c2b9a7d1e4c3b"  # given to `orderflow dev` as ORDERFLOW_DEV_API_KEY
AUTH = {"Authorization": f"Bearer {E2E_API_KEY}"}


@dataclass
class Stack:
    api_url: str
    endpoint: str
    settings: Settings
    log: Path
    process: subprocess.Popen[bytes]
    # `orderflow dev`'s endpoints from its state file: AWS_ENDPOINT_URL (`endpoint`) and
    # AWS_ENDPOINT_URL_DYNAMODB (DynamoDB is served by a second emulator process).
    endpoints: dict[str, str] = field(default_factory=dict)

    def client(self, service: str) -> Any:
        session = boto3.session.Session(
            region_name="us-east-1",
            aws_access_key_id=LOCAL_CREDENTIALS["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=LOCAL_CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        )
        url = self.endpoints.get(endpoint_variable(service), self.endpoint)
        return session.client(service, endpoint_url=url)

    def env(self) -> dict[str, str]:
        """For a CLI run given `--endpoint-url` the main endpoint: the others by botocore's variables."""
        return {**os.environ, **LOCAL_CREDENTIALS, "ORDERFLOW_LOCAL_MODE": "true", **self.endpoints}

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "orderflow", *args, "--endpoint-url", self.endpoint],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            env=self.env(),
        )


def read_endpoints(stack: Stack, state: Path, deadline: float) -> None:
    """`orderflow dev`'s endpoints from its state file (written once the API answers)."""
    while not state.exists():
        if stack.process.poll() is not None or time.monotonic() > deadline:
            stack.process.kill()
            raise AssertionError(f"orderflow dev wrote no state file:\n{stack.log.read_text()[-3000:]}")
        time.sleep(0.1)
    stack.endpoints = json.loads(state.read_text())["endpoints"]


def new_sku(stack: Stack, units: int, price: int = 10) -> str:
    """A SKU of this test's own, so that tests sharing the stack never share stock."""
    sku = f"T{uuid.uuid4().hex[:10].upper()}"
    dynamodb = stack.client("dynamodb")
    dynamodb.put_item(
        TableName=stack.settings.table_name("catalogue"),
        Item=to_attrs(product_item(sku, "test product", Decimal(price))),
    )
    dynamodb.put_item(TableName=stack.settings.table_name("inventory"), Item=to_attrs(stock_item(sku, units)))
    return sku


def order_body(sku: str, quantity: int = 1, **extra: Any) -> dict[str, Any]:
    return {
        "customerEmail": "student@example.com",
        "currency": "USD",
        "items": [{"sku": sku, "quantity": quantity}],
        **extra,
    }


def place(stack: Stack, body: dict[str, Any], **headers: str) -> str:
    response = httpx.post(f"{stack.api_url}/orders", json=body, headers={**AUTH, **headers}, timeout=10)
    assert response.status_code == 202, response.text
    return str(response.json()["orderId"])


def view(stack: Stack, order_id: str) -> dict[str, Any]:
    response = httpx.get(f"{stack.api_url}/orders/{order_id}", headers=AUTH, timeout=10)
    assert response.status_code == 200, response.text
    return dict(response.json())


def wait_for(stack: Stack, order_id: str, statuses: tuple[str, ...] = TERMINAL, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        current = view(stack, order_id)
        if current["status"] in statuses:
            return current
        if time.monotonic() > deadline:
            raise AssertionError(f"order {order_id} still {current['status']} after {timeout} s: {current}")
        time.sleep(0.2)


def items(stack: Stack, table: str, order_id: str) -> list[dict[str, Any]]:
    """Every item a service holds about an order (pk ORDER#id), from its own table."""
    response = stack.client("dynamodb").query(
        TableName=stack.settings.table_name(table),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_attrs({":pk": f"ORDER#{order_id}"}),
        ConsistentRead=True,
    )
    return [{k: _deserialize(v) for k, v in item.items()} for item in response["Items"]]


def stock(stack: Stack, sku: str) -> int:
    item = stack.client("dynamodb").get_item(
        TableName=stack.settings.table_name("inventory"),
        Key=to_attrs({"pk": f"SKU#{sku}", "sk": "STOCK"}),
        ConsistentRead=True,
    )
    return int(_deserialize(item["Item"]["available"]))


def approved_charges(stack: Stack, order_id: str) -> list[dict[str, Any]]:
    return [i for i in items(stack, "payment", order_id) if i["sk"] == "CHARGE" and i["status"] == "APPROVED"]


def notifications(stack: Stack, order_id: str) -> list[str]:
    return sorted(i["outcome"] for i in items(stack, "notification", order_id) if i["sk"].startswith("NOTIFICATION#"))


def shipments(stack: Stack, order_id: str) -> list[dict[str, Any]]:
    """Booked shipments (the item also records a claim in progress, or a cancel that won)."""
    return [i for i in items(stack, "shipping", order_id) if i["sk"] == "SHIPMENT" and i["state"] == "BOOKED"]


def dlq_depths(stack: Stack) -> dict[str, int]:
    sqs = stack.client("sqs")
    depths = {}
    for service in stack.settings.topology.services:
        url = sqs.get_queue_url(QueueName=stack.settings.dlq_name(service))["QueueUrl"]
        attrs = sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )
        depths[service] = sum(int(v) for v in attrs["Attributes"].values())
    return depths


def settled(stack: Stack, timeout: float = 30) -> None:
    """Wait until every main queue is empty (nothing visible or in flight) twice in a row."""
    sqs = stack.client("sqs")
    urls = [
        sqs.get_queue_url(QueueName=stack.settings.queue_name(s))["QueueUrl"] for s in stack.settings.topology.services
    ]
    deadline, quiet = time.monotonic() + timeout, 0
    while quiet < 2:
        busy = sum(
            int(v)
            for url in urls
            for v in sqs.get_queue_attributes(
                QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
            )["Attributes"].values()
        )
        quiet = quiet + 1 if busy == 0 else 0
        if time.monotonic() > deadline:
            raise AssertionError(f"queues still busy after {timeout} s")
        time.sleep(0.5)
