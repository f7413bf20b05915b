"""The payment provider behind an interface, so a real one (Stripe, Adyen) can be dropped in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar, Protocol

from workers.runtime.errors import TechnicalError

_NAMESPACE = uuid.UUID("0b7d4b8e-2f4a-5c1e-9a3b-5d6e7f809112")


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    payment_id: str
    decline_code: str | None = None


class PaymentProvider(Protocol):
    async def charge(self, *, idempotency_key: str, amount: Decimal, currency: str, token: str) -> ChargeResult:
        """Charge once per idempotency key: a retry with the same key answers the first result."""
        ...


class ProviderUnavailable(TechnicalError):
    """The provider failed for a technical reason; the charge did not happen and can be retried."""


class MockPaymentProvider:
    """Deterministic by token, like a provider's test cards: `tok_chargeDeclined` declines,
    `tok_processingError` fails technically, anything else approves."""

    DECLINES: ClassVar[dict[str, str]] = {
        "tok_chargeDeclined": "card_declined",
        "tok_insufficientFunds": "insufficient_funds",
    }

    async def charge(self, *, idempotency_key: str, amount: Decimal, currency: str, token: str) -> ChargeResult:
        if token == "tok_processingError":
            raise ProviderUnavailable("payment provider: processing error")
        payment_id = f"pay_{uuid.uuid5(_NAMESPACE, idempotency_key).hex[:24]}"
        decline = self.DECLINES.get(token)
        return ChargeResult(approved=decline is None, payment_id=payment_id, decline_code=decline)
