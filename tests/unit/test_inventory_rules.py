"""Inventory rules: what an order asks for per SKU, and which SKUs are short."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from orderflow.contracts.events import OrderLine, Shortage
from workers.services.inventory.rules import shortages, units_per_sku


def line(sku: str, quantity: int) -> OrderLine:
    return OrderLine(sku=sku, quantity=quantity, unit_price=Decimal(10))


def test_duplicate_sku_lines_reserve_their_sum() -> None:
    lines = [line("MOUSE-01", 2), line("LAPTOP-001", 1), line("MOUSE-01", 3)]

    assert units_per_sku(lines) == {"LAPTOP-001": 1, "MOUSE-01": 5}


def test_units_per_sku_are_in_sku_order() -> None:
    # A DynamoDB transaction touching items in a fixed order makes contention deterministic.
    assert list(units_per_sku([line("Z-1", 1), line("A-1", 1), line("M-1", 1)])) == ["A-1", "M-1", "Z-1"]


def test_no_lines_ask_for_nothing() -> None:
    assert units_per_sku([]) == {}


@given(st.lists(st.tuples(st.sampled_from(["A-1", "B-2", "C-3"]), st.integers(1, 1000)), max_size=20))
def test_units_per_sku_conserves_every_unit(pairs: list[tuple[str, int]]) -> None:
    totals = units_per_sku([line(sku, q) for sku, q in pairs])

    assert sum(totals.values()) == sum(q for _, q in pairs)
    assert set(totals) == {sku for sku, _ in pairs}


def test_sufficient_stock_is_not_short() -> None:
    assert shortages({"LAPTOP-001": 2, "MOUSE-01": 1}, {"LAPTOP-001": 2, "MOUSE-01": 50}) == []


def test_unknown_sku_is_short_with_nothing_available() -> None:
    assert shortages({"GHOST-1": 1}, {}) == [Shortage(sku="GHOST-1", requested=1, available=0)]


def test_short_sku_is_flagged_with_what_is_available() -> None:
    result = shortages({"LAPTOP-001": 3, "MOUSE-01": 1}, {"LAPTOP-001": 2, "MOUSE-01": 1})

    assert result == [Shortage(sku="LAPTOP-001", requested=3, available=2)]


def test_every_short_sku_is_reported_not_just_the_first() -> None:
    result = shortages({"A-1": 1, "B-2": 5, "C-3": 1}, {"B-2": 4, "C-3": 1})

    assert [s.sku for s in result] == ["A-1", "B-2"]


def test_negative_stock_counts_as_none_available() -> None:
    assert shortages({"A-1": 1}, {"A-1": -4}) == [Shortage(sku="A-1", requested=1, available=0)]
