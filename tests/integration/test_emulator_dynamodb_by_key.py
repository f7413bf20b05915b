"""The emulator reads a DynamoDB partition without walking the table
(orderflow/local/moto_patches/dynamodb.py, defect 4).

On plain moto 5.2.5 a Query on the partition key lists and sorts every item of the table: with
10,000 orders stored, `GET /orders/{id}` answered ~80× slower than with 100 and this test fails.
"""

from __future__ import annotations

import contextlib
import statistics
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import httpx
import pytest
from botocore.config import Config

from api.app import create_app
from orderflow.local.emulator import Emulator
from orderflow.local.provision import Provisioned, provision
from orderflow.local.seed import seed
from orderflow.settings import Settings
from tests.support import AUTH, ApiServer, with_dev_key

ORDER = {"customerEmail": "student@example.com", "currency": "USD", "items": [{"sku": "MOUSE-002", "quantity": 1}]}


@pytest.fixture
def two_platforms(emulator: Emulator, settings: Settings, provisioned: Provisioned) -> Iterator[list[Platform]]:
    """Two order APIs on one emulator, each with its own tables (resource prefix)."""
    platforms = []
    with contextlib.ExitStack() as stack:
        for prefix in ("small", "large"):
            mine = with_dev_key(settings.model_copy(update={"resource_prefix": prefix}))
            provision(mine, endpoint_url=emulator.url)
            seed(mine, endpoint_url=emulator.url)
            server = stack.enter_context(ApiServer(create_app(mine)))
            http = stack.enter_context(httpx.Client(base_url=server.url, timeout=30, headers=AUTH))
            platforms.append(Platform(http, mine.table_name("orders")))
        yield platforms


@dataclass
class Platform:
    api: httpx.Client
    orders_table: str
    order_id: str = ""
    durations: list[float] = field(default_factory=list)

    def place(self) -> None:
        placed = self.api.post("/orders", json=ORDER)
        assert placed.status_code == 202
        self.order_id = placed.json()["orderId"]

    def read(self) -> None:
        before = time.perf_counter()
        answer = self.api.get(f"/orders/{self.order_id}")
        self.durations.append(time.perf_counter() - before)
        assert answer.status_code == 200


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


def test_reading_an_order_costs_the_same_with_10000_orders_stored_as_with_100(
    two_platforms: list[Platform],
) -> None:
    # GIVEN an order placed through the API of a platform holding 100 orders, and one holding 10,000
    small, large = two_platforms
    for platform, others in ((small, 99), (large, 9999)):
        platform.place()
        _store_orders(platform.orders_table, others)
    # WHEN each order is read through its API, turn about (so the machine's load weighs on both alike)
    for _ in range(30):
        small.read()
        large.read()
    # THEN the larger table's read takes no more than 1.5× as long (medians)
    ratio = statistics.median(large.durations) / statistics.median(small.durations)
    assert ratio <= 1.5, (
        f"p50 {statistics.median(small.durations) * 1000:.1f} ms vs {statistics.median(large.durations) * 1000:.1f} ms"
    )
