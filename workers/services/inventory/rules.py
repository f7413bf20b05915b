"""Inventory business rules, free of I/O: what an order asks for and what is short."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from orderflow.contracts.events import OrderLine, Shortage


def units_per_sku(lines: Iterable[OrderLine]) -> dict[str, int]:
    """Two lines of one SKU reserve their sum: a transaction may touch each stock item once."""
    totals: Counter[str] = Counter()
    for line in lines:
        totals[line.sku] += line.quantity
    return dict(sorted(totals.items()))


def shortages(requested: Mapping[str, int], available: Mapping[str, int]) -> list[Shortage]:
    """Every SKU whose available units (0 when unknown) cannot cover the request."""
    return [
        Shortage(sku=sku, requested=units, available=max(available.get(sku, 0), 0))
        for sku, units in requested.items()
        if available.get(sku, 0) < units
    ]


def may_claim_low_stock(stock: Mapping[str, Any], alert_id: str) -> bool:
    """Whether a stock item is at or below its reorder point with no other alert open — the same
    test the store's conditional claim makes, read first so most orders write nothing more."""
    point, quantity = stock.get("reorderPoint"), stock.get("reorderQuantity")
    if point is None or quantity is None:
        return False
    return int(stock["available"]) <= int(point) and stock.get("lowAlert") in (None, alert_id)
