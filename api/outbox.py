"""The outbox relay: publishes what the order transaction stored, now and again until it sticks."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from api.store import OrdersStore, event_from_outbox
from orderflow.aws.publisher import EventPublisher
from orderflow.contracts import Event
from orderflow.errors import OrderflowError

log = structlog.get_logger("orderflow.outbox")


class OutboxRelay:
    """Immediate path: publish right after the commit, then clear the entry. Sweeper: anything
    older than `stale_after` was missed (crash, bus outage) and is published again. Publishing
    twice is safe: consumers deduplicate by event id."""

    def __init__(
        self, store: OrdersStore, publisher: EventPublisher, *, sweep_every: float, stale_after: float = 5.0
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._sweep_every = sweep_every
        self._stale_after = stale_after
        self._tasks: set[asyncio.Task[None]] = set()
        self._sweeper: asyncio.Task[None] | None = None
        self.published = 0

    def publish_soon(self, event: Event) -> None:
        task = asyncio.create_task(self._publish(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _publish(self, event: Event) -> None:
        try:
            await self._publisher.publish([event])
            await self._store.outbox_done(event.event_id)
            self.published += 1
        except OrderflowError as exc:
            log.warning("outbox_publish_deferred", eventId=str(event.event_id), error=str(exc))

    async def sweep_once(self) -> int:
        entries = await self._store.pending_outbox(self._stale_after)
        for entry in entries:
            await self._publish(event_from_outbox(entry))
        if entries:
            log.info("outbox_swept", republished=len(entries))
        return len(entries)

    async def _sweep_forever(self) -> None:
        while True:
            await asyncio.sleep(self._sweep_every)
            try:
                await self.sweep_once()
            except OrderflowError as exc:
                log.warning("outbox_sweep_failed", error=str(exc))

    def start(self) -> None:
        self._sweeper = asyncio.create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._publisher.drain()
