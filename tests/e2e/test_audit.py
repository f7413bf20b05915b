"""The audit trail on the running platform: each order's stream holds exactly the events of the
orders projector's timeline, once each, every event after its cause; the CLI prints it."""

from __future__ import annotations

import orjson
import pytest

from tests.e2e.journey import Stack, new_sku, order_body, place, settled, view, wait_for

pytestmark = pytest.mark.e2e


def test_every_orders_audit_trail_matches_its_timeline_in_causal_order(stack: Stack) -> None:
    # GIVEN three orders that end three ways: shipped, out of stock, declined
    sku = new_sku(stack, units=5)
    orders = [
        place(stack, order_body(sku, 2)),
        place(stack, order_body(sku, 50)),
        place(stack, order_body(sku, 1, paymentOutcome="declined")),
    ]
    for order_id in orders:
        wait_for(stack, order_id)
    settled(stack)
    for order_id in orders:
        # WHEN an operator reads the order's audit trail
        shown = stack.cli("audit", "trail", order_id, "--json")
        assert shown.returncode == 0, shown.stderr
        trail = orjson.loads(shown.stdout)
        # THEN it holds the timeline's events, each once, numbered 1..n
        timeline = view(stack, order_id)["timeline"]
        assert sorted(e["eventId"] for e in trail) == sorted(e["eventId"] for e in timeline)
        assert [e["version"] for e in trail] == list(range(1, len(trail) + 1))
        # AND every event comes after the event that caused it (the first has no cause)
        assert trail[0]["eventType"] == "OrderPlaced" and trail[0]["causedBy"] is None
        for entry in trail[1:]:
            assert entry["causedBy"] is not None and entry["causedBy"] < entry["version"], entry
    # AND the table form names each event and its cause
    text = stack.cli("audit", "trail", orders[0])
    assert text.returncode == 0, text.stderr
    for expected in ("OrderPlaced", "InventoryReserved", "#2 InventoryReserved", "ShipmentCreated"):
        assert expected in text.stdout, text.stdout


def test_audit_trail_refuses_a_malformed_order_id_in_one_line(stack: Stack) -> None:
    bad = stack.cli("audit", "trail", "not-an-order")
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "not an order id" in bad.stderr
