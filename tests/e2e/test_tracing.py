"""One order, one trace: the API's request span and every worker's handler span, linked as the
events' causation ids say, read back from the local span store as `orderflow trace` reads it."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from orderflow.ops.trace import SpanRecord, order_traces, read_spans
from orderflow.settings import Settings
from orderflow.tracing import trace_dir
from tests.e2e.journey import Stack, new_sku, notifications, order_body, place, wait_for

pytestmark = pytest.mark.e2e

SAGA_HOPS = {
    ("inventory", "OrderPlaced"),
    ("payment", "InventoryReserved"),
    ("shipping", "PaymentCompleted"),
    ("notification", "PaymentCompleted"),
    ("notification", "ShipmentCreated"),
    ("orders", "InventoryReserved"),
    ("orders", "PaymentCompleted"),
    ("orders", "ShipmentCreated"),
}


def _hop(span: SpanRecord) -> tuple[str, str]:
    return span.service, str(span.attributes.get("orderflow.event_type"))


def wait_for_trace(order_id: str, timeout: float = 30) -> list[SpanRecord]:
    """Spans reach the store within the exporters' 0.5 s batch delay, each process on its own timer:
    wait for every hop and for the API's request span (once, in make test's first minutes, the saga's
    spans were all there and the request's was not)."""
    folder = trace_dir(Settings(local_mode=True))
    deadline = time.monotonic() + timeout
    while True:
        traces = order_traces(read_spans(folder), order_id)
        hops = {_hop(s) for t in traces for s in t if s.kind == "CONSUMER"}
        requests = [s for t in traces for s in t if s.kind == "SERVER"]
        if (hops >= SAGA_HOPS and requests) or time.monotonic() > deadline:
            return [s for t in traces for s in t] if len(traces) == 1 else pytest.fail(f"{len(traces)} traces")
        time.sleep(0.5)


def test_an_order_is_one_trace_from_the_api_through_every_hop_linked_by_causation(stack: Stack) -> None:
    # GIVEN the platform running as `orderflow dev` runs it
    sku = new_sku(stack, units=5)
    # WHEN an order is placed and ships
    order_id = place(stack, order_body(sku))
    wait_for(stack, order_id, ("SHIPPED",))
    assert notifications(stack, order_id) == ["OrderPlaced", "PaymentCompleted", "ShipmentCreated"]

    # THEN one trace holds the API request and every saga hop
    spans = wait_for_trace(order_id)
    consumers = [s for s in spans if s.kind == "CONSUMER"]
    assert {_hop(s) for s in consumers} >= SAGA_HOPS
    (request,) = [s for s in spans if s.kind == "SERVER"]
    assert request.service == "api" and request.name == "POST /orders"
    assert request.attributes["orderflow.order_id"] == order_id
    # ...each handler span's parent is the span that published its event: the API request for
    # OrderPlaced, else the handler of the causing event (its causation id)
    by_id = {s.span_id: s for s in spans}
    for span in consumers:
        if _hop(span) in SAGA_HOPS:
            assert span.attributes["orderflow.outcome"] == "handled", span
        if span.attributes["orderflow.event_type"] == "OrderPlaced":
            assert span.parent_id == request.span_id
        else:
            parent = by_id[str(span.parent_id)]
            assert parent.kind == "CONSUMER", (span, parent)
            assert parent.attributes["orderflow.event_id"] == span.attributes["orderflow.causation_id"], (span, parent)
        assert span.wait_ms is not None and span.wait_ms >= 0
    # ...and the AWS calls of a handler are its children
    inventory = next(s for s in consumers if _hop(s) == ("inventory", "OrderPlaced"))
    calls = {s.name for s in spans if s.parent_id == inventory.span_id and s.kind == "CLIENT"}
    assert any(name.startswith("DynamoDB.") for name in calls), calls

    # AND `orderflow trace` shows every hop as a waterfall
    shown = subprocess.run(
        [sys.executable, "-m", "orderflow", "trace", order_id], capture_output=True, text=True, timeout=60, check=True
    ).stdout
    for service, event_type in SAGA_HOPS:
        assert f"{service} {event_type} handled" in shown, shown
    assert "api POST /orders" in shown
