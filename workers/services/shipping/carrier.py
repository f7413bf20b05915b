"""The carrier behind an interface; locally a simulated external API with latency and outages."""

from __future__ import annotations

import asyncio
import hashlib
import random
import uuid
from dataclasses import dataclass
from typing import Protocol

from workers.runtime.errors import TechnicalError


@dataclass(frozen=True)
class Booking:
    shipment_id: str
    carrier: str
    tracking_number: str


class CarrierUnavailable(TechnicalError):
    """The carrier's API failed or timed out; nothing was booked that a retry would double."""


class Carrier(Protocol):
    async def book(self, *, reference: uuid.UUID, units: int) -> Booking:
        """Book one shipment per reference (the carrier deduplicates on it)."""
        ...


class SimulatedCarrier:
    """Answers after `latency` seconds; fails `failure_rate` of calls; times out after `timeout`."""

    name = "SIMULATED-EXPRESS"

    def __init__(
        self, *, failure_rate: float = 0.0, latency: float = 0.0, timeout: float = 5.0, rng: random.Random | None = None
    ) -> None:
        self.failure_rate = failure_rate
        self.latency = latency
        self.timeout = timeout
        self._rng = rng or random.Random()

    async def book(self, *, reference: uuid.UUID, units: int) -> Booking:
        try:
            return await asyncio.wait_for(self._call(reference), timeout=self.timeout)
        except TimeoutError:
            raise CarrierUnavailable(f"carrier timed out after {self.timeout} s") from None

    async def _call(self, reference: uuid.UUID) -> Booking:
        if self.latency:
            await asyncio.sleep(self.latency)
        if self._rng.random() < self.failure_rate:
            raise CarrierUnavailable("carrier answered 503 Service Unavailable")
        digest = hashlib.sha256(reference.bytes).hexdigest().upper()
        return Booking(shipment_id=f"shp_{digest[:20].lower()}", carrier=self.name, tracking_number=f"1Z{digest[:16]}")
