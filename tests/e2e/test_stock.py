"""Low stock, replenishment and operator adjustments on the running platform, through the CLI."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from tests.e2e.journey import Stack, new_sku, order_body, place, settled, stock, wait_for

pytestmark = pytest.mark.e2e


def _row(stack: Stack, sku: str) -> dict[str, Any]:
    listed = stack.cli("inventory", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    return next(r for r in orjson.loads(listed.stdout) if r["sku"] == sku)


def _until(check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while (found := check()) is None or found is False:
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.3)
    return found


def _stock_trail(stack: Stack, sku: str) -> list[str]:
    shown = stack.cli("audit", "stock", sku, "--json")
    assert shown.returncode == 0, shown.stderr
    return [e["eventType"] for e in orjson.loads(shown.stdout)]


def test_selling_past_the_reorder_point_places_one_purchase_order_and_restores_stock(stack: Stack) -> None:
    # GIVEN 6 units, and an operator who sets reorder point 3 and quantity 10 (an event on the bus)
    sku = new_sku(stack, units=6)
    configured = stack.cli("inventory", "set", sku, "6", "--reorder-point", "3", "--reorder-quantity", "10")
    assert configured.returncode == 0, configured.stderr
    _until(lambda: _row(stack, sku)["reorderPoint"] == 3)
    # WHEN four single-unit orders ship, crossing the reorder point once (at 3 left)
    for order_id in [place(stack, order_body(sku, 1)) for _ in range(4)]:
        assert wait_for(stack, order_id)["status"] == "SHIPPED"
    # THEN exactly one purchase order of 10 is placed and delivered: 6 - 4 + 10 units
    _until(lambda: stock(stack, sku) == 12)
    settled(stack)
    row = _row(stack, sku)
    assert (row["available"], row["openPurchaseOrders"], row["onOrder"]) == (12, 0, 0)
    purchase_orders = [i for i in _items(stack, "replenishment", f"SKU#{sku}") if str(i["sk"]).startswith("PO#")]
    assert [(po["status"], po["quantity"]) for po in purchase_orders] == [("RECEIVED", 10)]
    # AND the SKU's audit stream tells the story
    assert _stock_trail(stack, sku) == ["StockAdjustmentRequested", "StockAdjusted", "StockLow", "StockReplenished"]


def test_restock_adds_units_through_the_bus_and_is_on_the_audit_trail(stack: Stack) -> None:
    sku = new_sku(stack, units=2)
    restocked = stack.cli("inventory", "restock", sku, "5")
    assert restocked.returncode == 0, restocked.stderr
    _until(lambda: stock(stack, sku) == 7)
    _until(lambda: _stock_trail(stack, sku) == ["StockAdjustmentRequested", "StockAdjusted"])


def test_adjustments_refuse_unknown_skus_and_negative_quantities_in_one_line(stack: Stack) -> None:
    for args, message in (
        (("set", "NOPE-404", "3"), "unknown SKU 'NOPE-404'"),
        (("set", "bad sku!", "3"), "SKU: String should match pattern"),
        (("set", "LAPTOP-001", "-5"), "quantity must be 0 or more"),
        (("restock", "LAPTOP-001", "0"), "quantity must be at least 1"),
        (
            ("set", "LAPTOP-001", "3", "--reorder-point", "-1"),
            "--reorder-point: Input should be greater than or equal to 0",
        ),
    ):
        refused = stack.cli("inventory", *args)
        assert refused.returncode == 2, (args, refused.stdout, refused.stderr)
        assert message in refused.stderr and refused.stderr.strip().count("\n") == 0, refused.stderr


def _items(stack: Stack, table: str, pk: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    from orderflow.aws.dynamo import to_attrs

    response = stack.client("dynamodb").query(
        TableName=stack.settings.table_name(table),
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues=to_attrs({":pk": pk}),
        ConsistentRead=True,
    )
    deserialize = TypeDeserializer().deserialize
    return [{k: deserialize(v) for k, v in item.items()} for item in response["Items"]]
