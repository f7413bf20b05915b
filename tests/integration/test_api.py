"""The order API against the emulator: 202 + outbox, problem+json for every bad input, idempotency."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import orjson
import pytest

from api.app import create_app
from api.outbox import OutboxRelay
from api.placing import Limits, new_order, price_order, simulation_of
from api.store import OrdersStore
from orderflow.aws.clients import AwsClients
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts.api import PlaceOrderRequest
from orderflow.local.provision import Provisioned
from orderflow.settings import Settings
from tests.support import AUTH, ApiServer, drain_queue, eventually, queue_url, with_dev_key

SEED = {
    "customerEmail": "student@example.com",
    "currency": "USD",
    "items": [{"sku": "LAPTOP-001", "quantity": 1, "price": 850}, {"sku": "MOUSE-002", "quantity": 2, "price": 25}],
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared local-mode settings, with the test API key accepted."""
    return with_dev_key(settings)


@pytest.fixture
def client(settings: Settings, provisioned: Provisioned) -> Iterator[httpx.Client]:
    with (
        ApiServer(create_app(settings)) as server,
        httpx.Client(base_url=server.url, timeout=10, headers=AUTH) as http,
    ):
        yield http


def _inventory_messages(settings: Settings) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=settings.queue_name("inventory"))["QueueUrl"]
    bodies = []
    # Short polls, deleting what was read: a long poll would outlast the visibility timeout
    # and legitimately see the same message again.
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages"):
        bodies += [orjson.loads(m["Body"]) for m in messages]
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _assert_problem(response: Any, status: int, *fragments: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    for fragment in fragments:
        assert fragment in body["detail"], body
    assert "Traceback" not in response.text
    return body


def test_seed_request_is_accepted_stored_and_published(client: httpx.Client, settings: Settings) -> None:
    response = client.post("/orders", json=SEED)
    assert response.status_code == 202
    accepted = response.json()
    assert accepted["status"] == "PLACED"
    assert response.headers["location"] == f"/orders/{accepted['orderId']}"
    view = client.get(response.headers["location"]).json()
    assert view["total"] == 900
    assert [e["eventType"] for e in view["timeline"]] == ["OrderPlaced"]
    [delivered] = _inventory_messages(settings)
    assert delivered["detail"]["eventId"] == accepted["eventId"]
    assert delivered["detail"]["data"]["total"] == 900
    table = boto3.client("dynamodb")
    outbox = [
        i for i in table.scan(TableName=settings.table_name("orders"))["Items"] if i["pk"]["S"].startswith("OUTBOX#")
    ]
    assert outbox == []


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({**SEED, "items": [{"sku": "NOPE-1", "quantity": 1}]}, 422, "unknown SKU NOPE-1"),
        ({**SEED, "items": [{"sku": "LAPTOP-001", "quantity": 1, "price": 800}]}, 422, "costs 850 USD, not 800"),
        ({**SEED, "items": []}, 422, "items"),
        ({**SEED, "items": [{"sku": "LAPTOP-001", "quantity": 0}]}, 422, "quantity"),
        ({**SEED, "items": [{"sku": "LAPTOP-001", "quantity": 1001}]}, 422, "at most 1000 units"),
        ({**SEED, "currency": "EUR"}, 422, "sold in USD"),
        ({**SEED, "customerEmail": "nope"}, 422, "customerEmail"),
        ({**SEED, "coupon": "FREE"}, 422, "coupon"),
        ({"currency": "USD", "items": SEED["items"]}, 422, "customerEmail"),
    ],
)
def test_bad_orders_get_a_problem_saying_what_is_wrong(
    client: httpx.Client, body: dict[str, Any], status: int, fragment: str
) -> None:
    _assert_problem(client.post("/orders", json=body), status, fragment)


def test_malformed_json_and_unknown_orders_are_problems(client: httpx.Client) -> None:
    headers = {"content-type": "application/json"}
    _assert_problem(client.post("/orders", content=b"{bad", headers=headers), 400, "not valid JSON")
    _assert_problem(client.get("/orders/6b4c3c1e-8a0f-4f51-9d7a-6f0e5c9e2a11"), 404, "no order")
    _assert_problem(client.get("/orders/not-a-uuid"), 422, "UUID")
    _assert_problem(client.get("/nowhere"), 404)


