"""POST /orders/{id}/cancel on a real uvicorn against the emulator: who may cancel, when, and what
goes on the bus. (How the cancel ends is the saga's business: tests/e2e/test_cancellation.py.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import httpx
import orjson
import pytest

from api.app import create_app
from orderflow.auth import create_key
from orderflow.aws.dynamo import to_attrs
from orderflow.local.provision import Provisioned
from orderflow.settings import Settings
from tests.support import AUTH, ApiServer, with_dev_key

ORDER = {"customerEmail": "student@example.com", "currency": "USD", "items": [{"sku": "MOUSE-002", "quantity": 1}]}
OTHER_KEY, OTHER_ENTRY = create_key("other")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return with_dev_key(settings).model_copy(update={"api_keys": f"{OTHER_ENTRY}"})


@pytest.fixture
def client(settings: Settings, provisioned: Provisioned) -> Iterator[httpx.Client]:
    with ApiServer(create_app(settings)) as server, httpx.Client(base_url=server.url, timeout=10, headers=AUTH) as http:
        yield http


def _place(client: httpx.Client) -> str:
    response = client.post("/orders", json=ORDER)
    assert response.status_code == 202, response.text
    return str(response.json()["orderId"])


def _problem(response: httpx.Response, status: int, fragment: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert fragment in body["detail"] and "Traceback" not in response.text
    return body


def _shipping_messages(settings: Settings) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs")
    url = sqs.get_queue_url(QueueName=settings.queue_name("shipping"))["QueueUrl"]
    bodies = []
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages"):
        bodies += [orjson.loads(m["Body"]) for m in messages]
        for message in messages:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return bodies


def _set_status(settings: Settings, order_id: str, status: str) -> None:
    boto3.client("dynamodb").update_item(
        TableName=settings.table_name("orders"),
        Key=to_attrs({"pk": f"ORDER#{order_id}", "sk": "ORDER"}),
        UpdateExpression="SET #s = :s",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues=to_attrs({":s": status}),
    )


def test_cancel_is_accepted_recorded_on_the_timeline_and_sent_to_shipping_once(
    client: httpx.Client, settings: Settings
) -> None:
    order_id = _place(client)
    # WHEN the customer cancels, twice (no body, then with a note)
    first = client.post(f"/orders/{order_id}/cancel")
    again = client.post(f"/orders/{order_id}/cancel", json={"note": "changed my mind"})
    # THEN both are accepted with the one cancellation event...
    assert first.status_code == again.status_code == 202, first.text
    assert (
        first.json()
        == again.json()
        == {"orderId": order_id, "eventId": first.json()["eventId"], "cancellation": "REQUESTED"}
    )
    view = client.get(f"/orders/{order_id}").json()
    assert view["cancellation"] == "REQUESTED" and view["status"] == "PLACED"
    assert [e["eventType"] for e in view["timeline"]] == ["OrderPlaced", "OrderCancellationRequested"]
    # ...which reaches shipping (the decision) once
    [delivered] = _shipping_messages(settings)
    assert delivered["detail-type"] == "OrderCancellationRequested"
    assert delivered["detail"]["eventId"] == first.json()["eventId"]


def test_idempotency_key_replays_the_first_cancel_answer(client: httpx.Client, settings: Settings) -> None:
    order_id = _place(client)
    first = client.post(f"/orders/{order_id}/cancel", headers={"Idempotency-Key": "cancel-1"})
    _set_status(settings, order_id, "SHIPPED")  # even after the order moved on, the key answers the same
    replay = client.post(f"/orders/{order_id}/cancel", headers={"Idempotency-Key": "cancel-1"})
    assert first.status_code == replay.status_code == 202
    assert replay.json() == first.json() and replay.headers["idempotent-replayed"] == "true"
    other = _place(client)
    _problem(client.post(f"/orders/{other}/cancel", headers={"Idempotency-Key": "cancel-1"}), 422, "different request")


@pytest.mark.parametrize(("status", "fragment"), [("SHIPPED", "has shipped"), ("CANCELLED", "already cancelled")])
def test_shipped_or_cancelled_order_cannot_be_cancelled(
    client: httpx.Client, settings: Settings, status: str, fragment: str
) -> None:
    order_id = _place(client)
    _set_status(settings, order_id, status)
    body = _problem(client.post(f"/orders/{order_id}/cancel"), 409, fragment)
    assert body["title"] == "Order cannot be cancelled"
    assert _shipping_messages(settings) == []


def test_someone_elses_or_an_unknown_order_is_not_found(client: httpx.Client) -> None:
    order_id = _place(client)
    theirs = client.post(f"/orders/{order_id}/cancel", headers={"Authorization": f"Bearer {OTHER_KEY}"})
    unknown = client.post("/orders/6b4c3c1e-8a0f-4f51-9d7a-6f0e5c9e2a11/cancel")
    assert _problem(theirs, 404, "no order")["title"] == _problem(unknown, 404, "no order")["title"]
    assert client.get(f"/orders/{order_id}").json()["cancellation"] is None


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({"note": ""}, 422, "note"),
        ({"note": "x" * 501}, 422, "note"),
        ({"reason": "because"}, 422, "reason"),
        ([1, 2], 422, ""),
    ],
)
def test_malformed_cancel_body_is_a_problem(client: httpx.Client, body: Any, status: int, fragment: str) -> None:
    order_id = _place(client)
    _problem(client.post(f"/orders/{order_id}/cancel", json=body), status, fragment)
    _problem(client.post("/orders/not-a-uuid/cancel"), 422, "UUID")
