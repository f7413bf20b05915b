"""Exponential backoff for redelivery, computed from SQS's ApproximateReceiveCount."""

from __future__ import annotations

import random

MAX_VISIBILITY_SECONDS = 43_200  # SQS's ceiling: 12 hours


def redelivery_delay(receive_count: int, *, base: float, cap: float, jitter: float = 0.0) -> int:
    """Seconds until the message is visible again after its `receive_count`-th failed receive.

    base · 2^(n-1), capped; `jitter` (0..1) removes up to that fraction at random so that a
    burst of failures does not come back as a burst.
    """
    exponent = max(receive_count, 1) - 1
    delay = min(cap, base * 2 ** min(exponent, 30))
    if jitter:
        delay -= delay * jitter * random.random()
    rounded: int = round(delay)
    return max(0, min(MAX_VISIBILITY_SECONDS, rounded))
