"""The supplier behind an interface; locally a simulated one that delivers after a fixed delay."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Delivery:
    purchase_order_id: str
    supplier: str
    quantity: int


class Supplier(Protocol):
    name: str

    async def deliver(self, *, reference: str, sku: str, quantity: int) -> Delivery:
        """Order `quantity` of `sku` once per reference (a retry gets the same delivery back)
        and return when it has arrived."""
        ...


class SimulatedSupplier:
    """Delivers exactly what was ordered after `delay` seconds — deterministic, so tests can wait
    for it. The purchase order id is derived from the reference, as a supplier deduplicating on
    our reference would answer."""

    name = "SIMULATED-SUPPLIES"

    def __init__(self, *, delay: float = 2.0) -> None:
        self.delay = delay

    async def deliver(self, *, reference: str, sku: str, quantity: int) -> Delivery:
        if self.delay:
            await asyncio.sleep(self.delay)
        po = "po_" + hashlib.sha256(reference.encode()).hexdigest()[:20]
        return Delivery(purchase_order_id=po, supplier=self.name, quantity=quantity)
