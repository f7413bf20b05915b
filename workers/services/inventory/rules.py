"""Inventory business rules, free of I/O: what an order asks for and what is short."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

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
