"""Analytics handler: each outcome is counted once, with the events handled beside it (groups.py)."""

from __future__ import annotations

from dataclasses import dataclass

from orderflow.aws.idempotency import ProcessedEvents
from orderflow.contracts import Event
from orderflow.contracts.events import OrderPlaced
from workers.runtime import Outcome
from workers.services.analytics.groups import CountingGroups
from workers.services.analytics.store import AnalyticsStore


@dataclass(frozen=True)
class AnalyticsDeps:
    store: AnalyticsStore
    groups: CountingGroups
    processed: ProcessedEvents  # its `separate_record` switch selects the benchmarks' naive shape


async def count(event: Event, deps: AnalyticsDeps) -> Outcome:
    if deps.processed.separate_record:
        # The naive shape: a record of its own, then this event's counters alone.
        recent = [deps.store.recent(event)] if isinstance(event, OrderPlaced) else []
        await deps.processed.commit(event.event_id, [*deps.store.counters([event]), *recent], [])
        return []
    # A duplicate delivery finds its marker stored and counts nothing; analytics publishes nothing.
    await deps.groups.count(event)
    return []
