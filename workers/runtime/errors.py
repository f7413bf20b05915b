"""Exceptions the runtime understands. Business outcomes are events, never exceptions."""

from __future__ import annotations

from datetime import timedelta

from orderflow.errors import OrderflowError


class Retry(OrderflowError):
    """Raised by a handler to try the message again later, e.g. `raise Retry(after=timedelta(seconds=5))`.

    The runtime turns it into ChangeMessageVisibility; it still counts as a receive towards
    the queue's maxReceiveCount.
    """

    def __init__(self, reason: str = "retry requested", *, after: timedelta | float | None = None) -> None:
        super().__init__(reason)
        if isinstance(after, timedelta):
            after = after.total_seconds()
        self.after = after


class TechnicalError(OrderflowError):
    """A transient failure in a dependency (carrier down, provider 5xx): retried with backoff, then DLQ."""


class SimulatedTechnicalFailure(TechnicalError):
    """Raised on purpose by the local-mode simulation levers."""
