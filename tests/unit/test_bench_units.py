"""B2's billed-unit rules: an update is priced at the size of the item it changed, not at what it wrote."""

from __future__ import annotations

from bench.units import billed_units, settle_updates


def _update(table: str, sk: str) -> dict[str, object]:
    return {
        "TableName": table,
        "Key": {"pk": {"S": "ORDER#1"}, "sk": {"S": sk}},
        "ExpressionAttributeValues": {":v0": {"S": "SHIPPED"}},
    }


def test_an_update_is_billed_at_its_items_largest_size_after_the_run() -> None:
    # GIVEN two updates of an order item, one inside a transaction with a put of 10 bytes
    alone = billed_units("dynamodb", "UpdateItem", _update("orderflow-orders", "ORDER"), {})
    transact = billed_units(
        "dynamodb",
        "TransactWriteItems",
        {"TransactItems": [{"Update": _update("orderflow-orders", "ORDER")}, {"Put": {"Item": {"pk": {"S": "X"}}}}]},
        {},
    )
    # WHEN they are settled with the order items at 1,100 bytes (past 1 KiB) after the run
    settled = settle_updates({**alone, **transact}, {"orders ORDER": 1100})
    # THEN each bills 2 WRU (the item's two KiB), the transaction's twice that, its put 2
    assert settled == {"dynamodb.UpdateItem.WRU": 2, "dynamodb.TransactWriteItems.WRU": 4 + 2}


def test_kinds_keep_apart_and_a_kind_with_no_item_left_bills_one_unit() -> None:
    units = {
        "dynamodb.UpdateItem.updated orders ORDER": 3,
        "dynamodb.UpdateItem.updated analytics (time bucket)": 2,
        "dynamodb.GetItem.RRU": 1.5,
    }
    assert settle_updates(units, {"orders ORDER": 900}) == {"dynamodb.UpdateItem.WRU": 5, "dynamodb.GetItem.RRU": 1.5}
    assert billed_units("dynamodb", "UpdateItem", _update("p-analytics", "20261203T12"), {}) == {
        "dynamodb.UpdateItem.updated analytics (time bucket)": 1
    }
