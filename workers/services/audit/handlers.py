"""Audit handler: append every event to its stream, once, at the version the stream is at."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from weakref import WeakValueDictionary

import structlog

from orderflow.contracts import Event
from workers.runtime import Outcome, Retry
from workers.services.audit import streams
from workers.services.audit.store import AuditStore, VersionConflict

log = structlog.get_logger("orderflow.audit")
_ATTEMPTS = 5  # concurrent appends to one stream are rare (one order's events, seconds apart)
CAUSE_WAIT_SECONDS = 2


@dataclass(frozen=True)
class AuditDeps:
    store: AuditStore
    # One append at a time per stream in this process. Handlers start in the order their messages
    # arrived, so an order's events received together (one receive, or a prefetch) are appended in
    # that order; racing, the later one read the stream before the earlier one's append, found its
    # cause missing and came back 2 s later. Weak values: a stream's lock lives while it is in use.
    appending: WeakValueDictionary[str, asyncio.Lock] = field(default_factory=WeakValueDictionary)

    def stream_lock(self, stream: str) -> asyncio.Lock:
        lock = self.appending.get(stream)
        if lock is None:
            lock = self.appending[stream] = asyncio.Lock()
        return lock


async def append_event(event: Event, deps: AuditDeps) -> Outcome:
    stream = streams.stream_of(event)
    async with deps.stream_lock(stream):
        return await _append(stream, event, deps)


async def _append(stream: str, event: Event, deps: AuditDeps) -> Outcome:
    for _ in range(_ATTEMPTS):
        decision = streams.decide(stream, await deps.store.read(stream), event)
        match decision:
            case streams.Duplicate(version):
                log.info("audit_duplicate", stream=stream, version=version)
                return []
            case streams.CauseMissing(cause):
                raise Retry(f"{stream}: cause {cause} not appended yet (out of order)", after=CAUSE_WAIT_SECONDS)
            case streams.Append(version):
                try:
                    await deps.store.append(stream, version, event)
                except VersionConflict:
                    continue  # someone appended first: read again and decide again
                return []
    raise Retry(f"{stream}: version kept moving under {_ATTEMPTS} appends", after=1)
