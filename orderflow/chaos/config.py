"""What a chaos run does: how many orders, how fast, how often processes die, how often AWS fails."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from decimal import Decimal

# sku -> (name, price, units). Plentiful SKUs make normal orders ship; SCARCE runs out during the
# run (contention: some orders get it, the rest are cancelled); EMPTY never has stock.
PLENTIFUL = ("CHAOS-A", "CHAOS-B", "CHAOS-C", "CHAOS-D")
SCARCE = "CHAOS-SCARCE"
EMPTY = "CHAOS-EMPTY"


@dataclass(frozen=True)
class ChaosConfig:
    orders: int = 200
    rate: float = 3.0  # orders submitted per second, steadily: moto slows down with queue backlog
    kill_every: float = 5.0  # seconds between SIGKILLs of a random worker (0: never)
    term_every: float = 11.0  # seconds between SIGTERMs of a random worker (0: never)
    fault_rate: float = 0.02  # probability of each before/after fault per call
    duplicate_rate: float = 0.05  # probability that a received message is also delivered again
    declined_share: float = 0.1
    out_of_stock_share: float = 0.1
    replay_share: float = 0.1  # orders whose request is sent again with the same Idempotency-Key
    cancel_share: float = 0.15  # orders the customer cancels, at a random moment of their saga
    cancel_within: float = 4.0  # the cancel goes out 0.01..cancel_within s after the order's 202 (log scale)
    seed: int = 1
    quiesce_timeout: float = 420.0  # faults can hide messages for a visibility timeout (≤ 90 s)
    min_uptime: float = 10.0  # never kill a process younger than this (the supervisor would back off)
    api_key: str = field(default_factory=lambda: f"chaos-{secrets.token_urlsafe(16)}")

    def faults_spec(self) -> str:
        """ORDERFLOW_FAULTS for the workers: before/after faults on every call that matters."""
        f = self.fault_rate
        both = f"before={f},after={f}"
        return ";".join(
            [
                f"sqs.ReceiveMessage:before={f},after={f / 2},duplicate={self.duplicate_rate}",
                f"sqs.DeleteMessageBatch:{both}",
                f"sqs.ChangeMessageVisibilityBatch:{both}",
                f"events.PutEvents:{both},partial={f}",
                f"dynamodb.TransactWriteItems:{both}",
                f"dynamodb.GetItem:before={f}",
                f"dynamodb.BatchGetItem:before={f}",
                f"carrier:before={2 * f},after={2 * f}",
            ]
        )

    def catalogue(self) -> dict[str, tuple[str, Decimal, int]]:
        # Normal orders take ≤ 3 lines of ≤ 2 units: plenty never runs out.
        plenty = {
            sku: (f"chaos product {sku[-1]}", Decimal(10 + i), 8 * self.orders) for i, sku in enumerate(PLENTIFUL)
        }
        return {
            **plenty,
            SCARCE: ("chaos scarce product", Decimal(99), max(5, self.orders // 20)),
            EMPTY: ("chaos sold-out product", Decimal(5), 0),
        }
