"""Async micro-batching: callers submit one item each and await their own result.

Written by hand because no maintained library does this for asyncio: it lets many concurrent
handlers share one DeleteMessageBatch or PutEvents call (≤ 10 entries) instead of one call each.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from orderflow.tracing.propagation import detached_context

T = TypeVar("T")
R = TypeVar("R")

# The flush function answers, per item in order, a result or the exception for that item.
FlushFn = Callable[[list[T]], Awaitable[Sequence[R | BaseException]]]


class MicroBatcher(Generic[T, R]):
    def __init__(self, flush: FlushFn[T, R], *, max_size: int = 10, linger: float = 0.005) -> None:
        self._flush = flush
        self._max_size = max_size
        self._linger = linger
        self._pending: list[tuple[T, asyncio.Future[R]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    async def submit(self, item: T) -> R:
        return await self.enqueue(item)

    def enqueue(self, item: T) -> asyncio.Future[R]:
        """Add the item without waiting for its batch: the future answers when the batch has been sent
        (`drain` sends what is still lingering). Whoever enqueues must consume the future's outcome."""
        future: asyncio.Future[R] = asyncio.get_running_loop().create_future()
        self._pending.append((item, future))
        if len(self._pending) >= self._max_size:
            self._start_flush()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self._linger, self._start_flush)
        return future

    def _start_flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        while self._pending:
            batch, self._pending = self._pending[: self._max_size], self._pending[self._max_size :]
            # One call serves several callers: it belongs to none of their traces (nor log contexts' spans).
            task = asyncio.create_task(self._run(batch), context=detached_context())
            self._flushes.add(task)
            task.add_done_callback(self._flushes.discard)

    async def _run(self, batch: list[tuple[T, asyncio.Future[R]]]) -> None:
        try:
            results = await self._flush([item for item, _ in batch])
        except asyncio.CancelledError:
            for _, future in batch:
                future.cancel()
            raise
        except Exception as exc:  # noqa: BLE001 - handed to every waiter of this batch: none is lost
            results = [exc] * len(batch)
        if len(results) != len(batch):
            error = RuntimeError(f"batch flush answered {len(results)} results for {len(batch)} items")
            results = [error] * len(batch)
        for (_, future), result in zip(batch, results, strict=True):
            if future.done():
                continue
            if isinstance(result, BaseException):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def drain(self) -> None:
        """Flush what is pending now and wait for every flush in progress."""
        self._start_flush()
        while self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)
