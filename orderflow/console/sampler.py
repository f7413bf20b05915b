"""The console's heartbeat: one snapshot per tick from the source, into the store and out to every
open page's stream. Runs whether or not a page is open, so the charts' history has no holes."""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from typing import Any

import structlog

from orderflow.console.model import Snapshot
from orderflow.console.source import Source
from orderflow.console.store import ConsoleStore

log = structlog.get_logger("orderflow.console")


@dataclass
class Sampler:
    source: Source
    store: ConsoleStore
    tick_seconds: float = 1.0
    latest: Snapshot | None = None
    ticks: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # redrives in progress, shown live

    async def run(self) -> None:
        while True:
            began = time.monotonic()
            with contextlib.suppress(Exception):
                await self.tick()
            await asyncio.sleep(max(0.05, self.tick_seconds - (time.monotonic() - began)))

    async def tick(self) -> Snapshot:
        try:
            snapshot = await self.source.snapshot()
        except Exception as exc:
            log.warning("console_tick_failed", error=str(exc))
            raise
        self.store.add(snapshot)
        self.latest = snapshot
        self.ticks += 1
        async with self._changed:
            self._changed.notify_all()
        return snapshot

    async def next(self, after: int, wait_seconds: float) -> Snapshot | None:
        """The first snapshot newer than tick `after`, or None after `wait_seconds`."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self.ticks > after), wait_seconds)
        return self.latest if self.ticks > after else None
