"""Audit handler: append every event to its stream, once, at the version the stream is at."""

from __future__ import annotations

from dataclasses import dataclass

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


async def append_event(event: Event, deps: AuditDeps) -> Outcome:
    stream = streams.stream_of(event)
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
