"""The chaos run's analytics invariant: funnel counters equal the timelines' events, each order listed once."""

from __future__ import annotations

from collections import Counter

from orderflow.chaos.accounting import Findings, Tables
from orderflow.chaos.analytics import Analytics, check_analytics


def _tables() -> Tables:
    tables = Tables()
    tables.orders = {"a": {"status": "SHIPPED"}, "b": {"status": "CANCELLED"}}
    tables.timeline["a"] += ["OrderPlaced", "InventoryReserved", "PaymentCompleted", "ShipmentCreated"]
    tables.timeline["b"] += ["OrderPlaced", "InventoryReservationFailed"]
    return tables


def _exact() -> Analytics:
    counted = Counter({"placed": 2, "reserved": 1, "paid": 1, "shipped": 1, "cancelled:OUT_OF_STOCK": 1})
    return Analytics(counted=counted, listed=Counter({"a": 1, "b": 1}))


def test_counters_that_match_the_timelines_raise_nothing() -> None:
    found = Findings()
    check_analytics(_exact(), _tables(), found)
    assert found.counts["analytics miscounted"] == 0, found.examples


def test_an_event_counted_twice_or_not_at_all_is_flagged_by_how_much() -> None:
    # GIVEN a placed order counted twice and a shipment never counted
    analytics = _exact()
    analytics.counted["placed"] += 1
    analytics.counted["shipped"] -= 1
    found = Findings()
    # WHEN accounted
    check_analytics(analytics, _tables(), found)
    # THEN both are flagged, by the size of each error
    assert found.counts["analytics miscounted"] == 2
    assert any("placed: counted 3" in e for e in found.examples)


def test_an_order_listed_twice_or_missing_from_recent_orders_is_flagged() -> None:
    analytics = _exact()
    analytics.listed = Counter({"a": 2})
    found = Findings()
    check_analytics(analytics, _tables(), found)
    assert found.counts["analytics miscounted"] == 2, found.examples
