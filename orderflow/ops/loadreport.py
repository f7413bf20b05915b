"""What `orderflow load` found: orders accepted and rejected, each accepted order's time from
placed to terminal (read from the order's own timeline), and outcomes by status and reason."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

TERMINAL = ("SHIPPED", "CANCELLED")
# The events that move an order to a terminal status (workers/services/orders/projection.py).
_TERMINAL_EVENTS = ("ShipmentCreated", "InventoryReservationFailed", "PaymentFailed")


@dataclass
class Tracked:
    """One accepted order, as last seen through GET /orders/{id}."""

    order_id: str
    kind: str
    status: str = "PLACED"
    reason: str | None = None
    seconds: float | None = None  # placed -> terminal, from the timeline

    @property
    def terminal(self) -> bool:
        return self.status in TERMINAL

    def observe(self, view: dict[str, Any]) -> None:
        self.status, self.reason = str(view["status"]), view.get("reason")
        if not self.terminal:
            return
        times = {e["eventType"]: datetime.fromisoformat(e["occurredAt"]) for e in view.get("timeline", [])}
        placed = times.get("OrderPlaced") or datetime.fromisoformat(view["createdAt"])
        ended = [times[t] for t in _TERMINAL_EVENTS if t in times]
        if ended:
            self.seconds = max(0.0, (min(ended) - placed).total_seconds())


@dataclass
class LoadReport:
    planned: int
    sent: int = 0
    accepted: list[Tracked] = field(default_factory=list)
    rejected: dict[str, int] = field(default_factory=dict)  # HTTP status or error name -> count
    unfinished: list[str] = field(default_factory=list)  # accepted, not terminal by the deadline

    @property
    def terminal(self) -> int:
        return sum(1 for o in self.accepted if o.terminal)

    def latency(self) -> dict[str, float | None]:
        """Placed -> terminal seconds at p50/p95/p99 (nearest rank), over finished orders."""
        values = sorted(o.seconds for o in self.accepted if o.seconds is not None)
        quantiles = {f"p{q}": _rank(values, q / 100) for q in (50, 95, 99)}
        return quantiles | {"max": round(values[-1], 3) if values else None}

    def outcomes(self) -> dict[str, int]:
        """Status (and reason) -> orders, for every accepted order."""
        counted = Counter(f"{o.status} ({o.reason})" if o.reason else o.status for o in self.accepted)
        return dict(sorted(counted.items()))

    def by_kind(self) -> dict[str, dict[str, int]]:
        """What each kind of order asked for ended as: happy -> SHIPPED, declined -> CANCELLED (...)."""
        table: dict[str, Counter[str]] = {}
        for o in self.accepted:
            table.setdefault(o.kind, Counter())[f"{o.status} ({o.reason})" if o.reason else o.status] += 1
        return {kind: dict(sorted(c.items())) for kind, c in sorted(table.items())}

    @property
    def ok(self) -> bool:
        return bool(self.accepted) and not self.unfinished

    def to_json(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "sent": self.sent,
            "accepted": len(self.accepted),
            "rejected": dict(sorted(self.rejected.items())),
            "terminal": self.terminal,
            "unfinished": self.unfinished,
            "placedToTerminalSeconds": self.latency(),
            "outcomes": self.outcomes(),
            "outcomesByKind": self.by_kind(),
            "ok": self.ok,
        }


def _rank(values: list[float], q: float) -> float | None:
    if not values:
        return None
    index = max(0, min(len(values) - 1, int(-(-q * len(values) // 1)) - 1))
    return round(values[index], 3)