def test_idempotency_key_replays_the_first_answer_and_refuses_a_different_body(
    client: httpx.Client, settings: Settings
) -> None:
    first = client.post("/orders", json=SEED, headers={"Idempotency-Key": "abc-1"})
    again = client.post("/orders", json=SEED, headers={"Idempotency-Key": "abc-1"})
    assert first.status_code == again.status_code == 202
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(_inventory_messages(settings)) == 1
    other = {**SEED, "items": [{"sku": "MOUSE-002", "quantity": 1}]}
    _assert_problem(
        client.post("/orders", json=other, headers={"Idempotency-Key": "abc-1"}), 422, "different request body"
    )


def test_simulation_levers_are_refused_when_simulation_is_off(settings: Settings, provisioned: Provisioned) -> None:
    app = create_app(settings.model_copy(update={"simulation_enabled": False}))
    with ApiServer(app) as server, httpx.Client(base_url=server.url, headers=AUTH) as client:
        body = {**SEED, "paymentOutcome": "declined"}
        _assert_problem(client.post("/orders", json=body), 422, "paymentOutcome", "simulation is enabled")


def test_health_and_readiness(client: httpx.Client, settings: Settings, provisioned: Provisioned) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}
    broken = settings.model_copy(update={"resource_prefix": "missing"})
    with ApiServer(create_app(broken)) as server, httpx.Client(base_url=server.url) as unready:
        _assert_problem(unready.get("/readyz"), 503, "unreachable")
    assert client.get("/docs").status_code == 200
    assert "/orders" in client.get("/openapi.json").json()["paths"]


async def test_sweeper_publishes_an_order_stranded_between_store_and_publish(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN an order stored with its outbox entry, but the process died before publishing
    store = OrdersStore(
        aws.dynamodb, orders_table=settings.table_name("orders"), catalogue_table=settings.table_name("catalogue")
    )
    request = PlaceOrderRequest.model_validate(SEED)
    lines = price_order(request, await store.prices(["LAPTOP-001", "MOUSE-002"]), Limits(50, 1000))
    token, simulation = simulation_of(request, allowed=True)
    order, event = new_order(request, lines, payment_token=token, simulation=simulation, client_id="t")
    await store.place(order, event, None)
    # WHEN a relay (a restarted API task) sweeps
    relay = OutboxRelay(store, EventPublisher(aws.events, settings.bus), sweep_every=60, stale_after=0)
    assert await relay.sweep_once() == 1
    # THEN the event reaches inventory and the outbox is empty
    url = await queue_url(aws, settings.queue_name("inventory"))
    delivered = await eventually(lambda: drain_queue(aws, url, wait=0))
    assert [d["detail"]["eventId"] for d in delivered] == [str(event.event_id)]
    assert await store.pending_outbox(0) == []


async def test_an_order_is_two_items_and_its_timeline_starts_with_its_orderplaced(
    aws: AwsClients, settings: Settings
) -> None:
    # GIVEN an order placed through the store
    store = OrdersStore(
        aws.dynamodb, orders_table=settings.table_name("orders"), catalogue_table=settings.table_name("catalogue")
    )
    request = PlaceOrderRequest.model_validate(SEED)
    lines = price_order(request, await store.prices(["LAPTOP-001", "MOUSE-002"]), Limits(50, 1000))
    order, event = new_order(request, lines, payment_token="tok_visa", simulation=None, client_id="t")
    await store.place(order, event, None)
    # THEN its partition holds the order item alone (the OrderPlaced entry rides on it), the outbox
    # holds the event, and the timeline shows the OrderPlaced with its own id and time
    response = await aws.dynamodb.query(
        TableName=settings.table_name("orders"),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"ORDER#{event.data.order_id}"}},
        ConsistentRead=True,
    )
    assert [i["sk"]["S"] for i in response["Items"]] == ["ORDER"]
    assert [e["sk"] for e in await store.pending_outbox(0)] == [str(event.event_id)]
    stored, timeline = await store.order_with_timeline(event.data.order_id)
    assert stored is not None and stored["placedEvent"] == str(event.event_id)
    assert [(e["sk"], e["eventType"], e["source"], e["occurredAt"]) for e in timeline] == [
        (f"EVENT#{event.event_id}", "OrderPlaced", event.source, event.occurred_at.isoformat())
    ]
