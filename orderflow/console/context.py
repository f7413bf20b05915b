"""The console's composition: one source, its store, the sampler and the guard, built once at start."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import structlog

from orderflow.console.guard import Guard
from orderflow.console.orders import BadCursor, Funnel, UnknownWindow
from orderflow.console.problems import BadRequest, NotFound
from orderflow.console.sampler import Sampler
from orderflow.console.source import Source
from orderflow.console.store import AuditEntry, ConsoleStore
from orderflow.console.triage import Progress
from orderflow.local.runstate import RunState
from orderflow.settings import Settings

log = structlog.get_logger("orderflow.console")
_FUNNEL_CACHE_SECONDS = 2.0  # many open pages, one set of queries


@dataclass
class Console:
    settings: Settings
    source: Source
    store: ConsoleStore
    sampler: Sampler
    guard: Guard
    tasks: set[asyncio.Task[None]] = field(default_factory=set)  # redrives running in the background
    _funnels: dict[str, tuple[float, Funnel]] = field(default_factory=dict)

    @property
    def services(self) -> list[str]:
        return list(self.settings.topology.services)

    def known(self, service: str) -> None:
        if service not in self.settings.topology.services:
            raise NotFound(f"no service {service!r}; services: {', '.join(self.services)}")

    async def funnel(self, window: str) -> Funnel:
        cached = self._funnels.get(window)
        if cached and time.monotonic() - cached[0] < _FUNNEL_CACHE_SECONDS:
            return cached[1]
        try:
            found = await self.source.orders.funnel(window)
        except UnknownWindow as exc:
            raise NotFound(str(exc)) from exc
        self._funnels[window] = (time.monotonic(), found)
        return found

    async def recent(self, limit: int, cursor: str | None) -> Any:
        try:
            return await self.source.orders.recent(limit=limit, cursor=cursor)
        except BadCursor as exc:
            raise BadRequest(str(exc)) from exc

    async def order(self, order_id: str) -> dict[str, Any]:
        found = await self.source.orders.order(_order_id(order_id))
        if found is None:
            raise NotFound(f"no order {order_id}")
        return found

    async def trace(self, order_id: str) -> dict[str, Any]:
        """The order's traces as `orderflow trace` selects them (empty, with the reason, if none)."""
        return await self.source.traces.of(str(_order_id(order_id)))

    def record(self, entry: AuditEntry) -> None:
        self.store.audit(entry)
        log.info("console_action", **{k: v for k, v in entry.__dict__.items() if k != "at"})

    async def run_redrive(
        self, job_id: str, service: str, *, key: str | None, rate: float, progress: Progress, origin: str
    ) -> None:
        job = self.sampler.jobs[job_id]
        target = key or "all"
        try:
            task = self.source.triage.redrive(service, key, rate, progress)
            await _watch(task, progress, job)
            result = f"redrove {progress.moved}" if progress.moved else "no message of this group was left"
        except Exception as exc:  # noqa: BLE001 - any failure ends the job and is written to the audit log
            result = f"failed after {progress.moved}: {exc}"
            job["error"] = str(exc)
        self.sampler.finish_job(job_id, moved=progress.moved, result=result)
        self.record(AuditEntry(time.time(), "redrive", service, target, progress.moved, result, origin))
        refresh = getattr(self.source, "refresh_dead_letters", None)
        if refresh:
            refresh()

    def control(
        self, service: str, *, paused: bool | None, desired_override: int | None, clear_override: bool
    ) -> dict[str, Any]:
        changes: dict[str, bool | int | None] = {}
        if paused is not None:
            changes["paused"] = paused
        if desired_override is not None or clear_override:
            changes["desired_override"] = None if clear_override else desired_override
        if not changes:
            raise BadRequest("say paused, desiredOverride or clearOverride")
        updated = RunState.of(self.settings).set_control(service, **changes)
        return {"service": service, **updated.model_dump(mode="json")}


def _order_id(order_id: str) -> uuid.UUID:
    try:
        return uuid.UUID(order_id)
    except ValueError as exc:
        raise NotFound(f"no order {order_id!r} (an order id is a UUID)") from exc


async def _watch(task: Any, progress: Progress, job: dict[str, Any]) -> None:
    """Run the redrive, copying its progress into the job the stream shows."""
    running = asyncio.ensure_future(task)
    while not running.done():
        job["moved"] = progress.moved
        await asyncio.wait([running], timeout=0.5)
    running.result()
