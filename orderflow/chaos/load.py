"""The client side of the chaos run: a mix of orders at a steady rate, each with an Idempotency-Key
(retried with the same key on an error, as a careful client does), some replayed on purpose."""

from __future__ import annotations

import math
import random
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx

from orderflow.chaos.config import EMPTY, PLENTIFUL, SCARCE, ChaosConfig

_ATTEMPTS = 6


@dataclass
class Submission:
    """One order as the client knows it."""

    index: int
    kind: str  # normal, scarce, out_of_stock, declined, cancel, out_of_stock+cancel, declined+cancel
    key: str
    body: dict[str, Any]
    order_id: str | None = None  # from the first 202
    replayed_ids: list[str] = field(default_factory=list)  # from deliberate replays
    errors: list[str] = field(default_factory=list)
    cancel_after: float | None = None  # seconds after the 202 (kinds "cancel" and "...+cancel")
    cancel_status: int | None = None  # 202 (asked) or 409 (already shipped)


def order_mix(config: ChaosConfig) -> list[Submission]:
    rng = random.Random(config.seed)
    mix = []
    for index in range(config.orders):
        lines = {sku: rng.randint(1, 2) for sku in rng.sample(PLENTIFUL, rng.randint(1, 3))}
        roll, extra = rng.random(), {}
        if roll < config.declined_share:
            kind, extra = "declined", {"paymentOutcome": "declined"}
        elif roll < config.declined_share + config.out_of_stock_share:
            kind, lines[EMPTY] = "out_of_stock", 1
        elif rng.random() < 0.2:
            kind, lines[SCARCE] = "scarce", 1
        elif rng.random() < config.cancel_share / (1 - config.declined_share - config.out_of_stock_share):
            kind = "cancel"
        else:
            kind = "normal"
        if kind == "cancel" and rng.random() < 0.3:
            extra = {"paymentToken": "tok_refundError"}  # its first refund attempt fails technically
        elif kind in ("declined", "out_of_stock") and rng.random() < config.cancel_share:
            kind += "+cancel"  # the customer's cancel races the saga's own cancellation
        body = {
            "customerEmail": f"chaos{index}@example.com",
            "currency": "USD",
            "items": [{"sku": sku, "quantity": q} for sku, q in lines.items()],
            **extra,
        }
        key = f"chaos-{config.seed}-{index}-{uuid.uuid4().hex[:8]}"
        cancel_after = (
            cancel_delay(rng, config.cancel_within)
            if kind == "cancel"
            else rng.uniform(0, 0.5)
            if kind.endswith("+cancel")
            else None
        )
        mix.append(Submission(index, kind, key, body, cancel_after=cancel_after))
    return mix


def cancel_delay(rng: random.Random, within: float) -> float:
    """Seconds after the 202, spread evenly on a log scale from 10 ms to `within`: a saga lasts from
    a few hundred ms (an idle emulator) to seconds (a loaded one, faults), and a uniform spread put
    nearly every cancel after the shipment once the emulator got fast (issue 11)."""
    return float(math.exp(rng.uniform(math.log(0.01), math.log(max(within, 0.011)))))


class Load:
    def __init__(self, config: ChaosConfig, api_url: str) -> None:
        self.config = config
        self.submissions = order_mix(config)
        self._rng = random.Random(config.seed + 1)
        self._http = httpx.Client(base_url=api_url, timeout=15, headers={"X-Api-Key": config.api_key})
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.accepted = 0
        self.failed = 0

    def run(self, progress: Callable[[], None]) -> None:
        """Submit every order at the configured rate; replays go out concurrently with firsts.

        `progress` may raise (the run's stop signal): then submissions not yet sent are dropped and
        those in flight end after their current request, instead of the pool working through its
        whole queue first — behind a slow API that queue holds minutes of submissions."""
        began = time.monotonic()
        pool = ThreadPoolExecutor(max_workers=16)
        try:
            futures = []
            for submission in self.submissions:
                time.sleep(max(0.0, began + submission.index / self.config.rate - time.monotonic()))
                futures.append(pool.submit(self._submit, submission, replay=False))
                if self._rng.random() < self.config.replay_share:
                    futures.append(pool.submit(self._submit, submission, replay=True))
                progress()
            for future in futures:
                future.result()
        except BaseException:
            self._stopping.set()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=self._stopping.is_set())
            self._http.close()

    def _submit(self, submission: Submission, *, replay: bool) -> None:
        headers = {"Idempotency-Key": submission.key}
        for attempt in range(_ATTEMPTS):
            if self._stopping.is_set():
                return
            try:
                response = self._http.post("/orders", json=submission.body, headers=headers)
            except httpx.HTTPError as exc:
                submission.errors.append(f"{type(exc).__name__}: {exc}")
            else:
                if response.status_code == 202:
                    self._answered(submission, str(response.json()["orderId"]))
                    if not replay and submission.cancel_after is not None:
                        self._cancel(submission)
                    return
                submission.errors.append(f"{response.status_code}: {response.text[:200]}")
                if response.status_code < 500 and response.status_code != 429:
                    break
            self._stopping.wait(min(5.0, 0.2 * 2**attempt))
        with self._lock:
            self.failed += 0 if replay else 1

    def _cancel(self, submission: Submission) -> None:
        """The customer changes their mind; retried with its own Idempotency-Key on errors."""
        assert submission.cancel_after is not None and submission.order_id is not None
        if self._stopping.wait(submission.cancel_after):
            return
        headers = {"Idempotency-Key": f"{submission.key}-cancel"}
        for attempt in range(_ATTEMPTS):
            if self._stopping.is_set():
                return
            try:
                response = self._http.post(f"/orders/{submission.order_id}/cancel", headers=headers)
            except httpx.HTTPError as exc:
                submission.errors.append(f"cancel: {type(exc).__name__}: {exc}")
            else:
                if response.status_code in (202, 409):
                    submission.cancel_status = response.status_code
                    return
                submission.errors.append(f"cancel: {response.status_code}: {response.text[:200]}")
            self._stopping.wait(min(5.0, 0.2 * 2**attempt))

    def _answered(self, submission: Submission, order_id: str) -> None:
        # A replay racing its first may answer first: whichever does, the other must agree.
        with self._lock:
            if submission.order_id is None:
                submission.order_id = order_id
                self.accepted += 1
            else:
                submission.replayed_ids.append(order_id)
