"""The order saga end to end, as a user runs it (`orderflow dev`: emulator + API + a process per
worker), asserting on the API's view and on each service's own table."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import orjson
import pytest

from tests.e2e.journey import (
    AUTH,
    Stack,
    approved_charges,
    dlq_depths,
    items,
    new_sku,
    notifications,
    order_body,
    place,
    settled,
    shipments,
    stock,
    view,
    wait_for,
)
from tests.support import EXPECTED_ROUTES

pytestmark = pytest.mark.e2e

SEED_REQUEST = {
    "customerEmail": "student@example.com",
    "currency": "USD",
    "items": [{"sku": "LAPTOP-001", "quantity": 1, "price": 850}, {"sku": "MOUSE-002", "quantity": 2, "price": 25}],
}


def test_seed_request_ships_with_one_charge_one_shipment_and_its_notifications(stack: Stack) -> None:
    laptops, mice = stock(stack, "LAPTOP-001"), stock(stack, "MOUSE-002")
    order_id = place(stack, SEED_REQUEST)
    reserved = wait_for(stack, order_id, ("STOCK_RESERVED", "PAID", "SHIPPED"))
    assert reserved["timeline"][0]["eventType"] == "OrderPlaced"
    shipped = wait_for(stack, order_id)
    assert shipped["status"] == "SHIPPED"
    assert [e["eventType"] for e in shipped["timeline"]] == [
        "OrderPlaced",
        "InventoryReserved",
        "PaymentCompleted",
        "ShipmentCreated",
    ]
    assert shipped["total"] == 900
    [charge] = approved_charges(stack, order_id)
    assert charge["amount"] == 900
    assert (stock(stack, "LAPTOP-001"), stock(stack, "MOUSE-002")) == (laptops - 1, mice - 2)
    [shipment] = shipments(stack, order_id)
    assert shipment["trackingNumber"].startswith("1Z")
    settled(stack)
    assert notifications(stack, order_id) == ["OrderPlaced", "PaymentCompleted", "ShipmentCreated"]
    assert set(dlq_depths(stack).values()) == {0}


def test_order_beyond_stock_is_cancelled_out_of_stock_without_charge(stack: Stack) -> None:
    sku = new_sku(stack, units=3)
    order_id = place(stack, order_body(sku, 5))
    cancelled = wait_for(stack, order_id)
    assert (cancelled["status"], cancelled["reason"]) == ("CANCELLED", "OUT_OF_STOCK")
    settled(stack)
    assert approved_charges(stack, order_id) == []
    assert stock(stack, sku) == 3
    assert notifications(stack, order_id) == ["InventoryReservationFailed", "OrderPlaced"]


def test_declined_payment_cancels_and_restores_stock_exactly(stack: Stack) -> None:
    sku = new_sku(stack, units=7)
    order_id = place(stack, order_body(sku, 4, paymentOutcome="declined"))
    cancelled = wait_for(stack, order_id)
    assert (cancelled["status"], cancelled["reason"]) == ("CANCELLED", "PAYMENT_DECLINED")
    settled(stack)
    assert stock(stack, sku) == 7
    assert approved_charges(stack, order_id) == []
    assert [i["state"] for i in items(stack, "inventory", order_id) if i["sk"] == "RESERVATION"] == ["RELEASED"]
    assert notifications(stack, order_id) == ["OrderPlaced", "PaymentFailed"]
    assert "InventoryReleased" in [e["eventType"] for e in view(stack, order_id)["timeline"]]


def _wait_dead(stack: Stack, service: str, order_id: str, timeout: float = 60) -> dict[str, object]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shown = stack.cli("dlq", "show", service, "--json", "--limit", "50")
        assert shown.returncode == 0, shown.stderr
        for dead in orjson.loads(shown.stdout):
            if dead["order_id"] == order_id:
                return dict(dead)
        time.sleep(0.5)
    raise AssertionError(f"no dead {service} message for order {order_id}")


@pytest.mark.parametrize("service", ["payment", "shipping"])
def test_technical_failure_retries_to_the_dlq_and_completes_after_heal_and_redrive(stack: Stack, service: str) -> None:
    # GIVEN an order whose `service` step fails technically until healed
    sku = new_sku(stack, units=5)
    stuck = place(stack, order_body(sku, 1, simulateTechnicalFailure=service))
    # THEN its message is retried maxReceiveCount times with backoff, then dead-lettered...
    dead = _wait_dead(stack, service, stuck)
    assert dead["receive_count"] >= stack.settings.topology.service(service).queue.max_receive_count
    # ...while the same worker keeps serving other orders
    other = place(stack, order_body(sku, 1))
    assert wait_for(stack, other)["status"] == "SHIPPED"
    assert view(stack, stuck)["status"] in ("STOCK_RESERVED", "PAID")
    # WHEN the cause is fixed and the DLQ redriven
    healed = stack.cli("simulate", "heal", service, "--order", stuck)
    assert healed.returncode == 0, healed.stderr
    redriven = stack.cli("dlq", "redrive", service)
    assert redriven.returncode == 0 and "redrove" in redriven.stdout, redriven.stderr
    # THEN the order completes, charged once
    assert wait_for(stack, stuck)["status"] == "SHIPPED"
    assert len(approved_charges(stack, stuck)) == 1
    assert len(shipments(stack, stuck)) == 1


def test_every_message_delivered_twice_changes_nothing_twice(stack: Stack) -> None:
    # GIVEN a tap on the bus that copies every orderflow event to a queue of its own
    events, sqs = stack.client("events"), stack.client("sqs")
    tap = sqs.create_queue(QueueName="e2e-tap")["QueueUrl"]
    tap_arn = sqs.get_queue_attributes(QueueUrl=tap, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    bus = stack.settings.bus
    events.put_rule(Name="e2e-tap", EventBusName=bus, EventPattern='{"source": [{"prefix": "orderflow."}]}')
    events.put_targets(Rule="e2e-tap", EventBusName=bus, Targets=[{"Id": "tap", "Arn": tap_arn}])
    try:
        sku = new_sku(stack, units=10)
        order_id = place(stack, order_body(sku, 2))
        assert wait_for(stack, order_id)["status"] == "SHIPPED"
        settled(stack)
        bodies = _tapped(sqs, tap, order_id)
        assert sorted(orjson.loads(b)["detail-type"] for b in bodies) == sorted(
            ["OrderPlaced", "InventoryReserved", "PaymentCompleted", "ShipmentCreated"]
        )
        # WHEN every message of the order is delivered again to every queue that heard it
        for body in bodies:
            for service in EXPECTED_ROUTES[orjson.loads(body)["detail-type"]]:
                url = sqs.get_queue_url(QueueName=stack.settings.queue_name(service))["QueueUrl"]
                sqs.send_message(QueueUrl=url, MessageBody=body)
        settled(stack)
    finally:
        events.remove_targets(Rule="e2e-tap", EventBusName=bus, Ids=["tap"])
        events.delete_rule(Name="e2e-tap", EventBusName=bus)
        sqs.delete_queue(QueueUrl=tap)
    # THEN one reservation, one charge, one shipment, one notification per outcome, one entry per step
    assert stock(stack, sku) == 8
    assert len([i for i in items(stack, "inventory", order_id) if i["sk"] == "RESERVATION"]) == 1
    assert len(approved_charges(stack, order_id)) == 1
    assert len(shipments(stack, order_id)) == 1
    assert notifications(stack, order_id) == ["OrderPlaced", "PaymentCompleted", "ShipmentCreated"]
    timeline = [e["eventType"] for e in view(stack, order_id)["timeline"]]
    assert sorted(timeline) == sorted(["OrderPlaced", "InventoryReserved", "PaymentCompleted", "ShipmentCreated"])


def _tapped(sqs: object, url: str, order_id: str) -> list[str]:
    bodies: list[str] = []
    while messages := sqs.receive_message(
        QueueUrl=url,
        MaxNumberOfMessages=10,  # type: ignore[attr-defined]
        WaitTimeSeconds=1,
    ).get("Messages"):
        for message in messages:
            if orjson.loads(message["Body"])["detail"]["data"]["orderId"] == order_id:
                bodies.append(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])  # type: ignore[attr-defined]
    return bodies


def test_fifty_orders_for_ten_units_ship_exactly_ten(stack: Stack) -> None:
    sku = new_sku(stack, units=10)
    with ThreadPoolExecutor(max_workers=10) as pool:
        order_ids = list(pool.map(lambda _: place(stack, order_body(sku, 1)), range(50)))
    final = [wait_for(stack, order_id, timeout=120) for order_id in order_ids]
    outcomes = sorted((v["status"], v["reason"]) for v in final)
    assert outcomes.count(("SHIPPED", None)) == 10
    assert outcomes.count(("CANCELLED", "OUT_OF_STOCK")) == 40
    assert stock(stack, sku) == 0
    assert sum(len(approved_charges(stack, o)) for o in order_ids) == 10


def test_bad_requests_get_problem_details_from_the_running_platform(stack: Stack) -> None:
    body = {**SEED_REQUEST, "items": [{"sku": "NOPE-9", "quantity": 1}]}
    bad = httpx.post(f"{stack.api_url}/orders", json=body, headers=AUTH)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert "unknown SKU NOPE-9" in bad.json()["detail"]
    garbage = httpx.post(
        f"{stack.api_url}/orders", content=b"\x00\xff", headers={**AUTH, "content-type": "application/json"}
    )
    assert garbage.status_code == 400
    assert garbage.json()["title"] == "Malformed JSON"
