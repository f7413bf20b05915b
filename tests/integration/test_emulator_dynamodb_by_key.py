"""The emulator reads a DynamoDB partition without walking the table
(orderflow/local/moto_patches/dynamodb.py, defect 4).

On plain moto 5.2.5 a Query on the partition key lists and sorts every item of the table: with
10,000 orders stored, `GET /orders/{id}` answered ~80× slower than with 100 and this test fails.
"""

from __future__ import annotations

import statistics
import time
import uuid
from collections.abc import Iterator

import boto3
import httpx
import pytest
from botocore.config import Config

from api.app import create_app
from orderflow.local.provision import Provisioned
from orderflow.settings import Settings
from tests.support import AUTH, ApiServer, with_dev_key

ORDER = {"customerEmail": "student@example.com", "currency": "USD", "items": [{"sku": "MOUSE-002", "quantity": 1}]}


@pytest.fixture
def api(settings: Settings, provisioned: Provisioned) -> Iterator[httpx.Client]:
    with (
        ApiServer(create_app(with_dev_key(settings))) as server,
        httpx.Client(base_url=server.url, timeout=30, headers=AUTH) as http,
    ):
        yield http


def _store_orders(table: str, count: int) -> None:
    """`count` other orders, each an ORDER item and a timeline entry as the platform stores them."""
    ddb = boto3.client("dynamodb", config=Config(max_pool_connections=2))
    requests = []
    for _ in range(count):
        pk = {"S": f"ORDER#{uuid.uuid4()}"}
        requests.append({"PutRequest": {"Item": {"pk": pk, "sk": {"S": "ORDER"}, "status": {"S": "SHIPPED"}}}})
        timeline = {"pk": pk, "sk": {"S": f"EVENT#{uuid.uuid4()}"}, "eventType": {"S": "ShipmentCreated"}}
        requests.append({"PutRequest": {"Item": timeline}})
    for start in range(0, len(requests), 25):
        ddb.batch_write_item(RequestItems={table: requests[start : start + 25]})


def _p50_seconds(api: httpx.Client, order_id: str) -> float:
    durations = []
    for _ in range(25):
        before = time.perf_counter()
        answer = api.get(f"/orders/{order_id}")
        durations.append(time.perf_counter() - before)
        assert answer.status_code == 200
    return statistics.median(durations)


def test_reading_an_order_costs_the_same_with_10000_orders_stored_as_with_100(
    api: httpx.Client, settings: Settings
) -> None:
    # GIVEN an order placed through the API, among 100 orders
    placed = api.post("/orders", json=ORDER)
    assert placed.status_code == 202
    order_id = placed.json()["orderId"]
    table = settings.table_name("orders")
    _store_orders(table, 99)
    with_100 = _p50_seconds(api, order_id)
    # WHEN the table grows to 10,000 orders
    _store_orders(table, 9900)
    with_10000 = _p50_seconds(api, order_id)
    # THEN reading it takes no more than 1.5× as long
    assert with_10000 <= 1.5 * with_100, (
        f"p50 {with_100 * 1000:.1f} ms at 100 orders, {with_10000 * 1000:.1f} ms at 10,000"
    )
