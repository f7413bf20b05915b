"""An order's timeline: the OrderPlaced entry rides on the order item, later events are items."""

from __future__ import annotations

import uuid

from orderflow.orders_table import (
    entry_name,
    entry_value,
    order_key,
    placed_fields,
    timeline,
    timeline_key,
    without_entries,
)

ORDER_ID, PLACED, RESERVED = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()


def _entry(event_id: uuid.UUID, event_type: str, at: str) -> dict[str, str]:
    source = "orderflow.orders" if event_type == "OrderPlaced" else "orderflow.inventory"
    return {**timeline_key(ORDER_ID, event_id), "eventType": event_type, "source": source, "occurredAt": at}


def test_the_order_item_supplies_its_orderplaced_entry_first() -> None:
    # GIVEN an order item holding its OrderPlaced, and a later event's entry
    order = {**order_key(ORDER_ID), "status": "STOCK_RESERVED", **placed_fields(PLACED, "2026-12-03T09:00:00+00:00")}
    later = _entry(RESERVED, "InventoryReserved", "2026-12-03T09:00:01+00:00")
    # WHEN the timeline is read
    entries = timeline(order, [order, later])
    # THEN the OrderPlaced comes first, with the entry shape the API and console show
    assert entries == [_entry(PLACED, "OrderPlaced", "2026-12-03T09:00:00+00:00"), later]


def test_an_order_placed_with_an_entry_of_its_own_shows_it_once() -> None:
    # GIVEN an order stored before the entry moved onto the order item (an item of its own), and
    # one holding both
    entry = _entry(PLACED, "OrderPlaced", "2026-12-03T09:00:00+00:00")
    old = {**order_key(ORDER_ID), "status": "PLACED"}
    both = {**old, **placed_fields(PLACED, "2026-12-03T09:00:00+00:00")}
    # THEN each shows one OrderPlaced
    assert timeline(old, [old, entry]) == [entry]
    assert timeline(both, [both, entry]) == [entry]


def test_no_order_no_placed_entry() -> None:
    assert timeline(None, []) == []


def test_entries_the_order_item_holds_join_the_items_each_once_in_time_order() -> None:
    # GIVEN an order item holding its OrderPlaced and the projector's entry for InventoryReserved,
    # an older projector's item for that same event, and a cancel request's item
    cancel = uuid.uuid4()
    order = {
        **order_key(ORDER_ID),
        "status": "STOCK_RESERVED",
        **placed_fields(PLACED, "2026-12-03T09:00:00+00:00"),
        entry_name(RESERVED): entry_value("InventoryReserved", "orderflow.inventory", "2026-12-03T09:00:01+00:00"),
    }
    requested = {
        **_entry(cancel, "OrderCancellationRequested", "2026-12-03T09:00:02+00:00"),
        "source": "orderflow.orders",
    }
    old = _entry(RESERVED, "InventoryReserved", "2026-12-03T09:00:01+00:00")
    # WHEN the timeline is read
    entries = timeline(order, [order, old, requested])
    # THEN each event shows once, oldest first, in the shape the API and the console show
    assert entries == [
        _entry(PLACED, "OrderPlaced", "2026-12-03T09:00:00+00:00"),
        _entry(RESERVED, "InventoryReserved", "2026-12-03T09:00:01+00:00"),
        requested,
    ]
    # AND the order's own fields leave the entries out
    assert entry_name(RESERVED) not in without_entries(order) and without_entries(order)["status"] == "STOCK_RESERVED"
