"""The carrier behind an interface; locally a simulated external API with latency and outages."""

from __future__ import annotations

import asyncio
import hashlib
import random
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from workers.runtime.errors import TechnicalError

if TYPE_CHECKING:
    from orderflow.aws.faults import FaultInjector


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
    """Answers after `latency` seconds; fails `failure_rate` of calls; times out after `timeout`.
    With `faults` (ORDERFLOW_FAULTS `carrier:before=p,after=p`) it also fails before booking, or
    books and then fails as a lost answer would — the carrier deduplicates on the reference."""

    name = "SIMULATED-EXPRESS"

    def __init__(
        self,
        *,
        failure_rate: float = 0.0,
        latency: float = 0.0,
        timeout: float = 5.0,
        rng: random.Random | None = None,
        faults: FaultInjector | None = None,
    ) -> None:
        self.failure_rate = failure_rate
        self.latency = latency
        self.timeout = timeout
        self._rng = rng or random.Random()
        self._faults = faults

    async def book(self, *, reference: uuid.UUID, units: int) -> Booking:
        if self._faults is not None and self._faults.roll("carrier", "before", reference=str(reference)):
            raise CarrierUnavailable("injected fault: carrier answered 503 before booking")
        try:
            booking = await asyncio.wait_for(self._call(reference), timeout=self.timeout)
        except TimeoutError:
            raise CarrierUnavailable(f"carrier timed out after {self.timeout} s") from None
        if self._faults is not None and self._faults.roll("carrier", "after", reference=str(reference)):
            raise CarrierUnavailable("injected fault: carrier booked, then the answer was lost")
        return booking

    async def _call(self, reference: uuid.UUID) -> Booking:
        if self.latency:
            await asyncio.sleep(self.latency)
        if self._rng.random() < self.failure_rate:
            raise CarrierUnavailable("carrier answered 503 Service Unavailable")
        digest = hashlib.sha256(reference.bytes).hexdigest().upper()
        return Booking(shipment_id=f"shp_{digest[:20].lower()}", carrier=self.name, tracking_number=f"1Z{digest[:16]}")
