"""The payment provider behind an interface, so a real one (Stripe, Adyen) can be dropped in."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar, Protocol

from workers.runtime.errors import TechnicalError

_NAMESPACE = uuid.UUID("0b7d4b8e-2f4a-5c1e-9a3b-5d6e7f809112")


@dataclass(frozen=True)
class ChargeResult:
    approved: bool
    payment_id: str
    decline_code: str | None = None


@dataclass(frozen=True)
class RefundResult:
    refund_id: str
    amount: Decimal


class PaymentProvider(Protocol):
    async def charge(self, *, idempotency_key: str, amount: Decimal, currency: str, token: str) -> ChargeResult:
        """Charge once per idempotency key: a retry with the same key answers the first result."""
        ...

    async def refund(self, *, idempotency_key: str, payment_id: str, amount: Decimal, currency: str) -> RefundResult:
        """Give back `amount` of a charge once per idempotency key, like `charge`."""
        ...


class ProviderUnavailable(TechnicalError):
    """The provider failed for a technical reason; nothing happened and the call can be retried."""


@dataclass
class MockPaymentProvider:
    """Deterministic by token, like a provider's test cards: `tok_chargeDeclined` declines,
    `tok_processingError` fails technically, `tok_refundError` approves a charge whose first
    refund attempt (per refund key, per process) fails technically, anything else approves.

    As with a real provider, a refund names the charge, not the card: the charge's id carries
    what its refunds will do.
    """

    DECLINES: ClassVar[dict[str, str]] = {
        "tok_chargeDeclined": "card_declined",
        "tok_insufficientFunds": "insufficient_funds",
    }
    REFUND_FAILS_ONCE: ClassVar[str] = "tok_refundError"
    _refund_attempts: Counter[str] = field(default_factory=Counter)

    async def charge(self, *, idempotency_key: str, amount: Decimal, currency: str, token: str) -> ChargeResult:
        if token == "tok_processingError":
            raise ProviderUnavailable("payment provider: processing error")
        digest = uuid.uuid5(_NAMESPACE, idempotency_key).hex[:24]
        payment_id = f"pay_rf_{digest}" if token == self.REFUND_FAILS_ONCE else f"pay_{digest}"
        decline = self.DECLINES.get(token)
        return ChargeResult(approved=decline is None, payment_id=payment_id, decline_code=decline)

    async def refund(self, *, idempotency_key: str, payment_id: str, amount: Decimal, currency: str) -> RefundResult:
        self._refund_attempts[idempotency_key] += 1
        if payment_id.startswith("pay_rf_") and self._refund_attempts[idempotency_key] == 1:
            raise ProviderUnavailable("payment provider: refund timed out (test card tok_refundError)")
        return RefundResult(f"re_{uuid.uuid5(_NAMESPACE, idempotency_key).hex[:24]}", amount)
