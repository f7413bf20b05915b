"""Per-key rate limiting: a token bucket per client, in process.

Why our own ~40 lines and not `limits` (the maintained library): `limits` offers fixed, moving
and sliding *window* counters, not a rate-plus-burst bucket, which is the contract we document
(ORDERFLOW_RATE_LIMIT_PER_SECOND sustained, ORDERFLOW_RATE_LIMIT_BURST at once) and the one that
gives an exact Retry-After; and it would be a new runtime dependency for what is, in memory,
a subtraction and a clock read. The state is per API task (no Redis): behind the ALB the
effective limit is tasks × the setting, which docs/api.md says.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

_EPSILON = 1e-9


@dataclass
class TokenBucket:
    """`capacity` tokens at most, refilled at `rate` per second; each request takes one."""

    rate: float
    capacity: float
    tokens: float
    updated: float

    def take(self, now: float) -> float:
        """0 if a token was taken, else the seconds until one will be available."""
        self.tokens = min(self.capacity, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        # Tolerance for the float subtraction above: waiting exactly the Retry-After we answered
        # can refill to 0.9999999999999998 (1.3559589774358474 + 1.0 - 1.3559589774358474 < 1).
        if self.tokens >= 1 - _EPSILON:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class RateLimiter:
    """One bucket per authenticated client id. Only configured clients get this far, so the
    number of buckets is bounded by the number of keys."""

    def __init__(self, *, per_second: float, burst: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._rate = per_second
        self._burst = float(burst)
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}

    def check(self, client_id: str) -> int:
        """0 if the request may go ahead, else the whole seconds to wait (Retry-After, at least 1)."""
        now = self._clock()
        bucket = self._buckets.get(client_id)
        if bucket is None:
            bucket = self._buckets[client_id] = TokenBucket(self._rate, self._burst, self._burst, now)
        wait = bucket.take(now)
        return 0 if wait == 0 else max(1, math.ceil(wait))
