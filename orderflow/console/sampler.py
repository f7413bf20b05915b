"""The console's heartbeat: one snapshot per tick from the source, into the store and out to every
open page's stream. Runs whether or not a page is open, so the charts' history has no holes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import structlog

from orderflow.console.model import Snapshot
from orderflow.console.source import Source
from orderflow.console.store import ConsoleStore

log = structlog.get_logger("orderflow.console")

JOB_SHOWN_SECONDS = 60.0  # a finished redrive stays on the stream this long, then is forgotten


@dataclass
class Sampler:
    source: Source
    store: ConsoleStore
    tick_seconds: float = 1.0
    latest: Snapshot | None = None
    ticks: int = 0
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)  # redrives in progress, shown live
    _finished: dict[str, float] = field(default_factory=dict)  # job id -> when it ended (loop clock)

    async def run(self) -> None:
        """Tick on a fixed clock, not a fixed pause after each read: a read that takes 0.3 s does not
        push every later tick back by 0.3 s. A read slower than a whole tick starts the next at once."""
        loop = asyncio.get_running_loop()
        due = loop.time()
        while True:
            with contextlib.suppress(Exception):
                await self.tick()
            due = max(due + self.tick_seconds, loop.time())
            await asyncio.sleep(due - loop.time())

    def finish_job(self, job_id: str, **outcome: Any) -> None:
        self.jobs[job_id].update(outcome, done=True)
        self._finished[job_id] = asyncio.get_running_loop().time()

    def shown_jobs(self) -> list[dict[str, Any]]:
        """Jobs running, and those ended in the last `JOB_SHOWN_SECONDS` (the page that started one
        reads its result from the stream); older ones are dropped, so the list stays bounded."""
        now = asyncio.get_running_loop().time()
        for job_id in [j for j, ended in self._finished.items() if now - ended > JOB_SHOWN_SECONDS]:
            del self.jobs[job_id], self._finished[job_id]
        return list(self.jobs.values())

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

    async def every(self, seconds: float, idle_seconds: float = 15) -> AsyncIterator[Snapshot | None]:
        """Every snapshot whose tick is `seconds` after the last one given (the page's rate), or None
        after `idle_seconds` without one. Counted in ticks, not on the wall clock: a snapshot that lands
        a few ms early is still due (timing it skipped such a snapshot and doubled the gap to 2 s)."""
        stride = max(1, round(seconds / self.tick_seconds))
        seen = self.ticks - 1 if self.latest is not None else self.ticks  # the newest at once, if any
        sent = -stride
        while True:
            latest = await self.next(seen, idle_seconds)
            if latest is None:
                yield None
                continue
            seen = self.ticks
            if seen - sent >= stride:
                sent = seen
                yield latest

    async def next(self, after: int, wait_seconds: float) -> Snapshot | None:
        """The first snapshot newer than tick `after`, or None after `wait_seconds`."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait_for(lambda: self.ticks > after), wait_seconds)
        return self.latest if self.ticks > after else None
